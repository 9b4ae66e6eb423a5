"""钉钉 group robot: a markdown message, signed with the robot's secret (加签)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

from alerts.notify.channels.base import Message, SendError, fit_bytes, post_json, robot_result

LIMIT_BYTES = 20000
TITLE_LIMIT_BYTES = 128
# 300001: no such robot token; 310000: signature, keyword or IP check failed.
PERMANENT = {300001, 310000}


def sign(secret: str, timestamp_ms: int) -> str:
    """The robot signature: Base64 of HMAC-SHA256 over ``"<timestamp>\\n<secret>"``, URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str | None, *, timestamp_ms: int | None = None) -> str:
    """The webhook URL with ``timestamp`` and ``sign`` when the robot has a secret."""
    if not secret:
        return url
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={stamp}&sign={sign(secret, stamp)}"


def payload(message: Message) -> dict[str, Any]:
    """The robot's JSON body."""
    return {
        "msgtype": "markdown",
        "markdown": {
            "title": fit_bytes(message.title, TITLE_LIMIT_BYTES, suffix="…"),
            "text": fit_bytes(message.markdown, LIMIT_BYTES),
        },
    }


def send(config: dict[str, Any], message: Message) -> None:
    """Post the message to the robot, signed."""
    url = config.get("url")
    if not url:
        raise SendError("钉钉机器人未配置 url", permanent=True)
    robot_result(post_json(signed_url(url, config.get("secret")), payload(message)), permanent_codes=PERMANENT)
