"""The one settings object, read from ``MUQING_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.urlpolicy import parse_allow_list

PLACEHOLDER_SECRET = "change-me-in-production"


class Settings(BaseSettings):
    """Muqing settings; every field can be set as ``MUQING_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MUQING_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None
    broker_url: str | None = Field(
        default=None, description="Celery broker; empty means the embedded file-system queue in data_dir"
    )
    broker_key_prefix: str = Field(
        default="", description="prefix of every Redis key the job queue uses, so installations can share a Redis"
    )
    broker_visibility_timeout: int = Field(
        default=3600, description="seconds before Redis hands a job that no worker acknowledged to another worker"
    )
    outbox_lease_seconds: int = Field(
        default=900, description="seconds after which a sent outbox event whose job never finished is sent again"
    )
    slow_write_seconds: float = Field(
        default=5.0,
        description="log a warning naming the code when a transaction holds SQLite's write lock longer than this",
    )
    tasks_eager: bool = Field(default=False, description="run jobs inline (tests and one-off commands)")
    secret_key: str = PLACEHOLDER_SECRET
    token_minutes: int = 12 * 60
    timezone: str = "Asia/Shanghai"
    demo_password: str = "muqing-demo"
    demo_site_port: int = 0
    sources_file: Path | None = None
    profile: Literal["lanshan", "demo"] = Field(
        default="lanshan",
        description="the district profile seeded into an empty database: lanshan (临沂市兰山区) or demo (青禾区)",
    )
    hotline_token: str | None = Field(
        default=None,
        description="bearer token the city's 12345 platform pushes work orders with (POST /api/hotline/orders)",
    )
    chromium_path: str = Field(
        default="/usr/bin/chromium", description="the system Chromium that renders `render: browser` sources"
    )
    weibo_cookie: str | None = Field(default=None, description="signed-in s.weibo.com cookie (SUB=…) for Weibo search")
    search_backend: Literal["fts5", "elasticsearch"] = "fts5"
    elasticsearch_url: str | None = None
    elasticsearch_index_prefix: str = Field(
        default="muqing-", description="prefix of every index, alias and template name, so clusters can be shared"
    )
    elasticsearch_replicas: int = 0
    elasticsearch_timeout: float = 10.0
    office_hours: str = "08:30-12:00,13:30-17:30"
    log_level: str = "INFO"
    public_url: str | None = Field(default=None, description="base URL of the web UI, for links in notifications")
    attachment_max_bytes: int = 20 * 1024 * 1024
    request_max_bytes: int = Field(
        default=2 * 1024 * 1024, description="largest request body outside file uploads (uploads have their own)"
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail notifications; empty: no e-mail")
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "muqing@localhost"
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    notify_timeout_seconds: float = 10.0
    notify_retry_base_seconds: float = Field(default=30.0, description="first retry delay; doubles per attempt")
    notify_retry_max_seconds: float = 3600.0
    notify_max_attempts: int = 8
    sweep_interval_seconds: float = 60.0
    trusted_proxies: str = Field(
        default="",
        description="addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated, * for any); "
        "empty: the header is ignored and the peer address counts",
    )
    url_allow_list: str = Field(
        default="",
        description="intranet addresses, networks or hosts (optionally :port) that user-caused fetches may reach; "
        "everything else must be public (docs/security.md)",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "production":
            _check_production_secret(self.secret_key)
        parse_allow_list(self.url_allow_list)  # a malformed entry stops the start with its name
        if self.search_backend == "elasticsearch" and not self.elasticsearch_url:
            raise ValueError("MUQING_ELASTICSEARCH_URL must be set when MUQING_SEARCH_BACKEND=elasticsearch")
        return self

    @property
    def resolved_data_dir(self) -> Path:
        """The data directory as an absolute path, created if missing (readable by its owner only)."""
        path = self.data_dir.expanduser().resolve()
        if not path.exists():
            # It holds the database, evidence pages, attachments and the signing key.
            path.mkdir(parents=True, mode=0o700)
            path.chmod(0o700)
        return path

    @property
    def signing_key(self) -> str:
        """The secret for tokens; outside production a placeholder is replaced by a random per-install key."""
        if self.secret_key.strip() and self.secret_key != PLACEHOLDER_SECRET:
            return self.secret_key
        path = self.resolved_data_dir / "secret_key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'muqing.db'}"

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.sqlalchemy_url.startswith("sqlite")


MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 12


def _check_production_secret(key: str) -> None:
    """Refuse an empty, placeholder or guessable signing key in production, saying how to make one."""
    make = "generate one with `openssl rand -hex 32` and set MUQING_SECRET_KEY"
    if not key.strip():
        raise ValueError(f"MUQING_SECRET_KEY is empty: every sign-in would fail and tokens could be forged; {make}")
    if key == PLACEHOLDER_SECRET:
        raise ValueError(f"MUQING_SECRET_KEY must be set to a real secret in production; {make}")
    if len(key) < MIN_SECRET_CHARS or len(set(key)) < MIN_SECRET_DISTINCT:
        raise ValueError(
            f"MUQING_SECRET_KEY is too weak (it needs at least {MIN_SECRET_CHARS} characters, "
            f"{MIN_SECRET_DISTINCT} of them different): anyone could forge sign-in tokens; {make}"
        )


def redact_url(url: str) -> str:
    """``url`` without credentials or query, fit for logs and error messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache to change them)."""
    return Settings()
