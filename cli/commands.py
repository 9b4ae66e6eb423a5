"""The ``muqing`` command: each domain adds its own commands; the process tree of ``muqing up`` is here.

Every command module imports only typer and light helpers at the top; a command imports the database, the
job queue or the web server when it runs. So ``muqing --help`` lists every command without loading them,
and each command starts with what it needs (the crawl and API tests start many of these processes).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import alerts.cli
import core.audit_cli
import core.evidence_cli
import core.search.cli
import crawlers.cli
import nlp.cli
from core.cli import fail, setup_logging
from core.errors import MuqingError
from core.roles import Role

if TYPE_CHECKING:
    from core.supervisor import Restartable

app = typer.Typer(help="牧情 Muqing: livestock public-opinion monitoring and response.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and default data.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
core.search.cli.register(app)
core.evidence_cli.register(app)
core.audit_cli.register(app)
crawlers.cli.register(app)
alerts.cli.register(app)
nlp.cli.register(app)

log = logging.getLogger("muqing")


@app.callback()
def wired() -> None:
    """Install the domain modules before any command runs (help alone needs none of them)."""
    from cli.modules import wire

    wire()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the newest schema."""
    from core.migrate import current_revision, upgrade

    upgrade(revision=revision)
    typer.echo(f"database at revision {current_revision()}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base)."""
    from core.migrate import current_revision, downgrade

    downgrade(revision=revision)
    typer.echo(f"database at revision {current_revision()}")


@db_app.command("seed")
def db_seed() -> None:
    """Create the default sections, routing rules and SLA policies that are missing."""
    from alerts.seed import seed_defaults
    from core.db import session_scope
    from core.migrate import ensure_schema

    ensure_schema()
    with session_scope() as session:
        seed_defaults(session)
    seed_district()
    typer.echo("default sections, routing rules and SLA policies are in place")


def seed_district() -> None:
    """The profile's places, lexicon and public channels (disabled) into an empty database; seal old evidence."""
    from core.config import get_settings
    from core.db import session_scope
    from core.district.seeding import seed_profile
    from core.evidence_chain import seal_all
    from crawlers.profile import seed_profile_sources

    with session_scope() as session:
        counts = seed_profile(session)
        created = seed_profile_sources(session)
        sealed = seal_all(session)
    profile = get_settings().profile
    if counts["places"] or counts["lexicon"] or created:
        typer.echo(
            f"profile {profile}: {counts['places']} places, {counts['lexicon']} lexicon terms, "
            f"{len(created)} sources to confirm (disabled)",
            err=True,
        )
    if sealed:
        typer.echo(f"sealed {sealed} evidence records written before the evidence chain", err=True)


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help="a CSV or XLSX export of hotline work orders", exists=True)],
    mapping: Annotated[
        str | None, typer.Option(help="a mapping name (beijing12345, linyi12345 …) or a YAML mapping file")
    ] = None,
) -> None:
    """Import 12345 work orders: each good row becomes a post and a case at once; bad rows are listed."""
    from alerts.cases.hotline import open_cases
    from core.config import get_settings
    from core.db import session_scope
    from core.migrate import ensure_schema
    from crawlers.imports import import_work_orders, resolve_mapping
    from nlp.service import analyze_post

    setup_logging()
    ensure_schema()
    try:
        chosen = resolve_mapping(mapping)
        with session_scope() as session:
            report = import_work_orders(session, data=file.read_bytes(), filename=file.name, mapping=chosen)
            cases = open_cases(session, post_ids=report.post_ids, analyse=analyze_post)
            case_ids = [case.id for case in cases]
    except MuqingError as exc:
        raise fail(exc) from exc
    typer.echo(
        f"{file.name}: 导入 {report.imported} 条，立案 {len(case_ids)} 件，已存在未改动 {report.unchanged} 条，"
        f"有问题 {len(report.errors)} 行（来源 {report.source}）"
    )
    for error in report.errors:
        typer.echo(f"第 {error.row} 行：{error.reason}")
    if get_settings().tasks_eager:
        from core import outbox

        outbox.relay()


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, duty, leader, head or staff")],
    section: Annotated[str | None, typer.Option(help="section code, required for head and staff")] = None,
    display_name: str = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user."""
    from core.db import session_scope
    from core.migrate import ensure_schema
    from core.service import create_user

    ensure_schema()
    try:
        with session_scope() as session:
            user = create_user(
                session,
                username=username,
                password=password,
                role=role,
                section_code=section,
                display_name=display_name,
            )
            typer.echo(f"created user {user.username} ({user.role})")
    except MuqingError as exc:
        raise fail(exc) from exc


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="serve and crawl the demo board, create demo users")] = False,
    port: Annotated[int | None, typer.Option(help="HTTP port (default MUQING_PORT or 8000)")] = None,
) -> None:
    """Run everything in one process tree: API and web UI, job runner and scheduler (and the demo board)."""
    from cli import launcher
    from core.config import get_settings
    from core.db import session_scope
    from core.migrate import upgrade
    from core.supervisor import supervise

    if demo:
        # The demo board is about the invented 青禾区: demo mode always uses its profile.
        os.environ["MUQING_PROFILE"] = "demo"
        get_settings.cache_clear()
    from nlp.registry import active_version, train_from_corpus

    setup_logging()
    settings = get_settings()
    port = port or settings.port
    typer.echo(f"data directory: {settings.resolved_data_dir}", err=True)
    launcher.check_port_free(settings.host, port)
    upgrade()
    # `docker stop`, systemd and `kill` send SIGTERM: stop the children as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, launcher.raise_keyboard_interrupt)
    launcher.adopt_orphans()
    children: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "MUQING_DATA_DIR": str(settings.resolved_data_dir)}
    try:
        if active_version() is None:
            typer.echo("training the first classifier from the seed corpus …", err=True)
            train_from_corpus()
        if demo:
            from cli.demo import start_demo_board

            children.append(start_demo_board(port=port, env=env))
        else:
            from alerts.seed import seed_defaults

            with session_scope() as session:
                seed_defaults(session)
        seed_district()
        # Runs left "running" by a launcher that was killed are over: say so before the job runner starts.
        _mark_lost_runs()
        started, runner = _start_services(port=port, env=env, demo=demo)
        children += started
        supervised = {len(children) - len(started): runner}
        typer.echo(f"牧情 is running at http://{settings.host}:{port} — press Ctrl-C to stop", err=True)
        why = supervise(children, supervised)
        typer.echo(f"{why}; shutting down", err=True)
    except KeyboardInterrupt:
        typer.echo("stopping …", err=True)
    finally:
        launcher.stop(children)


def _mark_lost_runs() -> None:
    from core.db import session_scope
    from crawlers.service import mark_lost_runs

    with session_scope() as session:
        lost = mark_lost_runs(session)
    if lost:
        typer.echo(f"{lost} crawl run(s) interrupted by a stopped job runner marked as failed", err=True)


def _start_services(*, port: int, env: dict[str, str], demo: bool) -> tuple[list[subprocess.Popen[bytes]], Restartable]:
    """The job runner (with the scheduler, restarted when it exits) and the web server; with the demo, its
    first crawl queued."""
    from api.serving import uvicorn_arguments
    from cli.jobs import embedded_worker_command
    from core.config import get_settings
    from core.db import session_scope
    from core.supervisor import Restartable
    from core.tasks import enqueue

    settings = get_settings()
    schedule = settings.resolved_data_dir / "beat-schedule"
    runner = Restartable(
        "the job runner", embedded_worker_command(schedule=schedule), env, before_restart=_mark_lost_runs
    )
    web = [sys.executable, "-m", "uvicorn", "cli.asgi:create_app", "--factory", "--host", settings.host]
    started = [
        subprocess.Popen(list(runner.command), env=env),
        subprocess.Popen([*web, "--port", str(port), *uvicorn_arguments(settings)], env=env),
    ]
    if demo:
        from crawlers.service import get_source

        with session_scope() as session:
            source_id = get_source(session, name="demo-board").id
        # Sent after the commit: opening the job queue takes seconds on a busy machine, with the API already up.
        enqueue("crawlers.crawl_source", source_id=source_id)
    return started, runner


@app.command()
def api(host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None) -> None:
    """Serve the API and web UI only (scale-out: run worker and beat separately)."""
    import uvicorn

    from api.serving import uvicorn_options
    from core.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "cli.asgi:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        **uvicorn_options(settings),
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="jobs run at once (processes)")] = 2,
    queues: Annotated[
        str | None, typer.Option(help="comma-separated queues to serve: default, crawl, notify, maintenance (all)")
    ] = None,
    loglevel: str = "INFO",
) -> None:
    """Run a job worker (Celery); scale out by running more of them, on any machine."""
    from core.tasks import QUEUES, celery_app

    argv = ["worker", "--loglevel", loglevel, "--concurrency", str(concurrency)]
    if queues:
        unknown = sorted(set(queues.split(",")) - set(QUEUES))
        if unknown:
            raise typer.BadParameter(f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(QUEUES)}")
        argv += ["--queues", queues]
    celery_app.worker_main(argv)


@app.command()
def beat(loglevel: str = "INFO") -> None:
    """Run the scheduler (Celery beat); exactly one per installation."""
    from core.config import get_settings
    from core.tasks import celery_app

    schedule = get_settings().resolved_data_dir / "beat-schedule"
    celery_app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])


@app.command()
def check(
    services: Annotated[
        str, typer.Option(help="comma-separated services that must answer: database, queue, search")
    ] = "database,queue,search",
) -> None:
    """Check the database, the job queue and the search engine; exit 1 naming any required one that is down."""
    import json

    from core.health import check_services

    required = {name.strip() for name in services.split(",") if name.strip()}
    unknown = required - {"database", "queue", "search"}
    if unknown:
        raise typer.BadParameter(f"unknown service(s): {', '.join(sorted(unknown))}")
    report = check_services()
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    down = [name for name, state in report["services"].items() if name in required and not state["ok"]]
    for name in down:
        state = report["services"][name]
        typer.secho(f"错误：{name} 服务 {state['engine']}（{state['address']}）不可用：{state['error']}", err=True)
    if down:
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
