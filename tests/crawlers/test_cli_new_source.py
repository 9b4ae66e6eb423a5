"""A new source defined only in a sources file, against a site generated here (GBK pages, pagination,
Chinese relative dates), crawled and exported with the command line alone on a fresh data directory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.crawlers.site_server import serving

SHANGHAI = ZoneInfo("Asia/Shanghai")
# (title, paragraphs, time as the detail page writes it, hours before the crawl, or an absolute time)
POSTS = [
    (
        "东岗村养猪场粪水流进水渠",
        ["东岗村北边的养猪场这几天一直往水渠里排粪水。", "下游的稻田都是黑水，请管一管。"],
        "3小时前",
        3,
    ),
    ("菜市场猪肉没有检疫章", ["今天在镇上菜市场买的猪肉没有盖检疫章。", "摊主说是自己家杀的。"], "昨天 14:20", None),
    ("路灯坏了一个月没人修", ["文化路东段的路灯坏了一个多月。", "晚上走路很黑。"], "刚刚", 0),
    ("养鸡场半夜拉鸡粪太臭", ["每天半夜有车来拉鸡粪，一路都是臭味。"], "45分钟前", 0.75),
    ("村里有人收病死猪", ["听说有人开面包车到村里低价收病死猪。", "不知道拉到哪里去了。", "希望查一查。"], "2天前", 48),
    ("羊肉价格又涨了", ["菜场羊肉涨到四十多一斤了。"], "2026年3月1日 08:15", "2026-03-01T08:15:00+08:00"),
    (
        "请问犬只免疫去哪里打",
        ["家里的狗要打狂犬疫苗，请问镇上哪里可以打？"],
        "2026-02-27 16:40",
        "2026-02-27T16:40:00+08:00",
    ),
    ("学校门口道路积水", ["下雨天学校门口积水很深，孩子没法走。"], "今天 00:05", "today 00:05"),
]
PER_PAGE = 3


def _page(title: str, body: str, charset_meta: bool) -> bytes:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">' if charset_meta else ""
    html = (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f'<div class="nav"><a href="/">首页</a> 互动社区</div>{body}'
        '<div class="foot">某县论坛 版权所有</div></body></html>'
    )
    return html.encode("gbk")


def _write_site(root: Path) -> None:
    site = root / "forum"
    (site / "thread").mkdir(parents=True)
    pages = [POSTS[i : i + PER_PAGE] for i in range(0, len(POSTS), PER_PAGE)]
    number = 0
    for page_index, page_posts in enumerate(pages, start=1):
        rows = ""
        for title, paragraphs, shown, _ in page_posts:
            number += 1
            rows += f'<tr class="row"><td><a class="t" href="thread/{number}.html?from=list">{title}</a></td></tr>'
            body = "".join(f"<p>{text}</p>" for text in paragraphs)
            detail = (
                f'<div class="post"><h2 class="subject">{title}</h2>'
                f'<div class="info">作者：<b class="who">网友{number}</b>'
                f' 发表于 <span class="when">{shown}</span></div>'
                f'<div class="message">{body}<script>var ad = "广告";</script></div></div>'
            )
            (site / "thread" / f"{number}.html").write_bytes(_page(title, detail, charset_meta=number % 2 == 0))
        pager = f'<a class="nextpage" href="list_{page_index + 1}.html">下一页</a>' if page_index < len(pages) else ""
        listing = f'<table class="threads">{rows}</table><div class="pages">{pager}</div>'
        (site / f"list_{page_index}.html").write_bytes(_page("帖子列表", listing, charset_meta=page_index == 1))


def _muqing(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQING_")}
    env["MUQING_DATA_DIR"] = str(data_dir)
    # The county forum of this test is on loopback: the installation allows it, as an office allows its intranet.
    env["MUQING_URL_ALLOW_LIST"] = "127.0.0.1"
    executable = Path(sys.executable).with_name("muqing")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "cli"]
    return subprocess.run(command + args, capture_output=True, text=True, env=env, timeout=600, check=False)


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory: pytest.TempPathFactory) -> object:
    root = tmp_path_factory.mktemp("gbk-site")
    _write_site(root)
    with serving(root) as server:
        yield server


def test_a_new_gbk_source_crawled_and_exported_by_the_command_line(generated_site: object, tmp_path: Path) -> None:
    base = generated_site.base_url  # type: ignore[attr-defined]
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"""
sources:
  - name: county-forum
    kind: list_detail
    start_urls: ["{base}/forum/list_1.html"]
    interval_minutes: 30
    download_delay: 0  # the county's own intranet forum: no politeness delay needed
    encoding: auto
    relevance: all
    list:
      item: "table.threads tr.row"
      link: "a.t::attr(href)"
      next_page: "a.nextpage::attr(href)"
      max_pages: 5
    detail:
      title: "h2.subject::text"
      content: "div.message"
      published_at: "span.when::text"
      author: "b.who::text"
