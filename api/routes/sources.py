"""Sources with their health, and crawl runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import func, select

from api.deps import CurrentUser, SessionDep, require_roles
from core.bounds import Offset, RowId
from core.errors import NotFound
from core.models import CrawlRun, Post, Source
from core.tasks import enqueue
from core.types import Role
from crawlers.health import source_health
from crawlers.schemas import CrawlQueued, CrawlRunList, CrawlRunOut, HealthOut, SourceDetail, SourceList, SourceOut

router = APIRouter(tags=["sources"])


def _run_out(run: CrawlRun, names: dict[int, str]) -> CrawlRunOut:
    return CrawlRunOut.model_validate(run).model_copy(update={"source_name": names.get(run.source_id)})


def _source_out(session: SessionDep, source: Source, counts: dict[int, int]) -> SourceOut:
    health = source_health(session, source=source)
    return SourceOut.model_validate(
        {
            **{name: getattr(source, name) for name in SourceOut.model_fields if name not in ("health", "posts")},
            "posts": counts.get(source.id, 0),
            "health": HealthOut(
                status=health.status,
                label=health.label,
                blind=health.blind,
                message=health.message,
                last_run_id=health.last_run_id,
                last_run_status=health.last_run_status,
                last_run_at=health.last_run_at,
            ),
        }
    )


def _post_counts(session: SessionDep) -> dict[int, int]:
    rows = session.execute(select(Post.source_id, func.count()).group_by(Post.source_id))
    return {source_id: count for source_id, count in rows if source_id is not None}


@router.get("/sources")
def list_sources(session: SessionDep, user: CurrentUser) -> SourceList:
    """Every source with its health (last success, consecutive failures, the blind warning)."""
    counts = _post_counts(session)
    sources = session.scalars(select(Source).order_by(Source.name))
    return SourceList(items=[_source_out(session, source, counts) for source in sources])


def source_detail(session: SessionDep, source: Source) -> SourceDetail:
    """A source as ``GET /api/sources/{id}`` gives it: definition without secrets, runs and its changes."""
    from core.audit_log import changes
    from crawlers.schemas import ChangeOut
    from crawlers.source_admin import public_config, secret_names

    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == source.id).order_by(CrawlRun.id.desc()).limit(10)
    )
    names = {source.id: source.name}
    base = _source_out(session, source, _post_counts(session))
    logged, _total = changes(session, entity="source", entity_id=source.id, limit=20)
    return SourceDetail(
        **base.model_dump(),
        config=public_config(source.config),
        secrets=secret_names(source.config),
        recent_runs=[_run_out(run, names) for run in runs],
        changes=[ChangeOut.model_validate(change) for change in logged],
    )


@router.get("/sources/{source_id}")
def get_source(session: SessionDep, user: CurrentUser, source_id: RowId) -> SourceDetail:
    """One source, its definition (secrets left out), its ten latest crawl runs and its audited changes."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"来源 {source_id} 不存在")
    return source_detail(session, source)


@router.post(
    "/sources/{source_id}/crawl",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[require_roles(Role.admin, Role.duty)],
)
def queue_crawl(session: SessionDep, source_id: RowId) -> CrawlQueued:
    """Queue a crawl of this source now (it runs in its own child process)."""
    if session.get(Source, source_id) is None:
        raise NotFound(f"来源 {source_id} 不存在")
    session.rollback()  # no transaction (and no SQLite write lock) held while the job is handed over
    enqueue("crawlers.crawl_source", source_id=source_id)
    return CrawlQueued(source_id=source_id)


@router.get("/crawl-runs")
def list_runs(
    session: SessionDep,
    user: CurrentUser,
    source_id: RowId | None = None,
    run_status: Annotated[str | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> CrawlRunList:
    """Crawl runs, newest first, optionally of one source or in one status (running, succeeded, failed)."""
    query = select(CrawlRun)
    if source_id is not None:
        query = query.where(CrawlRun.source_id == source_id)
    if run_status:
        query = query.where(CrawlRun.status == run_status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = session.scalars(query.order_by(CrawlRun.id.desc()).limit(limit).offset(offset)).all()
    names: dict[int, str] = {source_id: name for source_id, name in session.execute(select(Source.id, Source.name))}
    return CrawlRunList(items=[_run_out(run, names) for run in runs], total=total)


@router.get("/crawl-runs/{run_id}")
def get_run(session: SessionDep, user: CurrentUser, run_id: RowId) -> CrawlRunOut:
    """One crawl run with its figures."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(f"抓取记录 {run_id} 不存在")
    names: dict[int, str] = {source_id: name for source_id, name in session.execute(select(Source.id, Source.name))}
    return _run_out(run, names)
