"""Database migrations from code (`muqing db upgrade`), for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.config import get_settings
from core.db import get_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at our migrations and ``url`` (default: settings)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or get_settings().sqlalchemy_url).replace("%", "%%"))
    return config


def upgrade(*, url: str | None = None, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    config = alembic_config(url)
    engine = get_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(*, url: str | None = None, revision: str) -> None:
    """Migrate the database down to ``revision``."""
    config = alembic_config(url)
    engine = get_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(*, url: str | None = None) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def ensure_schema(*, url: str | None = None) -> None:
    """Migrate to the newest schema when behind, so a command works on a fresh data directory."""
    if current_revision(url=url) != head_revision():
        upgrade(url=url)
