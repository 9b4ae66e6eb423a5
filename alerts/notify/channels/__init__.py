"""One sender per channel: each takes the channel's config and a rendered message, and raises SendError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerts.notify.channels import dingtalk, email, webhook, wecom
from alerts.notify.channels.base import Message, SendError

Sender = Callable[[dict[str, Any], Message], None]

SENDERS: dict[str, Sender] = {
    "email": email.send,
    "wecom": wecom.send,
    "dingtalk": dingtalk.send,
    "webhook": webhook.send,
}
CHANNEL_LABELS = {
    "inapp": "站内消息",
    "email": "电子邮件",
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉群机器人",
    "webhook": "Webhook",
}

__all__ = ["CHANNEL_LABELS", "SENDERS", "Message", "SendError", "Sender"]
