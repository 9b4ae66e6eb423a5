"""Crawl throughput: our full pipeline against a bare Scrapy spider, same local site, same settings, same run.

    python bench/crawl.py [--pages 2000] [--rounds 2]

Builds a local board of ``--pages`` detail pages (20 per list page, linked by "下一页"), serves it from a
separate process (Twisted's static file server), then crawls it, alternating, with

* bare: a plain Scrapy spider with the same selectors, yielding dicts to no pipeline;
* ours: the `list_detail` source through the runner: charset middleware, clean, relevance gate,
  batched storage with evidence (compressed page + SHA-256) and near-duplicate signatures, on SQLite,
  in the crawl's writer process. The runner also keeps what it loaded before crawling out of the garbage
  collector's passes (``gc.freeze``); the bare spider runs as Scrapy does by default.

Both use our Scrapy settings with the politeness delays off (AutoThrottle, DOWNLOAD_DELAY 0), since the
site is ours. Prints pages per second (Scrapy's own elapsed time) for each, the ratio, and peak memory
(ours: the crawl process and, beside it, the memory its writer process does not share with it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_PAGE = 20
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
}
WORDS = [
    "养猪场",
    "臭味",
    "村民",
    "河沟",
    "粪水",
    "排放",
    "镇政府",
    "整改",
    "检疫",
    "猪肉",
    "菜市场",
    "补贴",
    "养殖户",
    "防疫",
    "疫苗",
    "病死猪",
    "无害化",
    "处理",
    "环保",
    "投诉",
    "希望",
    "尽快",
    "解决",
    "晚上",
    "附近",
    "道路",
    "学校",
    "小区",
    "物业",
    "反映",
    "问题",
    "情况",
    "部门",
    "监管",
    "核实",
    "回复",
    "群众",
    "生活",
]


def build_site(root: Path, pages: int) -> None:
    """List pages list_1.html … and detail pages post/<n>.html with varied text."""
    rng = random.Random(7)
    (root / "post").mkdir(parents=True)
    lists = (pages + PER_PAGE - 1) // PER_PAGE
    for number in range(1, pages + 1):
        title = f"{rng.choice(WORDS)}{rng.choice(WORDS)}问题第{number}号反映"
        paragraphs = "".join(
            "<p>" + "，".join("".join(rng.choice(WORDS) for _ in range(4)) for _ in range(8)) + "。</p>"
            for _ in range(6)
        )
        minute = number % 60
        (root / "post" / f"{number}.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><a href="/list_1.html">首页</a></div><h1 class="title">{title}</h1>'
            f'<div class="meta"><span class="author">网友{number}</span>'
            f'<span class="time">2026-03-{1 + number % 28:02d} 08:{minute:02d}</span></div>'
            f'<div class="content">{paragraphs}</div><div class="foot">版权所有</div></body></html>',
            encoding="utf-8",
        )
    for page in range(1, lists + 1):
        first = (page - 1) * PER_PAGE + 1
        items = "".join(
            f'<li><a href="/post/{n}.html">帖子{n}</a></li>' for n in range(first, min(first + PER_PAGE, pages + 1))
        )
        pager = f'<a class="next" href="/list_{page + 1}.html">下一页</a>' if page < lists else ""
        (root / f"list_{page}.html").write_text(
            f'<html><head><meta charset="utf-8"></head><body><ul class="posts">{items}</ul>{pager}</body></html>',
            encoding="utf-8",
        )


SERVER = """
import sys
from twisted.internet import reactor
from twisted.web import server, static
site = server.Site(static.File(sys.argv[1]))
port = reactor.listenTCP(int(sys.argv[2]), site, interface="127.0.0.1")
print("ready", flush=True)
reactor.run()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def source_spec(base: str, pages: int) -> dict[str, Any]:
    return {
        "name": "bench-board",
        "kind": "list_detail",
        "start_urls": [f"{base}/list_1.html"],
        "relevance": "all",
        "recheck_days": 0,
        "list": {
            "item": "ul.posts li",
            "link": "a::attr(href)",
            "next_page": "a.next::attr(href)",
            "max_pages": (pages + PER_PAGE - 1) // PER_PAGE + 1,
        },
        "detail": {
            "title": "h1.title::text",
            "content": "div.content",
            "published_at": "span.time::text",
            "author": "span.author::text",
        },
    }


