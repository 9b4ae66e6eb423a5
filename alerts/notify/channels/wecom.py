"""企业微信 group robot: a markdown message of at most 4096 bytes."""

from __future__ import annotations

from typing import Any

from alerts.notify.channels.base import Message, SendError, fit_bytes, post_json, robot_result

LIMIT_BYTES = 4096
# 93000: invalid webhook key — retrying cannot help.
PERMANENT = {93000}


def payload(message: Message) -> dict[str, Any]:
    """The robot's JSON body."""
    return {"msgtype": "markdown", "markdown": {"content": fit_bytes(message.markdown, LIMIT_BYTES)}}


def send(config: dict[str, Any], message: Message) -> None:
    """Post the message to the robot's webhook."""
    url = config.get("url")
    if not url:
        raise SendError("企业微信机器人未配置 url", permanent=True)
    robot_result(post_json(url, payload(message)), permanent_codes=PERMANENT)
