"""The demo of ``muqing up --demo``: the demo board as a source, its users and a week of duty shifts."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer

from core.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def start_demo_board(*, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The demo board on its port, seeded as a source with the demo users (its address allowed for this run)."""
    from cli import launcher
    from core.config import get_settings

    site = subprocess.Popen(
        [sys.executable, "-m", "crawlers.demo.server", "--port", str(launcher.demo_site_port(port))],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert site.stdout is not None
    base_url = site.stdout.readline().decode().strip()
    # The demo board is on loopback: allowed for this run only, by its address and port.
    allow = f"{get_settings().url_allow_list} {urlsplit(base_url).netloc}".strip()
    env["MUQING_URL_ALLOW_LIST"] = os.environ["MUQING_URL_ALLOW_LIST"] = allow
    get_settings.cache_clear()
    seed_demo(base_url=base_url)
    typer.echo(
        f"demo board at {base_url}; demo users admin, duty, leader, <section>-staff, "
        f"<section>-head with password {get_settings().demo_password!r}",
        err=True,
    )
    return site


DEMO_USERS = (("admin", Role.admin, None), ("duty", Role.duty, None), ("leader", Role.leader, None))


def seed_demo(*, base_url: str) -> None:
    """Defaults, demo users (password from settings) and the demo board as a source."""
    from sqlalchemy import select

    from alerts.seed import seed_defaults
    from core.config import get_settings
    from core.db import session_scope
    from core.models import Section, User
    from core.service import create_user
    from crawlers.demo.server import source_spec
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    password = get_settings().demo_password
    with session_scope() as session:
        seed_defaults(session)
        wanted: list[tuple[str, Role, str | None]] = list(DEMO_USERS)
        for section in session.scalars(select(Section).order_by(Section.id)):
            wanted += [
                (f"{section.code}-staff", Role.staff, section.code),
                (f"{section.code}-head", Role.head, section.code),
            ]
        existing = set(session.scalars(select(User.username)))
    for username, role, section_code in wanted:
        if username not in existing:
            # A transaction per user: each password hash takes a while, and a dozen of them in one transaction
            # held SQLite's write lock for seconds on a busy machine.
            with session_scope() as session:
                create_user(session, username=username, password=password, role=role, section_code=section_code)
    with session_scope() as session:
        seed_demo_roster(session)
        sync_sources(session, specs=[parse_source(source_spec(base_url))])


def seed_demo_roster(session: Session) -> None:
    """A week of the demo duty officer's shifts from the one covering now, so someone is on duty out of the box."""
    from sqlalchemy import select

    from alerts.roster.service import cover_now
    from alerts.sla.service import work_calendar
    from core.models import User

    duty = session.scalar(select(User).where(User.username == "duty"))
    leader = session.scalar(select(User).where(User.username == "leader"))
    if duty is None:
        return
    cover_now(
        session,
        user_ids=[duty.id],
        calendar=work_calendar(session),
        holiday_leader_ids=[leader.id] if leader is not None else None,
    )
