"""Generic signed JSON webhook.

Body: ``{"event", "delivery_id", "title", "text", "url", "alert": {...}, "sent_at"}`` (at most 256 KiB).
Headers: ``X-Muqing-Event``, ``X-Muqing-Delivery``, ``X-Muqing-Timestamp`` (Unix seconds) and
``X-Muqing-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body bytes>" with the channel secret>``.
A receiver checks the signature and the timestamp (e.g. within five minutes) and ignores repeated
delivery ids: a delivery may arrive more than once when an answer was lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from alerts.notify.channels.base import Message, SendError, fit_bytes, post_json
from core.timeutil import isoformat_local, utcnow

LIMIT_BYTES = 256 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>." + body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def body_of(message: Message) -> bytes:
    """The JSON body, cut to the size limit by shortening the text."""
    document = {
        "event": message.kind,
        "delivery_id": message.delivery_id,
        "title": message.title,
        "text": message.text,
        "url": message.url,
        "alert": message.data.get("alert"),
        "data": {k: v for k, v in message.data.items() if k != "alert"},
        "sent_at": isoformat_local(utcnow()),
    }
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    if len(raw) > LIMIT_BYTES:
        overflow = len(raw) - LIMIT_BYTES
        text_bytes = len(message.text.encode("utf-8"))
        document["text"] = fit_bytes(message.text, max(text_bytes - overflow - 200, 200))
        raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return raw


def send(config: dict[str, Any], message: Message) -> None:
    """POST the signed body."""
    url = config.get("url")
    if not url:
        raise SendError("Webhook 未配置 url", permanent=True)
    body = body_of(message)
    timestamp = str(int(time.time()))
    headers = {
        "X-Muqing-Event": message.kind,
        "X-Muqing-Delivery": str(message.delivery_id),
        "X-Muqing-Timestamp": timestamp,
    }
    if config.get("secret"):
        headers["X-Muqing-Signature"] = signature(str(config["secret"]), timestamp, body)
    post_json(url, None, headers=headers, body=body)
