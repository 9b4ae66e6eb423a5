"""Decode every text page with the right charset (see crawlers.encoding); re-decodings are counted."""

from __future__ import annotations

from typing import Any

from scrapy.http import Request, Response, TextResponse

from crawlers.encoding import choose_encoding


class EncodingMiddleware:
    """Sets the response's encoding from the source setting, BOM, header, meta or detection."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> EncodingMiddleware:
        """Scrapy's constructor hook."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        if not isinstance(response, TextResponse) or not response.body:
            return response
        source = getattr(spider, "source", None)
        content_type = response.headers.get("Content-Type")
        decision = choose_encoding(
            response.body,
            content_type=content_type.decode("latin-1") if content_type else None,
            source_encoding=getattr(source, "encoding", "auto"),
        )
        if decision.how == "redecoded":
            spider.crawler.stats.inc_value("muqing/encoding/redecoded")
            spider.logger.warning(
                "%s declares %s but is not; decoded as %s", response.url, decision.declared, decision.encoding
            )
        elif decision.how == "detected" and not response.body.isascii():
            spider.crawler.stats.inc_value("muqing/encoding/detected")
        return response.replace(encoding=decision.encoding)
