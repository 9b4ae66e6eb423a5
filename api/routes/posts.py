"""Posts: list, detail with evidence (存证), manual intake by URL or pasted text, work-order import."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from alerts.cases.hotline import open_cases
from alerts.privacy import service as privacy
from api.deps import CurrentUser, SessionDep, require_roles
from api.masking import unmasked
from core.bounds import IMPORT_BODY_LIMIT, Offset, RowId
from core.db import written_apart
from core.errors import InvalidInput
from core.models import Post, PostSnapshot, RawPage
from core.posts import raw_body
from core.privacy import mask_text
from core.types import Role
from crawlers.imports import available_mappings, import_work_orders, resolve_mapping
from crawlers.intake import intake_text, intake_url
from crawlers.schemas import (
    ImportOut,
    IntakeOut,
    MappingOut,
    PostDetail,
    PostLinkOut,
    PostList,
    PostSummary,
    RowErrorOut,
    SnapshotCheck,
    SnapshotOut,
    TextIntakeIn,
    UrlIntakeIn,
)
from nlp.service import analyze_post

router = APIRouter(prefix="/posts", tags=["posts"])
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _snapshot_out(snapshot: PostSnapshot) -> SnapshotOut:
    return SnapshotOut.model_validate(snapshot).model_copy(
        update={
            "size": snapshot.raw.size,
            "raw_url": f"/api/posts/{snapshot.post_id}/evidence/{snapshot.id}/raw",
        }
    )


@router.get("")
def list_posts(
    session: SessionDep,
    user: CurrentUser,
    source: str | None = None,
    q: Annotated[str | None, Query(max_length=100, description="words in the title or text (as shown, masked)")] = None,
    deleted: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> PostList:
    """Posts the user may see, newest first, optionally of one source, containing words, or deleted or not."""
    posts, total = privacy.list_posts(
        session, user=user, source=source, q=q, deleted=deleted, limit=limit, offset=offset
    )
    return PostList(items=[PostSummary.model_validate(post) for post in posts], total=total)


@router.get("/import/mappings")
def list_mappings(user: CurrentUser) -> list[MappingOut]:
    """The column mappings an import can use."""
    return [
        MappingOut(name=name, source=mapping.source, columns=mapping.model_dump(exclude={"source", "source_title"}))
        for name, mapping in sorted(available_mappings().items())
    ]


@router.post("/import", dependencies=[require_roles(Role.admin, Role.duty)], max_body_size=IMPORT_BODY_LIMIT)
def import_upload(
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX export of hotline work orders")],
    mapping: Annotated[str | None, Form()] = None,
) -> ImportOut:
    """Import work orders: each good row becomes a post and a case; bad rows come back with row and reason."""
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("文件超过 50 MB", details={"field": "file"})
    if mapping and ("/" in mapping or "\\" in mapping):
        raise InvalidInput("映射只能按名称选择", details={"field": "mapping"})
    report = import_work_orders(
        session, data=data, filename=file.filename or "upload.csv", mapping=resolve_mapping(mapping)
    )
    cases = open_cases(session, post_ids=report.post_ids, analyse=analyze_post)
    session.commit()
    return ImportOut(
        source=report.source,
        imported=report.imported,
        unchanged=report.unchanged,
        errors=[RowErrorOut(row=error.row, reason=error.reason) for error in report.errors],
        alert_ids=[case.id for case in cases],
    )


@router.post("/intake/url", status_code=status.HTTP_201_CREATED, dependencies=[require_roles(Role.duty, Role.admin)])
def add_by_url(session: SessionDep, user: CurrentUser, body: UrlIntakeIn, response: Response) -> IntakeOut:
    """Fetch a page like any other (robots.txt, limits, evidence) and store it as a post."""
    # End the request's transaction first: on SQLite it holds the write lock the crawl needs.
    session.rollback()
    result = intake_url(url=body.url)
    if result.post_id is None:
        detail = result.crawl.error or ", ".join(f"{k}×{v}" for k, v in result.crawl.errors.items()) or "页面没有正文"
        raise InvalidInput(f"无法从该网址取得帖子：{detail}", details={"field": "url", "run_id": result.crawl.run_id})
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return IntakeOut(
        post_id=result.post_id,
        outcome="created" if result.created else "known",
        run_id=result.crawl.run_id or None,
        error=result.crawl.error,
    )


@router.post("/intake/text", status_code=status.HTTP_201_CREATED)
def add_by_text(session: SessionDep, user: CurrentUser, body: TextIntakeIn, response: Response) -> IntakeOut:
    """Store a pasted post; the pasted text is kept as its evidence."""
    stored = intake_text(
        session,
        title=body.title,
        content=body.content,
        url=body.url,
        author=body.author,
        published_at=body.published_at,
        submitted_by=user.username,
    )
    post_id = stored.post.id
    session.commit()
    if not stored.created:
        response.status_code = status.HTTP_200_OK
    return IntakeOut(post_id=post_id, outcome=stored.outcome)


def _detail(post: Post) -> PostDetail:
    return PostDetail.model_validate(post).model_copy(
        update={
            "deleted": post.deleted_at is not None,
            "links": [PostLinkOut.model_validate(link) for link in post.links],
            "evidence": [_snapshot_out(snapshot) for snapshot in post.snapshots],
        }
    )


@router.get("/{post_id}")
def get_post(session: SessionDep, user: CurrentUser, post_id: RowId) -> PostDetail:
    """A post with its analysis, the other places it was found, and its evidence (personal data masked)."""
    return _detail(privacy.get_visible_post(session, user=user, post_id=post_id))


@router.post("/{post_id}/reveal", response_model=PostDetail)
def reveal_post(session: SessionDep, user: CurrentUser, post_id: RowId) -> JSONResponse:
    """显示完整信息: the post unmasked, for its case's lead section and duty only; logged in the case's audit log."""
    post, _ = privacy.reveal_post(session, user=user, post_id=post_id, where="api")
    shown = _detail(post)
    session.commit()
    return unmasked(shown)


@router.get("/{post_id}/evidence")
def list_evidence(session: SessionDep, user: CurrentUser, post_id: RowId) -> list[SnapshotOut]:
    """Every snapshot of the post's page, oldest first."""
    return [
        _snapshot_out(snapshot) for snapshot in privacy.get_visible_post(session, user=user, post_id=post_id).snapshots
    ]


