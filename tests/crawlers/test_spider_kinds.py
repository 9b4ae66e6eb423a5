"""Spider kinds: each registered kind is one module holding its schema and its spider, and a new kind needs
that one file plus its name in ``crawlers.spiders.SPIDER_MODULES`` (tests/crawlers/kind_example.py is one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def registered_example(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import crawlers.sources
    import crawlers.spiders

    def forget() -> None:
        for cached in (crawlers.sources._schemas, crawlers.sources._adapter, crawlers.sources._sources_file):
            cached.cache_clear()

    forget()
    monkeypatch.setattr(
        crawlers.spiders, "SPIDER_MODULES", (*crawlers.spiders.SPIDER_MODULES, "tests.crawlers.kind_example")
    )
    yield
    monkeypatch.undo()
    forget()


def test_each_kind_is_one_module_with_its_schema_and_spider() -> None:
    from crawlers.sources import KINDS
    from crawlers.spiders import spider_classes

    spiders = spider_classes()
    assert tuple(spiders) == KINDS
    for kind, spider in spiders.items():
        assert spider.name == kind and spider.__module__ == f"crawlers.spiders.{kind}"
        assert spider.source_schema.__module__ == spider.__module__
        assert spider.source_schema.model_fields["kind"].annotation.__args__ == (kind,)  # type: ignore[union-attr]


def test_a_new_kind_is_one_file_and_one_registration(registered_example: None) -> None:
    from crawlers.preview import preview_source  # noqa: F401 - the preview finds spiders the same way
    from crawlers.sources import parse_source, parse_sources
    from crawlers.spiders import kind_names, spider_classes

    assert "kind_example" in kind_names()
    [parsed] = parse_sources(
        {"sources": [{"name": "example", "kind": "kind_example", "start_urls": ["http://127.0.0.1/a"]}]},
        origin="sources.yaml",
    )
    assert type(parsed).__name__ == "KindExampleSource" and parsed.greeting == "你好"  # type: ignore[attr-defined]
    assert spider_classes()["kind_example"].__name__ == "KindExampleSpider"
    # Its fields are checked like any kind's, and the error names the field.
    from core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"example.*start_urls"):
        parse_sources({"sources": [{"name": "example", "kind": "kind_example"}]}, origin="sources.yaml")
    assert parse_source({"name": "e2", "kind": "rss", "start_urls": ["http://127.0.0.1/feed"]}).kind == "rss"


def test_an_unregistered_kind_is_refused_naming_the_known_ones() -> None:
    from core.errors import ConfigurationError
    from crawlers.sources import parse_sources

    with pytest.raises(ConfigurationError, match="kind_example") as refused:
        parse_sources({"sources": [{"name": "x", "kind": "kind_example"}]}, origin="sources.yaml")
    assert "list_detail" in str(refused.value)
