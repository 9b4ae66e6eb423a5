"""Sources as data people edit through the API: add, change, remove, pause and resume (admin), all audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from api.deps import CurrentUser, SessionDep, require_roles
from api.routes.sources import source_detail
from core.audit_log import changes
from core.bounds import Offset, RowId
from core.types import Role
from crawlers import source_admin
from crawlers.schemas import ChangeOut, SourceDetail

router = APIRouter(tags=["sources"], dependencies=[require_roles(Role.admin)])
Definition = Annotated[dict[str, Any], Body(description="one entry of the sources file, as JSON")]


@router.post("/sources", status_code=status.HTTP_201_CREATED)
def create_source(session: SessionDep, user: CurrentUser, body: Definition) -> SourceDetail:
    """Add a source: the same fields as one entry of the sources file; a bad field → 422 naming it."""
    source = source_admin.create_source(session, data=body, actor=user)
    session.commit()
    return source_detail(session, source)


@router.patch("/sources/{source_id}")
def update_source(session: SessionDep, user: CurrentUser, source_id: RowId, body: Definition) -> SourceDetail:
    """Change a source with a JSON merge patch of its definition (``null`` removes a field or header)."""
    source = source_admin.update_source(session, source_id=source_id, changes=body, actor=user)
    session.commit()
    return source_detail(session, source)


@router.delete("/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_source(session: SessionDep, user: CurrentUser, source_id: RowId) -> Response:
    """Remove a source without posts (409 for one with posts: pause it instead)."""
    source_admin.delete_source(session, source_id=source_id, actor=user)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sources/{source_id}/pause")
def pause_source(session: SessionDep, user: CurrentUser, source_id: RowId) -> SourceDetail:
    """Stop crawling a source (its posts and health stay)."""
    source = source_admin.set_enabled(session, source_id=source_id, enabled=False, actor=user)
    session.commit()
    return source_detail(session, source)


@router.post("/sources/{source_id}/resume")
def resume_source(session: SessionDep, user: CurrentUser, source_id: RowId) -> SourceDetail:
    """Crawl a paused source again on its interval."""
    source = source_admin.set_enabled(session, source_id=source_id, enabled=True, actor=user)
    session.commit()
    return source_detail(session, source)


@router.get("/audit-log")
def audit_log(
    session: SessionDep,
    entity: str | None = None,
    entity_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Changes to configuration data (sources, places, lexicon), newest first."""
    rows, total = changes(session, entity=entity, entity_id=entity_id, limit=limit, offset=offset)
    return {"items": [ChangeOut.model_validate(row).model_dump(mode="json") for row in rows], "total": total}
