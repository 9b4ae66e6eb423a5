"""Every named spider and every source kind, crawled over real HTTP from the fixture sites (real Scrapy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crawlers.helpers import crawl, expected_records, iso, posts_by_url
from tests.crawlers.site_server import FIXTURES, SiteServer, serving

# Parsing does not depend on the database: these run on SQLite only. Storage rules (never twice, evidence,
# deletions, imports, the API) run on both backends in test_collection, test_import_and_health and test_api.
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with serving() as server:
        server.slow_seconds = 6  # longer than the tests' download timeout, short enough to end quickly
        yield server


def _check(records: list[dict[str, object]], posts: dict[str, object], *, fields: tuple[str, ...]) -> None:
    for record in records:
        post = posts[str(record["url"])]
        for field in fields:
            value = getattr(post, field)
            expected = record[field]
            assert (iso(value) if field == "published_at" else value) == expected, (record["url"], field)


@SQLITE_ONLY
def test_people_liuyan_board_with_official_replies(db: str, queued_jobs: None, site: SiteServer) -> None:
    # The current list interface, and each message from the signed content interface (no browser needed).
    outcome = crawl(
        {
            "name": "liuyan",
            "kind": "people_liuyan",
            "fid": 9871,
            "detail": "api",
            "base_url": f"{site.base_url}/people_liuyan",
        }
    )
    assert outcome.status == "succeeded" and outcome.stored == 18, outcome
    posts = posts_by_url(site.base_url)
    records = expected_records("people_liuyan")
    _check(records, posts, fields=("title", "published_at", "author"))
    for record in records:
        post = posts[str(record["url"])]
        assert post.likes == record["likes"]
        assert post.extra["status"] == record["status"]
        reply = post.extra.get("reply")
        if record["reply_at"] is None:
            assert reply is None
        else:
            assert reply["org"] == record["reply_org"] and reply["at"][:16] == str(record["reply_at"])[:16]
            assert not reply["text"].endswith("...")  # the full reply from the page, not the list's cut
    assert not posts["/people_liuyan/threads/content?tid=26102890"].content.endswith("...")


@SQLITE_ONLY
def test_gov_mailbox_gbk_pages_however_declared(db: str, queued_jobs: None, site: SiteServer) -> None:
    start = f"{site.base_url}/gov_mailbox/hdjl/qzxx/index.html"
    outcome = crawl({"name": "mailbox", "kind": "gov_mailbox", "start_urls": [start]})
    assert outcome.status == "succeeded" and outcome.stored == 14, outcome  # three pages via createPageHTML
    posts = posts_by_url(site.base_url)
    records = expected_records("gov_mailbox")
    _check(records, posts, fields=("title", "published_at", "author"))
    for record in records:
        post = posts[str(record["url"])]
        assert "\ufffd" not in post.content + post.title
        reply = post.extra.get("reply")
        assert (reply or {}).get("org") == record["reply_org"]
        assert post.extra["status"] == record["status"]
    assert "𠮷" in posts["/gov_mailbox/hdjl/qzxx/202603/t20260309_5114215.html"].content
    assert (
        "喆"
        in posts["/gov_mailbox/hdjl/qzxx/202602/t20260205_5090017.html"].content
        + posts["/gov_mailbox/hdjl/qzxx/202602/t20260205_5090017.html"].extra["reply"]["text"]
    )


@SQLITE_ONLY
def test_news_search_results_and_articles(db: str, queued_jobs: None, site: SiteServer) -> None:
    spec = {
        "name": "news",
        "kind": "news_search",
        "keywords": ["青禾 养殖"],
        "search_url": f"{site.base_url}/news_search/s?tn=news&word={{keyword}}",
    }
    outcome = crawl(spec)
    assert outcome.status == "succeeded" and outcome.stored == 8, outcome  # two result pages
    posts = posts_by_url(site.base_url)
    _check(expected_records("news_search"), posts, fields=("title", "published_at", "author"))
    market = posts["/news_search/html/hangqing/2025/1208/56712.html"].content
    assert "连续三周回升" in market
    article = posts["/news_search/article/20260317/7731902.html"].content
    assert "约谈" in article and "ICP" not in article and "热点新闻" not in article


@SQLITE_ONLY
def test_weibo_search_and_an_expired_login(db: str, queued_jobs: None, site: SiteServer) -> None:
    spec = {
        "name": "weibo",
        "kind": "weibo_search",
        "keywords": ["青禾 养猪"],
        "search_url": f"{site.base_url}/weibo_search/weibo?q={{keyword}}&page={{page}}",
        "cookie": "SUB=signed-in",
    }
    outcome = crawl(spec)
    assert outcome.status == "succeeded" and outcome.stored == 11, outcome
    posts = posts_by_url()
    for record in expected_records("weibo_search"):
        post = posts[str(record["url"])]
        assert post.title == "" and post.author == record["author"]
        assert iso(post.published_at) == record["published_at"]
        assert post.content.startswith(str(record["text_starts"]))
        assert (post.reposts, post.comments, post.likes) == (record["reposts"], record["comments"], record["likes"])
        assert post.external_id == record["mid"]
        assert post.extra.get("retweet_mid") == record["retweet_mid"]
        assert "\u200b" not in post.content and not post.content.endswith(("收起d", "展开c"))

    expired = crawl({**spec, "name": "weibo-expired", "cookie": "SUB=expired"})
    assert expired.status == "failed" and expired.stored == 0
    assert "微博登录状态已失效" in (expired.error or "")


@SQLITE_ONLY
def test_tieba_thread_list_hidden_in_a_comment(db: str, queued_jobs: None, site: SiteServer) -> None:
    outcome = crawl({"name": "tieba", "kind": "tieba", "forum": "青禾", "base_url": f"{site.base_url}/tieba"})
    assert outcome.status == "succeeded" and outcome.stored == 11, outcome
    # The crawl opened no port of its own: no telnet console, no remote control (which runs Python sent to it).
    from crawlers.service import crawl_log_path

    log = crawl_log_path(outcome.run_id).read_text(encoding="utf-8")
    assert "Scrapy 2." in log and "Telnet console listening" not in log and "Remote control" not in log
    posts = posts_by_url(site.base_url)
    records = expected_records("tieba")
    _check(records, posts, fields=("title", "published_at", "author"))
    for record in records:
        post = posts[str(record["url"])]
        assert post.comments == record["replies"]
        assert post.extra["pinned"] == record["is_top"]
        if ":" in str(record["list_last_reply_time"]):  # the list shows a time only for today's replies
            assert post.extra["last_reply_at"] == record["last_reply_at"]


@SQLITE_ONLY
def test_generic_kinds_from_a_sources_file_alone(db: str, queued_jobs: None, site: SiteServer) -> None:
    base = site.base_url
    board = crawl(
        {
            "name": "board",
            "kind": "list_detail",
            "start_urls": [f"{base}/generic/board/index.html"],
            "list": {"item": "ul.posts li", "link": "a.title::attr(href)", "next_page": "a.next::attr(href)"},
            "detail": {
                "title": "h1.title::text",
                "content": "div.content",
                "published_at": "div.meta span.time::text",
                "author": "div.meta span.author::text",
            },
        }
    )
    feeds = crawl(
        {
            "name": "feeds",
            "kind": "rss",
            "start_urls": [f"{base}/generic/feeds/rss.xml", f"{base}/generic/feeds/atom.xml"],
        }
    )
    api = crawl(
        {
            "name": "api",
            "kind": "json_api",
            "url": f"{base}/generic/api/posts?page={{page}}",
            "items": "data.list",
            "has_more": "data.has_more",
            "fields": {
                "id": "id",
                "title": "title",
                "content": "content.text",
                "author": "author.name",
                "published_at": "publish.time",
                "likes": "stats.like",
                "comments": "stats.comment",
                "reads": "stats.read",
            },
        }
    )
    articles = crawl(
        {
            "name": "articles",
            "kind": "article",
            "start_urls": [f"{base}/generic/news/n2.html", f"{base}/generic/news/n3.html"],
        }
    )
    assert [board.stored, feeds.stored, api.stored, articles.stored] == [15, 11, 9, 2]
    posts = posts_by_url(base)
    _check(expected_records("generic/list_detail"), posts, fields=("title", "published_at", "author"))
    _check(
        expected_records("generic/rss") + expected_records("generic/atom"),
        posts,
        fields=("title", "published_at", "author"),
    )
    _check(expected_records("generic/article"), posts, fields=("title", "published_at"))
    assert posts["/generic/board/post/101.html"].content.startswith("村里养猪场的老板说沼液是好肥料")
    assert "<p>" not in posts["/generic/board/post/101.html"].content
    by_id = {post.external_id: post for post in posts.values() if post.source_name == "api"}
    for record in expected_records("generic/json_api"):
        post = by_id[str(record["id"])]
        assert (post.title, iso(post.published_at), post.author) == (
            record["title"],
            record["published_at"],
            record["author"],
        )
        assert (post.likes, post.comments) == (record["likes"], record["comments"])


@SQLITE_ONLY
def test_bad_inputs_are_counted_reasons_and_the_crawl_goes_on(db: str, queued_jobs: None, site: SiteServer) -> None:
    base = site.base_url
    outcome = crawl(
        {
            "name": "bad",
            "kind": "list_detail",
            "start_urls": [f"{base}/bad/index.html"],
            "list": {"item": "ul.posts li", "link": "a.title::attr(href)", "next_page": "a.next::attr(href)"},
            "detail": {
                "title": "h1.title",
                "content": "div.content",
                "published_at": "span.time",
                "author": "span.author",
            },
        },
        overrides={
            "DOWNLOAD_MAXSIZE": 4 * 1024 * 1024,
            "DOWNLOAD_WARNSIZE": 0,
            "DOWNLOAD_TIMEOUT": 2,
            "RETRY_TIMES": 1,
        },
    )
    assert outcome.status == "succeeded"
    assert outcome.drops == {
        "missing_title": 1,
        "missing/published_at": 1,
        "missing/published_at_unreadable": 1,
    }
    assert outcome.errors == {
        "pagination_loop": 1,
        "not_found": 1,
        "server_error": 1,
        "timeout": 1,
        "redirect_loop": 1,
        "too_large": 1,
        "empty_response": 1,
    }
    posts = posts_by_url(base)
    _check(expected_records("bad"), posts, fields=("title", "published_at", "author"))
    assert posts["/bad/no_date.html"].published_at is None and posts["/bad/unreadable_date.html"].published_at is None
    assert "\ufffd" not in posts["/bad/gbk_declared_utf8.html"].content
    assert posts["/bad/broken.html"].content.startswith("村口的养猪场每天傍晚往河沟里排污水")

    malformed_json = crawl(
        {
            "name": "bad-json",
            "kind": "json_api",
            "url": f"{base}/bad/malformed.json?p={{page}}",
            "items": "data.list",
            "fields": {"title": "title"},
        }
    )
    assert malformed_json.status == "failed" and malformed_json.errors == {"malformed_json": 1}
    half_emoji_spec = {
        "name": "half-emoji",
        "kind": "json_api",
        "url": f"{base}/bad/half_emoji.json?p={{page}}",
        "items": "data.list",
        "has_more": "data.has_more",
        "fields": {"id": "id", "title": "title", "content": "content.text", "published_at": "publish.time"},
    }
    half_emoji = crawl(half_emoji_spec)
    assert half_emoji.status == "succeeded" and half_emoji.stored == 2, half_emoji
    stored = {post.external_id: post for post in posts_by_url(base).values() if post.source_name == "half-emoji"}
    assert stored["990101"].title == "养牛场粪水流进水渠\ufffd" and "流到田里\ufffd，" in stored["990101"].content
    assert stored["990102"].title == "屠宰点夜里噪音大"
    # An item lost to a bug in a pipeline is counted and named in the run, not only logged.
    from crawlers.settings import ITEM_PIPELINES

    pipelines = {**ITEM_PIPELINES, "tests.crawlers.helpers.BreaksOnSlaughterPipeline": 150}
    broken = crawl({**half_emoji_spec, "name": "half-emoji-again"}, overrides={"ITEM_PIPELINES": pipelines})
    assert broken.errors == {"item_error": 1} and broken.items == 2, broken
    malformed_feed = crawl({"name": "bad-feed", "kind": "rss", "start_urls": [f"{base}/bad/malformed_rss.xml"]})
    assert malformed_feed.errors.get("malformed_feed") == 1


def test_fixture_files_are_served_byte_for_byte(site: SiteServer) -> None:
    import urllib.request

    path = "gov_mailbox/hdjl/qzxx/202603/t20260309_5114215.html"
    with urllib.request.urlopen(f"{site.base_url}/{path}") as response:
        assert response.read() == (FIXTURES / path).read_bytes()
        assert response.headers["Content-Type"] == "text/html"
