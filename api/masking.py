"""API responses leave masked: every string of every JSON body goes through the one masking policy.

Routes that may show the full text (the reveal endpoints, see ``alerts.privacy.service``) return a plain
``JSONResponse`` of their own; everything else uses :class:`MaskedJSONResponse`, the app's default.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from core.privacy import mask_value

# Values that are never personal text and must reach the client exactly (a token, a hash).
KEEP_KEYS = frozenset({"access_token", "token", "token_type", "sha256", "csrf", "password"})


class MaskedJSONResponse(JSONResponse):
    """JSON with personal data masked in every string (phone and ID numbers, names beside them, house numbers)."""

    def render(self, content: Any) -> bytes:
        """The body, masked."""
        return super().render(mask_value(content, keep=KEEP_KEYS))


def unmasked(model: BaseModel, *, status_code: int = 200) -> JSONResponse:
    """A body sent in full: only for a logged reveal, or an echo of what the caller has just sent."""
    return JSONResponse(jsonable_encoder(model), status_code=status_code)
