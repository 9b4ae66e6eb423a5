"""Server-sent events, one way for every live stream (the API's notifications, the duty console).

Framework-free: the API and the pages wrap ``stream`` in their own streaming response with ``MEDIA_TYPE`` and
``HEADERS``. Each poll runs in a worker thread with a short database transaction of its own, so an open stream
never holds a transaction while it waits. The browser is told to reconnect after ``RETRY_MS``; a comment line
keeps proxies from closing a quiet stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
RETRY_MS = 2000
KEEPALIVE = ": keepalive\n\n"
# A page's watchdog counts the seconds since the last event: a stream asked for a heartbeat sends ``ping``
# this often whatever happens (a comment line would be invisible to ``EventSource``).
HEARTBEAT_SECONDS = 1.0


def frame(*, event: str, data: object, event_id: int | str | None = None) -> str:
    """One event: its id (for ``Last-Event-ID`` on reconnect), its name and its data as JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@dataclass(slots=True)
class Polled:
    """What one poll found: the frames to send, and whether the stream ends after them."""

    frames: list[str] = field(default_factory=list)
    end: bool = False


async def stream(
    poll: Callable[[], Polled],
    *,
    disconnected: Callable[[], Awaitable[bool]],
    every: float,
    keepalive: float = 15.0,
    max_seconds: float | None = None,
    heartbeat: float | None = None,
    opening: Sequence[str] = (),
) -> AsyncIterator[str]:
    """Poll every ``every`` seconds until the client leaves (or ``max_seconds``), sending what each poll found.

    With ``heartbeat``, a ``ping`` event goes out at least that often, so the page can tell the line is alive.
    ``opening`` frames go out first, before the first ping (a state the page needs at once, like a count).
    """
    yield f"retry: {RETRY_MS}\n\n"
    for text in opening:
        yield text
    began = last_sent = last_beat = time.monotonic()
    if heartbeat is not None:
        yield frame(event="ping", data={})
    while not await disconnected():
        polled = await asyncio.to_thread(poll)
        for text in polled.frames:
            yield text
        now = time.monotonic()
        if polled.frames:
            last_sent = now
        if polled.end or (max_seconds is not None and now - began >= max_seconds):
            return
        if heartbeat is not None and now - last_beat >= heartbeat:
            yield frame(event="ping", data={})
            last_beat = last_sent = now
        if now - last_sent >= keepalive:
            yield KEEPALIVE
            last_sent = now
        await asyncio.sleep(every)
