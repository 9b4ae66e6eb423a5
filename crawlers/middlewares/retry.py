"""Retries with exponential backoff: the n-th retry of a request waits base × 2^(n-1) seconds (capped)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules (codes, exceptions, RETRY_TIMES) plus a growing pause before each retry."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.base = settings.getfloat("MUQING_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("MUQING_RETRY_BACKOFF_MAX", 30.0)

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = int(retry.meta.get("retry_times", 1))
            retry.meta["muqing_not_before"] = time.monotonic() + min(self.cap, self.base * 2 ** (attempt - 1))
            self.crawler.stats.inc_value("muqing/retries")
        return retry

    async def process_request(self, request: Request) -> None:
        not_before = request.meta.get("muqing_not_before")
        if not_before is not None:
            wait = not_before - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        return None
