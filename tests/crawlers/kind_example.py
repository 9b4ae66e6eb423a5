"""A spider kind written the way docs/architecture.md says: this one file, plus its name in SPIDER_MODULES."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import scrapy
from scrapy.http import Response

from crawlers.sources import SourceBase, StartUrls
from crawlers.spiders.base import SourceSpider


class KindExampleSource(SourceBase, StartUrls):
    """Pages whose whole text is one post."""

    kind: Literal["kind_example"]
    greeting: str = "你好"


class KindExampleSpider(SourceSpider):
    """Each start URL is one post."""

    name = "kind_example"
    source_schema = KindExampleSource

    def first_requests(self) -> Iterator[scrapy.Request | None]:
        assert isinstance(self.source, KindExampleSource)
        for url in self.source.start_urls:
            yield self.request(url, self.parse_page, kind="page")

    def parse_page(self, response: Response) -> Iterator[object]:
        yield from ()
