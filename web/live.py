"""What the pages' live streams (server-sent events) share: the frame format, the heartbeat, the resume point.

Each stream sends a ``ping`` event every ``HEARTBEAT_SECONDS`` whatever happens, so a page can tell within
a few seconds that the server is gone (a comment line would be invisible to ``EventSource``); each event that
carries news has an ``id`` the browser sends back as ``Last-Event-ID`` when it reconnects.
"""

from __future__ import annotations

import json

from fastapi import Request

HEARTBEAT_SECONDS = 1.0
RETRY_MILLISECONDS = 2000


def frame(name: str, data: object, *, event_id: str | None = None) -> str:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def ping(now: str) -> str:
    """The heartbeat: the page's watchdog counts the seconds since the last one."""
    return frame("ping", {"at": now})


def last_event_id(request: Request) -> str:
    """The id the browser last saw on this stream (``Last-Event-ID`` on a reconnect), or empty."""
    return request.headers.get("last-event-id", "").strip()[:200]