""",
        encoding="utf-8",
    )
    data_dir = tmp_path / "data"
    before = datetime.now(UTC)
    first = _muqing(["crawl", "--config", str(config)], data_dir)
    after = datetime.now(UTC)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{len(POSTS)} new posts" in first.stdout
    days = {before.astimezone(SHANGHAI).date(), after.astimezone(SHANGHAI).date()}

    exported = _muqing(["posts", "export", "--format", "jsonl"], data_dir)
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    assert len(rows) == len(POSTS)
    by_title = {row["title"]: row for row in rows}
    for number, (title, paragraphs, _shown, when) in enumerate(POSTS, start=1):
        row = by_title[title]
        assert row["source"] == "county-forum"
        assert row["url"] == f"{base}/forum/thread/{number}.html?from=list"
        assert row["content"] == "\n".join(paragraphs)  # text of div.message, without markup or script
        assert row["author"] == f"网友{number}"
        published = datetime.fromisoformat(row["published_at"])
        assert published.utcoffset() == timedelta(hours=8)
        if isinstance(when, int | float):
            assert (
                before - timedelta(hours=when, minutes=1)
                <= published
                <= after - timedelta(hours=when) + timedelta(minutes=1)
            )
        elif when == "today 00:05":
            # The crawl reads the real clock in its own process: a run across midnight may take either day.
            assert published.date() in days and (published.hour, published.minute) == (0, 5)
        elif when is None:  # 昨天 14:20
            assert published.date() + timedelta(days=1) in days and (published.hour, published.minute) == (14, 20)
        else:
            assert published == datetime.fromisoformat(when)

    second = _muqing(["crawl", "--config", str(config)], data_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 new posts" in second.stdout
    again = _muqing(["posts", "export", "--format", "csv"], data_dir)
    assert again.returncode == 0
    csv_rows = list(csv.DictReader(io.StringIO(again.stdout)))
    assert sorted(row["title"] for row in csv_rows) == sorted(by_title)  # the same posts, nothing added

    listed = _muqing(["sources", "list", "--json"], data_dir)
    health = json.loads(listed.stdout.splitlines()[0])
    assert health["name"] == "county-forum" and health["health"] == "ok" and health["posts"] == len(POSTS)


def test_a_malformed_sources_file_is_refused_naming_file_source_and_field(tmp_path: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text(
        """
sources:
  - name: good-one
    kind: rss
    start_urls: ["https://example.org/feed.xml"]
  - name: bad-board
    kind: list_detail
    start_urls: ["https://example.org/list.html"]
    list: {item: "ul li", link: "a::attr(href)"}
    detail: {title: "h1[", content: "div.content"}
""",
        encoding="utf-8",
    )
    result = _muqing(["crawl", "--config", str(config)], tmp_path / "data")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert str(config) in message and "bad-board" in message and "detail.title" in message
    assert "Traceback" not in message
    assert not (tmp_path / "data" / "muqing.db").exists(), "a refused file must not create a database"
