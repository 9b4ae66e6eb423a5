"""What every spider shares: its source, the reference clock, incremental state, errors as counted reasons.

Spiders only parse. Every failure (404, 500 after retries, timeout, redirect loop, oversized page, empty or
malformed page) is counted under ``muqing/errors/<reason>`` and logged with its URL; the crawl goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.timeutil import utcnow
from core.urls import canonical_url
from crawlers.dates import parse_published
from crawlers.items import Evidence, PostItem
from crawlers.middlewares.urlpolicy import UrlPolicyRefused
from crawlers.quality import Observer
from crawlers.sources import AnySource, SourceBase, parse_source

log = logging.getLogger(__name__)

MAX_ERROR_SAMPLES = 20


def classify_failure(failure: Failure) -> tuple[str, str]:
    """A short reason and a message for a failed request."""
    error = failure.value
    message = str(error) or type(error).__name__
    name = type(error).__name__
    if isinstance(error, HttpError):
        status = error.response.status
        if status in (404, 410):
            return "not_found", f"HTTP {status}"
        if status >= 500:
            return "server_error", f"HTTP {status}（已重试）"
        return f"http_{status}", f"HTTP {status}"
    lowered = message.lower()
    if isinstance(error, IgnoreRequest):
        if isinstance(error, UrlPolicyRefused):
            return "url_policy", message
        if "redirect" in lowered:
            return "redirect_loop", message
        if "robots" in lowered:
            return "robots_forbidden", message
        return "ignored", message
    if "maxsize" in lowered or "max size" in lowered or "larger than download" in lowered:
        return "too_large", message
    if "timeout" in name.lower() or "timed out" in lowered or "took longer than" in lowered:
        return "timeout", message
    if "dns" in name.lower() or "refused" in lowered or "connect" in name.lower():
        return "connection", message
    if name in ("CancelledError", "DownloadCancelledError"):
        # Scrapy cancels a download only when it passes DOWNLOAD_MAXSIZE.
        return "too_large", message or "页面超过下载大小上限，已中止"
    return "download_failed", f"{name}: {message}"


BROWSER_WAIT_MS = 15_000
SCREENSHOT_TYPES = {"png": "image/png", "pdf": "application/pdf"}


def browser_meta(source: SourceBase) -> dict[str, Any]:
    """Request meta that sends a page through the headless browser: wait for it, then capture it."""
    from scrapy_playwright.page import PageMethod

    methods = [PageMethod("wait_for_load_state", "networkidle")]
    if source.wait_for:
        methods.append(PageMethod("wait_for_selector", source.wait_for, timeout=BROWSER_WAIT_MS))
    if source.screenshot == "png":
        methods.append(PageMethod("screenshot", full_page=True, type="png"))
    elif source.screenshot == "pdf":
        methods.append(PageMethod("pdf", print_background=True))
    return {"playwright": True, "playwright_page_methods": methods}


def screenshots(response: Response) -> list[Evidence]:
    """The screenshot the browser took of ``response``'s page, as evidence (none for a plain download)."""
    found = []
    for method in response.meta.get("playwright_page_methods") or []:
        kind = {"screenshot": "png", "pdf": "pdf"}.get(str(getattr(method, "method", "")))
        body = getattr(method, "result", None)
        if kind and isinstance(body, bytes) and body:
            found.append(
                Evidence(
                    url=response.url,
                    body=body,
                    fetched_at=utcnow(),
                    status=response.status,
                    content_type=SCREENSHOT_TYPES[kind],
                    role="screenshot",
                )
            )
    return found


