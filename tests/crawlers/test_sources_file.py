"""The sources file: every kind, the documented example, and malformed files refused with file, source, field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.errors import ConfigurationError
from crawlers.sources import KINDS, load_sources, parse_sources

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def test_the_documented_examples_load_and_cover_every_kind(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    kinds: set[str] = set()
    for block in blocks:
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "sources" in data:
            path = tmp_path / "sources.yaml"
            path.write_text(block, encoding="utf-8")
            kinds.update(source.kind for source in load_sources(path))
    assert kinds == set(KINDS)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"kind": "list_detail", "start_urls": ["https://x.org/"], "list": {"item": "li", "link": "a"}}, "detail"),
        (
            {
                "kind": "list_detail",
                "start_urls": ["https://x.org/"],
                "list": {"item": "li", "link": "a"},
                "detail": {"title": "h1[", "content": "div"},
            },
            "detail.title",
        ),
        ({"kind": "rss", "start_urls": ["ftp://x.org/feed"]}, "start_urls"),
        ({"kind": "json_api", "url": "https://x.org/api", "items": "data", "fields": {"title": "t"}}, "url"),
        ({"kind": "rss", "start_urls": ["https://x.org/"], "encoding": "klingon"}, "encoding"),
        ({"kind": "rss", "start_urls": ["https://x.org/"], "interval_minutes": 0}, "interval_minutes"),
        ({"kind": "rss", "start_urls": ["https://x.org/"], "colour": "red"}, "colour"),
        ({"kind": "telepathy"}, "kind"),
        ({"kind": "weibo_search", "keywords": []}, "keywords"),
    ],
)
def test_a_malformed_source_names_file_source_and_field(entry: dict[str, object], field: str) -> None:
    data = {
        "sources": [{"name": "fine", "kind": "rss", "start_urls": ["https://x.org/f"]}, {"name": "broken", **entry}]
    }
    with pytest.raises(ConfigurationError) as caught:
        parse_sources(data, origin="/etc/muqing/sources.yaml")
    message = caught.value.message
    assert "/etc/muqing/sources.yaml" in message and "broken" in message and f"字段 {field}" in message


def test_unreadable_files_and_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="YAML"):
        load_sources(path)
    twice = {"name": "same", "kind": "rss", "start_urls": ["https://x.org/f"]}
    with pytest.raises(ConfigurationError, match="重复"):
        parse_sources({"sources": [twice, twice]}, origin="s.yaml")
