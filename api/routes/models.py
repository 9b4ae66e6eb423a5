"""Classifier versions for the admin page: list, details, activation, retraining, comparisons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import CurrentUser
from core.errors import PermissionDenied
from core.models import User
from core.tasks import enqueue
from core.types import Role
from nlp.card import model_card
from nlp.registry import activate_version, active_version, comparisons, list_versions, read_meta
from nlp.schemas import ModelVersionOut

router = APIRouter(prefix="/models", tags=["models"])


def _admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise PermissionDenied("只有管理员可以启用或重新训练模型")
    return user


Admin = Annotated[User, Depends(_admin)]


def _out(meta: dict[str, Any], active: str | None) -> ModelVersionOut:
    return ModelVersionOut.model_validate(
        {**{k: v for k, v in meta.items() if k in ModelVersionOut.model_fields}, "active": meta["version"] == active}
    )


@router.get("")
def get_versions(user: CurrentUser) -> list[ModelVersionOut]:
    """Stored model versions, newest first, each with its model card figures (the fixed check set)."""
    active = active_version()
    return [_out(info.meta, active) for info in list_versions()]


@router.get("/comparisons")
def get_comparisons(user: CurrentUser) -> list[dict[str, Any]]:
    """Kept comparisons of retrained candidates with the model they were to replace, newest first."""
    return comparisons()


@router.get("/{version}")
def get_version(user: CurrentUser, version: str) -> ModelVersionOut:
    """One model version."""
    return _out(read_meta(version), active_version())


@router.get("/{version}/card")
def get_card(user: CurrentUser, version: str) -> dict[str, Any]:
    """The model card of a version: training data by class, check-set (and real-data) figures, the date."""
    return model_card(read_meta(version))


@router.post("/{version}/activate")
def post_activate(user: Admin, version: str) -> ModelVersionOut:
    """Make a version the active one; the API and the workers switch on their next analysis."""
    activate_version(version)
    return _out(read_meta(version), version)


@router.post("/retrain", status_code=202)
def post_retrain(user: Admin, force: bool = True) -> dict[str, Any]:
    """Queue retraining from staff corrections (activated only if not worse on the fixed check set)."""
    enqueue("nlp.retrain", force=force)
    return {"queued": True}
