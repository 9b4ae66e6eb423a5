"""What every sender shares: the message, the error, cutting text to a byte limit, posting JSON."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.config import get_settings
from core.urlpolicy import UrlRefused
from core.urlpolicy_transport import PinnedTransport

TRUNCATED = "\n…（内容过长，已截断，请登录系统查看全文）"


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered, masked notification."""

    delivery_id: int
    kind: str
    title: str
    text: str
    markdown: str
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    """A delivery attempt failed; ``permanent`` failures are not retried (e.g. a wrong robot key)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def fit_bytes(text: str, limit: int, *, suffix: str = TRUNCATED) -> str:
    """``text`` cut so its UTF-8 form is at most ``limit`` bytes, marked as cut when it had to be."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(suffix.encode("utf-8"))
    cut = text.encode("utf-8")[: max(room, 0)].decode("utf-8", errors="ignore")
    return cut + suffix


@functools.cache
def _client() -> httpx.Client:
    """One client per process: building a TLS context per delivery costs more than the delivery."""
    # Every request (redirects are not followed) goes to the address the URL policy approved.
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=10)
    return httpx.Client(transport=PinnedTransport(limits=limits))


def post_json(
    url: str, payload: Any, *, headers: dict[str, str] | None = None, body: bytes | None = None
) -> httpx.Response:
    """POST JSON with the configured timeout; network trouble and 5xx/429 are retryable, other 4xx are not."""
    data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        response = _client().post(
            url,
            content=data,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            timeout=get_settings().notify_timeout_seconds,
        )
    except UrlRefused as exc:
        # A name that does not resolve may be a passing outage; an address the policy refuses is not.
        raise SendError(exc.message, permanent=exc.details.get("rule") != "resolve") from exc
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    # The reply body is the receiver's to show, not ours: the delivery log keeps the status only.
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise SendError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise SendError(f"HTTP {response.status_code}", permanent=True)
    return response


def reply_text(value: object, limit: int = 100) -> str:
    """A short, single-line, printable excerpt of what a receiver said (for the delivery log)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def robot_result(response: httpx.Response, *, permanent_codes: set[int]) -> None:
    """Check a robot's ``{"errcode": 0}`` answer."""
    try:
        answer = response.json()
    except ValueError as exc:
        raise SendError(f"机器人返回的不是 JSON（HTTP {response.status_code}）") from exc
    code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if code:
        message = f"errcode {reply_text(code, 20)}: {reply_text(answer.get('errmsg', ''))}"
        raise SendError(message, permanent=code in permanent_codes)
