"""The crawl's writer process: exact outcomes, failures sent back, Ctrl-C ignored, never outliving its crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

if TYPE_CHECKING:
    from core.posts import PostIn

TEXT = "杨湾村北边的养猪场每天傍晚往河沟里排粪水，整条沟都是黑的，下游的稻田也被污染了，请有关部门尽快查处。"
OTHER = "石桥镇农贸市场有摊主卖没有检疫章的猪肉，说是自家杀的，问了市场管理处也说管不了，这样的肉能卖吗？"


def _post(url: str, title: str, text: str, **fields: Any) -> PostIn:
    from core.posts import EvidenceIn, PostIn

    return PostIn(url=url, title=title, content=text, evidence=EvidenceIn(body=text.encode(), url=url), **fields)


def _stored() -> int:
    from core.db import session_scope
    from core.models import Post

    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Post)) or 0)


def _ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_outcomes_come_back_exactly_and_ctrl_c_leaves_the_writer_working(db: str) -> None:
    from crawlers.writer import Writer

    writer = Writer()
    try:
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group; the crawl decides
        first = writer.store(
            [
                _post("http://board.example/post/1.html", "养猪场排粪水", TEXT),
                _post("http://board.example/post/1.html?utm_source=list", "养猪场排粪水", TEXT),
                _post("http://other.example/a/9.html", "转：养猪场排粪水", TEXT),
                _post("http://board.example/post/2.html", "猪肉没有检疫章", OTHER),
            ]
        )
        assert first.outcomes == ["created", "known", "linked", "created"] and first.failures == []
        again = writer.store([_post("http://board.example/post/2.html", "猪肉没有检疫章", OTHER)])
        assert again.outcomes == ["known"]
    finally:
        writer.close()
    assert _stored() == 2


def test_a_bad_post_fails_alone_and_its_reason_comes_back(db: str) -> None:
    from crawlers.writer import Writer

    writer = Writer()
    try:
        result = writer.store(
            [
                _post("http://board.example/post/1.html", "养猪场排粪水", TEXT),
                # A value no database column can hold (a set is not JSON): this post alone fails.
                _post("http://board.example/post/3.html", "坏帖子", "内容" * 30, extra={"tags": {"a", "b"}}),
                _post("http://board.example/post/2.html", "猪肉没有检疫章", OTHER),
            ]
        )
    finally:
        writer.close()
    assert result.outcomes == ["created", "failed", "created"]
    assert len(result.failures) == 1 and "http://board.example/post/3.html" in result.failures[0]
    assert _stored() == 2


def test_a_lost_writer_is_reported_once_and_nothing_is_lost(db: str) -> None:
    from crawlers.writer import Writer, WriterLost

    writer = Writer()
    batch = [_post("http://board.example/post/1.html", "养猪场排粪水", TEXT)]
    try:
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        with pytest.raises(WriterLost, match="writer process ended"):
            writer.store(batch)
        # The crawl then stores in its own process, as the pipeline does with the batch that was lost.
        assert writer.store(batch).outcomes == ["created"]
        assert writer.store([_post("http://board.example/post/2.html", "猪肉", OTHER)]).outcomes == ["created"]
    finally:
        writer.close()
    assert _stored() == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_writer_ends_when_its_crawl_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import time
        from crawlers.writer import Writer
        writer = Writer()
        print(writer.pid, flush=True)
        time.sleep(120)
        """
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQING_")}
    env["MUQING_DATA_DIR"] = str(tmp_path)
    crawl = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert crawl.stdout is not None
        writer_pid = int(crawl.stdout.readline())
        assert not _ended(writer_pid)
    finally:
        crawl.kill()
        crawl.wait()
    deadline = time.monotonic() + 10
    while not _ended(writer_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ended(writer_pid), "the writer outlived its crawl"
