"""考核赋分: the scoring policy (versions, edited by the admin) and each section's score sheet per period."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from alerts.scoring import service
from alerts.scoring.export import sheets_docx, sheets_xlsx
from alerts.scoring.schemas import PolicyIn, PolicyOut, SheetsOut
from api.deps import CurrentUser, SessionDep
from core.config import get_settings

router = APIRouter(prefix="/scoring", tags=["scoring"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/policy")
def get_policy(session: SessionDep, user: CurrentUser) -> PolicyOut:
    """The policy in force: base score, each item's points and cap (version 0: the built-in default)."""
    return service.policy_out(service.current_policy(session))


@router.put("/policy")
def put_policy(session: SessionDep, user: CurrentUser, body: PolicyIn) -> PolicyOut:
    """Save the policy as a new version (admin); published periods keep the version they were published with."""
    policy = service.save_policy(session, actor=user, data=body)
    session.commit()
    return service.policy_out(policy)


@router.get("/policy/versions")
def policy_versions(session: SessionDep, user: CurrentUser) -> list[PolicyOut]:
    """Every saved version, newest first."""
    return [service.policy_out(p) for p in service.policy_versions(session)]


@router.get("/sheets")
def get_sheets(session: SessionDep, user: CurrentUser, period: str) -> SheetsOut:
    """Each section's score sheet for ``period`` (``2026-10`` or ``2026``), every point with its case and event."""
    return service.score_sheets(session, user=user, period=period)


@router.post("/periods/{period}/publish")
def publish(session: SessionDep, user: CurrentUser, period: str) -> SheetsOut:
    """Freeze a finished period: its sheets never change again, whatever the policy becomes."""
    service.publish_period(session, actor=user, period=period)
    session.commit()
    return service.score_sheets(session, user=user, period=period)


def _download(content: bytes, media_type: str, name: str) -> Response:
    suffix = name.rsplit(".", 1)[-1]
    disposition = f"attachment; filename=\"scores.{suffix}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/sheets/export.xlsx")
def export_xlsx(session: SessionDep, user: CurrentUser, period: str) -> Response:
    """The period's sheets as a workbook: the summary and every point's case."""
    out = service.score_sheets(session, user=user, period=period)
    base = (get_settings().public_url or "").rstrip("/")
    return _download(sheets_xlsx(out, base_url=base), XLSX_TYPE, f"{out.label}考核赋分表.xlsx")


@router.get("/sheets/export.docx")
def export_docx(session: SessionDep, user: CurrentUser, period: str) -> Response:
    """The period's sheets as a Word document."""
    out = service.score_sheets(session, user=user, period=period)
    base = (get_settings().public_url or "").rstrip("/")
    return _download(sheets_docx(out, base_url=base), DOCX_TYPE, f"{out.label}考核赋分表.docx")