class SourceSpider(scrapy.Spider):
    """Base of every spider: one source, a pinned or real clock, known posts, errbacks that count."""

    name = "source"
    # The kind's source schema (in the same module); the registry (crawlers.spiders) reads it from here.
    source_schema: ClassVar[type[SourceBase]] = SourceBase
    kinds: ClassVar[tuple[str, ...]] = ()
    title_required: ClassVar[bool] = True

    def __init__(
        self,
        source: dict[str, Any] | str,
        *,
        known_urls: Iterable[str] = (),
        known_ids: Iterable[str] = (),
        recheck: Iterable[dict[str, Any]] = (),
        now: str | datetime | None = None,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        import json

        data = json.loads(source) if isinstance(source, str) else source
        self.source: AnySource = parse_source(data)
        self.params = params or {}
        self.known_urls = set(known_urls)
        self.known_ids = {str(value) for value in known_ids}
        self.recheck = list(recheck)
        self.pinned_now = datetime.fromisoformat(now) if isinstance(now, str) else now
        self.gone: list[dict[str, Any]] = []
        self.error_samples: list[dict[str, str]] = []
        self.quality = Observer()
        self._requested: set[tuple[str, str, bytes]] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        """Scrapy's constructor hook; an item lost to an unexpected pipeline error is counted like any failure."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        return spider

    def _item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        # Scrapy logs such an item and forgets it; a run that lost posts must say so in its figures.
        url = getattr(item, "url", None) or (response.url if response is not None else "")
        self.fail("item_error", url, f"处理帖子时出错，该帖未保存（{failure.type.__name__}: {failure.value}）")

    @property
    def spec(self) -> SourceBase:
        """The source definition."""
        return self.source

    @property
    def zone(self) -> tzinfo:
        """The zone of zone-less times on this source's pages."""
        from core.timeutil import local_zone

        return ZoneInfo(self.source.timezone) if self.source.timezone else local_zone()

    def now(self) -> datetime:
        """The reference time for relative dates: pinned (tests), else the fetch time."""
        return self.pinned_now or utcnow()

    # -- counting --------------------------------------------------------------------------------------

    def count(self, key: str, amount: int = 1) -> None:
        """Add to the crawl stat ``muqing/<key>``."""
        self.crawler.stats.inc_value(f"muqing/{key}", amount)

    def fail(self, reason: str, url: str, message: str) -> None:
        """Count and log one failure; the crawl goes on."""
        self.count(f"errors/{reason}")
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append({"reason": reason, "url": url, "message": message[:300]})
        self.logger.warning("%s at %s: %s", reason, url, message)

    # -- requests -------------------------------------------------------------------------------------

    def request(
        self,
        url: str,
        callback: Any,
        *,
        cb_kwargs: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        priority: int = 0,
        kind: str = "page",
        browser: bool | None = None,
    ) -> scrapy.Request | None:
        """A request with our errback; None when this crawl already asked for it (a loop).

        A page of a ``render: browser`` source is fetched through the headless browser (``browser`` decides
        otherwise: an API request never needs it).
        """
        raw_body = body.encode() if isinstance(body, str) else (body or b"")
        key = (method, canonical_url(url, keep_fragment=False), raw_body)
        if key in self._requested:
            self.fail(
                "pagination_loop" if kind == "list" else "duplicate_link", url, "此地址本次已抓取过，不再重复请求"
            )
            return None
        self._requested.add(key)
        # dont_filter: we keep our own set above, so a redirect loop ends at REDIRECT_MAX_TIMES and is reported.
        rendered = browser if browser is not None else (self.source.render == "browser" and method == "GET")
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs=cb_kwargs or {},
            meta={"muqing_kind": kind, **(browser_meta(self.source) if rendered else {}), **(meta or {})},
            method=method,
            body=raw_body or None,
            headers={**self.source.headers, **(headers or {})},
            priority=priority,
            dont_filter=True,
        )

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Count a failed request by reason; a post that answers 404/410 on re-check is gone."""
        request = failure.request  # type: ignore[attr-defined]
        reason, message = classify_failure(failure)
        recheck = request.meta.get("muqing_recheck")
        if recheck is not None:
            if reason == "not_found":
                self._mark_gone(recheck, "页面已不存在（HTTP 404/410）")
            else:
                self.count("recheck/failed")
            return
        self.fail(reason, request.url, message)
        yield from ()

    def check_response(self, response: Response) -> bool:
        """False (and counted) for an empty page."""
        if not response.body.strip():
            self.fail("empty_response", response.url, "页面内容为空")
            return False
        return True

    # -- posts ----------------------------------------------------------------------------------------

    def is_known(self, url: str | None = None, external_id: str | int | None = None) -> bool:
        """True when this source already has the post (by canonical URL or by its id on the site)."""
        if external_id is not None and str(external_id) in self.known_ids:
            return True
        return url is not None and canonical_url(url) in self.known_urls

    def read_time(self, *candidates: str | int | float | None) -> tuple[datetime | None, str | None]:
        """The first candidate that reads as a time, with its raw text; else (None, the first raw text)."""
        raws = [candidate for candidate in candidates if candidate is not None and str(candidate).strip()]
        for raw in raws:
            parsed = parse_published(raw, zone=self.zone, now=self.now())
            if parsed is not None:
                return parsed, str(raw)
        return None, (str(raws[0]) if raws else None)

    def local_iso(self, value: datetime | None) -> str | None:
        """A time as ISO 8601 in the source's zone (how extra fields keep times)."""
        return value.astimezone(self.zone).isoformat() if value is not None else None

    def evidence(self, response: Response, role: str = "page") -> Evidence:
        """The raw page as received, for the post's evidence."""
        content_type = response.headers.get("Content-Type")
        return Evidence(
            url=response.url,
            body=response.body,
            fetched_at=utcnow(),
            status=response.status,
            content_type=content_type.decode("latin-1") if content_type else None,
            encoding=response.encoding if isinstance(response, TextResponse) else None,
            role=role,
        )

    def item(self, response: Response | None, *, url: str, role: str = "page", **fields: Any) -> PostItem:
        """A post item carrying this source's name, the evidence of ``response`` and its screenshot if any."""
        return PostItem(
            url=url,
            source=self.source.name,
            evidence=self.evidence(response, role) if response is not None else None,
            title_required=self.title_required,
            attachments=screenshots(response) if response is not None else [],
            **fields,
        )

    def stop_paging(self, *, found: int, new: int, url: str) -> bool:
        """True when a list page showed only posts we already have (the incremental stop)."""
        self.count("seen", found)
        if found and not new and self.source.stop_at_known:
            self.count("incremental_stop")
            self.logger.info("every post on %s is already stored: stop paging", url)
            return True
        return False

    # -- where a crawl begins ---------------------------------------------------------------------------

    async def start(self) -> Any:
        """The source's first requests, then the re-checks of recent posts."""
        for request in self.first_requests():
            if request is not None:
                yield request
        for request in self.recheck_requests():
            yield request

    def first_requests(self) -> Iterable[scrapy.Request | None]:
        """The requests a crawl of this source starts from (None where a request was refused)."""
        raise NotImplementedError

    # -- re-checks for deleted posts ------------------------------------------------------------------

    def recheck_requests(self) -> Iterator[scrapy.Request]:
        """Re-fetch recent posts' pages to notice deletions (原帖已删除)."""
        for entry in self.recheck:
            request = self.request(
                entry["url"], self.parse_recheck, meta={"muqing_recheck": entry}, priority=-10, kind="recheck"
            )
            if request is not None:
                yield request

    def parse_recheck(self, response: Response) -> Iterator[Any]:
        """A page that now carries a deletion notice (and no longer the title) means the post is gone."""
        entry = response.meta["muqing_recheck"]
        self.count("recheck/fetched")
        text = response.text if isinstance(response, TextResponse) else ""
        title = (entry.get("title") or "").strip()
        title_present = bool(title) and title[:20] in text
        marker = next((m for m in self.source.deleted_markers if m in text), None)
        moved = canonical_url(response.url) != canonical_url(entry["url"])
        if not title_present and (marker or moved or not response.body.strip()):
            self._mark_gone(entry, f"页面显示“{marker}”" if marker else "原地址已跳转或为空")
        elif isinstance(response, TextResponse):
            fresh = self.reparse(response)
            if fresh is not None:
                self.quality.recheck(stored=int(entry.get("length") or 0), fresh=fresh)
        yield from ()

    def reparse(self, response: TextResponse) -> str | None:
        """The post text this source's parser reads from a stored post's page now (None: not comparable)."""
        return None

    def _mark_gone(self, entry: dict[str, Any], why: str) -> None:
        self.count("recheck/gone")
        self.gone.append({"post_id": entry["post_id"], "why": why})
        self.logger.info("post %s is gone: %s", entry["post_id"], why)

    def close_with_error(self, reason: str, message: str) -> None:
        """Stop the whole crawl with a reason users can act on (e.g. an expired login)."""
        self.fail(reason, "", message)
        self.crawler.stats.set_value("muqing/fatal", message)
        raise CloseSpider(reason)
