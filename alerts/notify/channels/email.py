"""E-mail over SMTP (the server in settings): plain text, UTF-8, subject and body within limits."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from alerts.notify.channels.base import Message, SendError, fit_bytes
from core.config import get_settings

SUBJECT_LIMIT_BYTES = 240
BODY_LIMIT_BYTES = 100 * 1024


def build(message: Message, *, to: list[str], sender: str) -> EmailMessage:
    """The e-mail for ``message``."""
    mail = EmailMessage()
    mail["Subject"] = fit_bytes(message.title.replace("\n", " "), SUBJECT_LIMIT_BYTES, suffix="…")
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(idstring=f"muqing-{message.delivery_id}")
    mail["X-Muqing-Delivery"] = str(message.delivery_id)
    text = message.text + (f"\n\n查看详情：{message.url}" if message.url else "")
    mail.set_content(fit_bytes(text, BODY_LIMIT_BYTES), charset="utf-8")
    return mail


def send(config: dict[str, Any], message: Message) -> None:
    """Send to the addresses in ``config["to"]`` through the configured SMTP server."""
    settings = get_settings()
    to = [address for address in config.get("to", []) if address]
    if not to:
        raise SendError("没有收件地址", permanent=True)
    if not settings.smtp_host:
        raise SendError("未配置邮件服务器（MUQING_SMTP_HOST）", permanent=True)
    mail = build(message, to=to, sender=settings.smtp_from)
    timeout = settings.notify_timeout_seconds
    try:
        if settings.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password or "")
            refused = client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(f"收件人被拒绝：{', '.join(exc.recipients)}", permanent=True) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"邮件服务器认证失败：{exc.smtp_code}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise SendError(f"部分收件人被拒绝：{', '.join(refused)}", permanent=True)
