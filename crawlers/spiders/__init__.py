"""The spider kinds. A kind is one module here, named after it, holding its source schema (a ``SourceBase``
with ``kind: Literal["<kind>"]``) and its spider (a ``SourceSpider`` whose ``source_schema`` is that schema);
listing the module in ``SPIDER_MODULES`` registers it. The sources file, source validation, the crawl runner
and the preview find every kind here.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawlers.spiders.base import SourceSpider

# Bare names are modules of this package; a dotted path names a module elsewhere. The kind is its last part.
SPIDER_MODULES: tuple[str, ...] = (
    "list_detail",
    "rss",
    "json_api",
    "article",
    "people_liuyan",
    "gov_mailbox",
    "news_search",
    "weibo_search",
    "tieba",
)


def kind_names() -> tuple[str, ...]:
    """The registered kinds, without importing a spider (the API validates kinds without Scrapy)."""
    return tuple(module.rsplit(".", 1)[-1] for module in SPIDER_MODULES)


def spider_classes() -> dict[str, type[SourceSpider]]:
    """Each kind's spider, by kind."""
    return dict(_load(SPIDER_MODULES))


@functools.cache
def _load(modules: tuple[str, ...]) -> tuple[tuple[str, type[SourceSpider]], ...]:
    from crawlers.spiders.base import SourceSpider

    found = []
    for name in modules:
        module = importlib.import_module(name if "." in name else f"{__name__}.{name}")
        kind = name.rsplit(".", 1)[-1]
        spiders = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, SourceSpider) and value.__module__ == module.__name__
        ]
        if len(spiders) != 1 or spiders[0].name != kind:
            raise ImportError(f"{module.__name__} must define one SourceSpider named {kind!r}")
        found.append((kind, spiders[0]))
    return tuple(found)
