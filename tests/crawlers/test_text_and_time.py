"""Chinese dates and relative times against a pinned clock; GBK-family pages however declared."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawlers.dates import parse_published
from crawlers.encoding import choose_encoding
from tests.crawlers.site_server import FIXTURES

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.fromisoformat("2026-03-18T10:00:00+08:00")


@pytest.mark.parametrize(
    ("shown", "meaning"),
    [
        ("2020年8月20日 09:30", "2020-08-20T09:30:00+08:00"),
        ("2020-08-20", "2020-08-20T00:00:00+08:00"),
        ("3小时前", "2026-03-18T07:00:00+08:00"),
        ("昨天 14:20", "2026-03-17T14:20:00+08:00"),
        ("刚刚", "2026-03-18T10:00:00+08:00"),
        ("45分钟前", "2026-03-18T09:15:00+08:00"),
        ("2天前", "2026-03-16T10:00:00+08:00"),
        ("今天 09:30", "2026-03-18T09:30:00+08:00"),
        ("03月10日 19:20", "2026-03-10T19:20:00+08:00"),
        ("08月20日 14:20", "2025-08-20T14:20:00+08:00"),  # not yet this year: last year
        ("09:41", "2026-03-18T09:41:00+08:00"),  # tieba: today
        ("3-16", "2026-03-16T00:00:00+08:00"),  # tieba: this year, date only
        ("2025年12月20日 08:05", "2025-12-20T08:05:00+08:00"),
        ("发布时间：2026-03-14", "2026-03-14T00:00:00+08:00"),
        ("来信时间：2026-03-09 08:30:12", "2026-03-09T08:30:12+08:00"),
        ("2024/9/18 16:54", "2024-09-18T16:54:00+08:00"),
        ("Mon, 16 Mar 2026 06:45:00 GMT", "2026-03-16T14:45:00+08:00"),
        ("2026-03-16T10:30:00Z", "2026-03-16T18:30:00+08:00"),
        ("2026-03-14 16:20:00", "2026-03-14T16:20:00+08:00"),  # zone-less means Asia/Shanghai
        ("1773714000", "2026-03-17T10:20:00+08:00"),  # Unix seconds (JSON interfaces)
    ],
)
def test_dates_as_printed_become_aware_times(shown: str, meaning: str) -> None:
    parsed = parse_published(shown, zone=SHANGHAI, now=NOW)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed == datetime.fromisoformat(meaning)


@pytest.mark.parametrize("shown", ["某日", "", "几分钟前", "2025-12", "2026-02-30", "25:61", "下午 3:20", "明天"])
def test_an_unreadable_date_is_missing_never_guessed(shown: str) -> None:
    assert parse_published(shown, zone=SHANGHAI, now=NOW) is None


def test_every_gbk_page_decodes_whatever_it_declares() -> None:
    rules = json.loads((FIXTURES / "gov_mailbox" / "_server.json").read_text(encoding="utf-8"))
    for path, headers in rules["headers"].items():
        body = (FIXTURES / path.lstrip("/")).read_bytes()
        decision = choose_encoding(body, content_type=headers["Content-Type"])
        assert decision.encoding == "gb18030", path
        text = body.decode(decision.encoding)
        assert "\ufffd" not in text and "区长信箱" in text
    letter = (FIXTURES / "gov_mailbox/hdjl/qzxx/202603/t20260309_5114215.html").read_bytes()
    assert "王𠮷成" in letter.decode(choose_encoding(letter, content_type="text/html").encoding)


def test_a_gbk_page_declared_utf8_is_redecoded() -> None:
    body = (FIXTURES / "bad" / "gbk_declared_utf8.html").read_bytes()
    decision = choose_encoding(body, content_type="text/html; charset=utf-8")
    assert (decision.encoding, decision.how) == ("gb18030", "redecoded")
    assert "屠宰点卫生问题" in body.decode(decision.encoding)
    utf8 = "<html><head><meta charset='gbk'></head><body>养猪场臭味</body></html>".encode()
    assert choose_encoding(utf8, content_type="text/html").encoding == "utf-8"
    assert choose_encoding(body, content_type="text/html", source_encoding="gbk").how == "source"
