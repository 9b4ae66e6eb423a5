"""Preview a source (试抓): run its spider on its first page and return the parsed items, storing nothing.

An admin checks a new or changed source before it runs on a schedule. Like every crawl, the spider runs in
a child process (Scrapy's reactor cannot restart in a process); the child writes the items it parsed, after
the normal cleaning and with the relevance gate's verdict, to a JSON file its parent reads. Nothing touches
the database: no post, no crawl run, no change to the source's health.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.urlpolicy import UrlRefused, check_url
from crawlers.sources import parse_source

PREVIEW_TIMEOUT_SECONDS = 90
CONTENT_CHARS = 300


@dataclass(frozen=True, slots=True)
class PreviewItem:
    """One post as the spider parsed it, and whether the relevance gate would keep it."""

    url: str
    title: str
    content: str
    author: str | None
    published_at: datetime | None
    published_at_raw: str | None
    kept: bool
    drop_reason: str | None


@dataclass(frozen=True, slots=True)
class Preview:
    """What a preview fetched and parsed."""

    items: list[PreviewItem]
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[dict[str, str]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def first_page_only(config: dict[str, Any]) -> dict[str, Any]:
    """The source definition limited to one list page (or one result page)."""
    data = parse_source(config).model_dump(mode="json")
    if "max_pages" in data:
        data["max_pages"] = 1
    if isinstance(data.get("list"), dict) and "max_pages" in data["list"]:
        data["list"]["max_pages"] = 1
    return data


def preview_source(
    *,
    config: dict[str, Any],
    limit: int = 5,
    scrapy_overrides: dict[str, Any] | None = None,
    timeout: float = PREVIEW_TIMEOUT_SECONDS,
) -> Preview:
    """Fetch and parse up to ``limit`` items from the first page of the source ``config``; store nothing."""
    try:
        spec = first_page_only(config)
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in exc.errors()[:5])
        return Preview(items=[], error=f"来源配置有误，无法试抓：{problems}")
    for url in spec.get("start_urls") or []:
        try:
            check_url(url, field="start_urls")
        except UrlRefused as exc:
            return Preview(items=[], error=exc.message)
    with tempfile.TemporaryDirectory(prefix="muqing-preview-") as folder:
        out = Path(folder) / "preview.json"
        command = [
            sys.executable,
            "-m",
            "crawlers.preview",
            "--source",
            json.dumps(spec, ensure_ascii=False),
            "--limit",
            str(max(1, min(limit, 50))),
            "--out",
            str(out),
            "--settings",
            json.dumps(scrapy_overrides or {}),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Preview(items=[], error=f"试抓超过 {timeout:.0f} 秒未结束，已终止")
        if completed.returncode != 0 or not out.is_file():
            tail = completed.stderr.decode("utf-8", "replace")[-1500:]
            return Preview(items=[], error=f"试抓进程退出码 {completed.returncode}：{tail}")
        data = json.loads(out.read_text(encoding="utf-8"))
    items = [
        PreviewItem(
            url=entry["url"],
            title=entry["title"],
            content=entry["content"],
            author=entry["author"],
            published_at=datetime.fromisoformat(entry["published_at"]) if entry["published_at"] else None,
            published_at_raw=entry["published_at_raw"],
            kept=entry["kept"],
            drop_reason=entry["drop_reason"],
        )
        for entry in data["items"]
    ]
    return Preview(
        items=items,
        requests=data["requests"],
        errors=data["errors"],
        error_samples=data["error_samples"],
        dropped=data["dropped"],
        error=data["fatal"],
    )


class PreviewPipeline:
    """Keeps each cleaned item with the relevance verdict instead of storing it (runs in the child)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.items: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> PreviewPipeline:
        """Scrapy's constructor hook."""
        pipeline = cls(crawler)
        crawler.muqing_preview = pipeline
        return pipeline

    def process_item(self, item: Any) -> Any:
        """Record the item; the gate's verdict is shown, not applied."""
        from crawlers.relevance import judge

        spider = self.crawler.spider
        relevance = getattr(getattr(spider, "source", None), "relevance", "all")
        reason = None if relevance == "all" else judge(f"{item.title}\n{item.content}", relevance=relevance)
        self.items.append(
            {
                "url": item.url,
                "title": item.title,
                "content": item.content[:CONTENT_CHARS],
                "author": item.author,
                "published_at": item.published_at.isoformat() if item.published_at else None,
                "published_at_raw": item.published_at_raw,
                "kept": reason is None,
                "drop_reason": reason,
            }
        )
        return item


def _run(source: dict[str, Any], limit: int, out: Path, overrides: dict[str, Any]) -> None:
    from scrapy.crawler import CrawlerProcess

    from crawlers.runner import scrapy_settings
    from crawlers.spiders import spider_classes

    spec = parse_source(source)
    spider_class = spider_classes().get(spec.kind)
    if spider_class is None:
        raise SystemExit(f"no spider for source kind {spec.kind!r}")
    settings = scrapy_settings(overrides, source=spec)
    settings.set(
        "ITEM_PIPELINES",
        {"crawlers.pipelines.clean.CleanPipeline": 100, "crawlers.preview.PreviewPipeline": 200},
        priority="cmdline",
    )
    settings.set("CLOSESPIDER_ITEMCOUNT", limit, priority="cmdline")
    settings.set("CLOSESPIDER_TIMEOUT", PREVIEW_TIMEOUT_SECONDS - 15, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, source=source, known_urls=[], known_ids=[], recheck=[], now=None, params={})
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    pipeline = getattr(crawler, "muqing_preview", None)

    def counted(prefix: str) -> dict[str, int]:
        return {key.removeprefix(prefix): int(value) for key, value in stats.items() if key.startswith(prefix)}

    result = {
        "items": (pipeline.items if pipeline else [])[:limit],
        "requests": int(stats.get("downloader/request_count", 0)),
        "errors": counted("muqing/errors/"),
        "dropped": counted("muqing/dropped/"),
        "error_samples": list(getattr(crawler.spider, "error_samples", [])),
        "fatal": stats.get("muqing/fatal"),
    }
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    """Command-line entry point for the child process."""
    parser = argparse.ArgumentParser(description="Preview one source without storing anything")
    parser.add_argument("--source", required=True, help="the source definition as JSON")
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--out", required=True, help="where to write the parsed items as JSON")
    parser.add_argument("--settings", default="{}", help="JSON object of Scrapy setting overrides")
    args = parser.parse_args()
    _run(json.loads(args.source), args.limit, Path(args.out), json.loads(args.settings))


if __name__ == "__main__":
    main()
