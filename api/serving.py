"""How uvicorn serves the app: which proxies to believe, and an access log without secrets."""

from __future__ import annotations

import logging
import re
from typing import Any

from core.config import Settings

# Query parameters that carry credentials (EventSource cannot send headers, so the stream takes its token here).
_SECRET_QUERY = re.compile(r"((?:^|[?&])(?:access_token|token)=)[^&\s]*", re.IGNORECASE)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword options for ``uvicorn.run``: X-Forwarded-For only from the configured proxies."""
    trusted = settings.trusted_proxies.strip()
    if not trusted:
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: anyone on this host could then
        # pose as any address (and dodge the sign-in throttle). Without a configured proxy, nobody is believed.
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def uvicorn_arguments(settings: Settings) -> list[str]:
    """The same options as command-line arguments of ``python -m uvicorn``."""
    options = uvicorn_options(settings)
    if not options["proxy_headers"]:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", str(options["forwarded_allow_ips"])]


def redact_query(text: str) -> str:
    """``text`` with the values of token query parameters replaced by ``***``."""
    return _SECRET_QUERY.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """Keep access tokens passed in a query string out of uvicorn's access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the request line of an access-log record."""
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], redact_query(record.args[2]), *record.args[3:])
        return True


def install_log_redaction() -> None:
    """Add the token filter to uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
        logger.addFilter(RedactTokens())