def child_bare(base: str, pages: int) -> dict[str, Any]:
    """A bare Scrapy spider: same selectors and settings, items go nowhere."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawlers.runner import scrapy_settings

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            yield scrapy.Request(f"{base}/list_1.html", self.parse)

        def parse(self, response: Any) -> Any:
            for href in response.css("ul.posts li a::attr(href)").getall():
                yield response.follow(href, self.parse_detail)
            following = response.css("a.next::attr(href)").get()
            if following:
                yield response.follow(following, self.parse)

        def parse_detail(self, response: Any) -> Any:
            yield {
                "url": response.url,
                "title": response.css("h1.title::text").get(),
                "content": " ".join(response.css("div.content ::text").getall()),
                "published_at": response.css("span.time::text").get(),
                "author": response.css("span.author::text").get(),
            }

    settings = scrapy_settings(SETTINGS)
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {"items": stats.get("item_scraped_count", 0), "seconds": stats.get("elapsed_time_seconds")}


def child_ours(base: str, pages: int) -> dict[str, Any]:
    """Our runner on a fresh SQLite database: the full pipeline, storage included."""
    from sqlalchemy import func, select

    from core.db import session_scope
    from core.migrate import upgrade
    from core.models import CrawlRun, Post, PostSnapshot
    from crawlers import runner
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    upgrade()
    with session_scope() as session:
        source = sync_sources(session, specs=[parse_source(source_spec(base, pages))])[0]
        crawl_run = CrawlRun(source_id=source.id)
        session.add(crawl_run)
        session.flush()
        run_id = crawl_run.id
    stats = runner.run(run_id, dict(SETTINGS))
    with session_scope() as session:
        stored = session.scalar(select(func.count()).select_from(Post))
        snapshots = session.scalar(select(func.count()).select_from(PostSnapshot))
    return {
        "items": stats.get("item_scraped_count", 0),
        "stored": stored,
        "snapshots": snapshots,
        "seconds": stats.get("elapsed_time_seconds"),
    }


def _forked_children(pid: int) -> list[int]:
    """Processes forked by ``pid`` that still run its program (the writer; not e.g. a ``uname`` it ran)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        pids = [int(child) for child in children.read_text().split()]
    except OSError:
        return []
    return [child for child in pids if _read(Path(f"/proc/{child}/cmdline"), binary=True) == command]


def _read(path: Path, *, binary: bool = False) -> Any:
    try:
        return path.read_bytes() if binary else path.read_text()
    except OSError:
        return None


def _private_mib(pid: int) -> float:
    """Memory only this process holds (not shared with the process it was forked from), in MiB."""
    text = _read(Path(f"/proc/{pid}/smaps_rollup")) or ""
    kib = sum(int(line.split()[1]) for line in text.splitlines() if line.startswith(("Private_Clean", "Private_Dirty")))
    return kib / 1024


def run_child(kind: str, base: str, pages: int) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="muqing-bench-")
    env = {**os.environ, "MUQING_DATA_DIR": data_dir, "MUQING_TASKS_EAGER": "0"}
    env.pop("MUQING_DATABASE_URL", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, "--base", base, "--pages", str(pages)],
            stdout=out,
            stderr=err,
            env=env,
        )
        # Watched from here, so the crawl itself pays nothing for it (Linux /proc; elsewhere nothing is seen).
        writer_peak = 0.0
        while child.poll() is None:
            writer_peak = max([writer_peak, *(_private_mib(pid) for pid in _forked_children(child.pid))])
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if child.returncode != 0:
        raise SystemExit(f"{kind} crawl failed:\n{stderr[-3000:]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["writer_private_peak_mib"] = round(writer_peak, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", choices=["bare", "ours"])
    parser.add_argument("--base")
    args = parser.parse_args()
    from cli.modules import wire

    wire()
    if args.child:
        result = (child_bare if args.child == "bare" else child_ours)(args.base, args.pages)
        result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="muqing-bench-site-") as folder:
        build_site(Path(folder), args.pages)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", SERVER, folder, str(port)], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None and server.stdout.readline().strip() == "ready"
            base = f"http://127.0.0.1:{port}"
            results: dict[str, list[dict[str, Any]]] = {"bare": [], "ours": []}
            for round_number in range(args.rounds):
                for kind in ("bare", "ours") if round_number % 2 == 0 else ("ours", "bare"):
                    started = time.perf_counter()
                    result = run_child(kind, base, args.pages)
                    result["wall_seconds"] = round(time.perf_counter() - started, 2)
                    result["pages_per_second"] = round(args.pages / result["seconds"], 1)
                    results[kind].append(result)
                    print(f"round {round_number + 1} {kind:5}: {json.dumps(result)}", flush=True)
        finally:
            server.terminate()
            server.wait()
    best = {kind: max(runs, key=lambda r: r["pages_per_second"]) for kind, runs in results.items()}
    assert best["ours"]["stored"] == args.pages, "every detail page must be stored"
    ratio = best["ours"]["pages_per_second"] / best["bare"]["pages_per_second"]
    print(
        f"\n{args.pages} detail pages, {os.cpu_count()} cores, best of {args.rounds} rounds each\n"
        f"bare Scrapy spider : {best['bare']['pages_per_second']:7.1f} pages/s, "
        f"peak memory {best['bare']['peak_rss_mib']} MiB\n"
        f"our full pipeline  : {best['ours']['pages_per_second']:7.1f} pages/s, "
        f"peak memory {best['ours']['peak_rss_mib']} MiB + writer process {best['ours']['writer_private_peak_mib']} MiB"
        " of its own\n"
        f"  ({best['ours']['stored']} posts, {best['ours']['snapshots']} evidence snapshots on SQLite)\n"
        f"ratio ours / bare  : {ratio:.2f} (target >= 0.80)"
    )


if __name__ == "__main__":
    main()