@router.get("/{post_id}/evidence/{snapshot_id}")
def check_evidence(session: SessionDep, user: CurrentUser, post_id: RowId, snapshot_id: RowId) -> SnapshotCheck:
    """One snapshot, with its stored bytes hashed again (``verified``)."""
    snapshot = privacy.get_visible_snapshot(session, user=user, post_id=post_id, snapshot_id=snapshot_id)
    verified = hashlib.sha256(raw_body(snapshot.raw)).hexdigest() == snapshot.sha256
    return SnapshotCheck(**_snapshot_out(snapshot).model_dump(), verified=verified)


@router.get(
    "/{post_id}/evidence/{snapshot_id}/raw",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "application/octet-stream": {}}}},
)
def raw_evidence(
    session: SessionDep, user: CurrentUser, post_id: RowId, snapshot_id: RowId, download: bool = False
) -> Response:
    """The page as fetched, as text with personal data masked; the original bytes (download) only to whom may reveal.

    A download is a reveal: refused to others, logged in the case's audit log.
    """
    snapshot = privacy.get_visible_snapshot(session, user=user, post_id=post_id, snapshot_id=snapshot_id)
    raw: RawPage = snapshot.raw
    body = raw_body(raw)
    headers = {
        "X-Content-SHA256": snapshot.sha256,
        "X-Fetched-At": snapshot.fetched_at.isoformat(),
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    if download:
        with written_apart(session):
            privacy.reveal_post(session, user=user, post_id=post_id, where="api_evidence_download")
        headers["Content-Disposition"] = f'attachment; filename="post-{post_id}-evidence-{snapshot_id}.bin"'
        return Response(body, media_type="application/octet-stream", headers=headers)
    text = body.decode(snapshot.encoding or "utf-8", errors="replace")
    # Shown as text, the page is masked like everything else (its hash is of the original bytes).
    headers["X-Personal-Data"] = "masked"
    return Response(mask_text(text), media_type="text/plain; charset=utf-8", headers=headers)
