"""Importing hotline work orders; source health and the blind warning."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

HEADER = [
    "序号",
    "工单编号",
    "标题",
    "主要内容",
    "来电时间",
    "问题分类",
    "工单状态",
    "承办单位",
    "被反映区",
    "处理时限",
]
ROWS = [
    [
        "1",
        "热线-260301-000101",
        "养殖场臭味扰民",
        "反映某村养猪场臭味很大，影响生活。",
        "2026/3/1 8:01",
        "环保->污染->气味",
        "办结",
        "某区分中心",
        "某区",
        "7.0",
    ],
    ["2", "热线-260301-000102", "", "", "2026/3/1 9:00", "", "", "", "", ""],
    ["3", "", "没有编号的工单", "内容", "2026/3/1 9:30", "", "", "", "", ""],
    ["4", "热线-260301-000104", "菜市场猪肉无检疫章", "反映菜市场有猪肉没有检疫章。", "某日", "", "", "", "", ""],
    ["5", "热线-260301-000105", "犬只免疫咨询", "咨询狗打狂犬疫苗的地点。", "2026-03-01 10:15:00", "", "", "", "", ""],
    ["6", "热线-260301-000101", "重复的工单", "同一个编号又出现了。", "2026/3/1 11:00", "", "", "", "", ""],
]


def _csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "make"), [("orders.csv", _csv), ("orders.xlsx", _xlsx)])
def test_import_keeps_good_rows_lists_bad_ones_and_a_second_import_changes_nothing(
    queued_jobs: None, filename: str, make: object
) -> None:
    from core.db import session_scope
    from core.models import Post
    from crawlers.imports import import_work_orders, resolve_mapping

    data = make()  # type: ignore[operator]
    with session_scope() as session:
        report = import_work_orders(session, data=data, filename=filename, mapping=resolve_mapping(None))
    assert (report.source, report.imported, report.unchanged) == ("hotline-12345", 2, 0)
    assert [(error.row, error.reason) for error in report.errors] == [
        (3, "标题和内容都为空"),
        (4, "缺少工单编号"),
        (5, "时间无法识别：某日"),
        (7, "编号 热线-260301-000101 与第 2 行重复"),
    ]
    with session_scope() as session:
        post = session.scalar(select(Post).where(Post.external_id == "热线-260301-000101"))
        assert post is not None and post.title == "养殖场臭味扰民"
        assert post.published_at is not None and post.published_at.isoformat() == "2026-03-01T00:01:00+00:00"
        assert post.extra["handling_unit"] == "某区分中心" and post.extra["category"] == "环保->污染->气味"
        assert post.snapshots[0].role == "import"
        before = session.scalar(select(func.max(Post.updated_at)))
    with session_scope() as session:
        again = import_work_orders(session, data=data, filename=filename, mapping=resolve_mapping(None))
    assert (again.imported, again.unchanged) == (0, 2)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 2
        assert session.scalar(select(func.max(Post.updated_at))) == before


def test_the_default_mapping_fits_the_real_hotline_export(queued_jobs: None) -> None:
    # The evaluation data sits beside the repository (../shared/data), or beside its worktree folder.
    ancestors = Path(__file__).resolve().parents[3:5]
    folders = [folder / "shared" / "data" / "beijing12345" for folder in ancestors]
    files = next((sorted(folder.glob("*workorders*rows.csv")) for folder in folders if folder.is_dir()), [])
    if not files:
        pytest.skip("the evaluation data (../shared/data/beijing12345) is not here")
    from core.db import session_scope
    from crawlers.imports import import_work_orders, resolve_mapping

    for path in files:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        with session_scope() as session:
            report = import_work_orders(
                session, data=path.read_bytes(), filename=path.name, mapping=resolve_mapping(None)
            )
        assert not report.errors, report.errors[:5]
        # Every row is a work order stored (or already stored by an earlier file): none is lost.
        assert rows and report.imported + report.unchanged == len(rows)


def test_a_file_without_the_mapped_columns_is_refused(queued_jobs: None) -> None:
    from core.db import session_scope
    from core.errors import InvalidInput
    from crawlers.imports import import_work_orders, resolve_mapping

    with session_scope() as session, pytest.raises(InvalidInput, match="工单编号"):
        import_work_orders(session, data="编号,内容\n1,x\n".encode(), filename="x.csv", mapping=resolve_mapping(None))


def test_health_warns_when_a_source_is_blind(queued_jobs: None) -> None:
    from core.db import session_scope
    from core.models import CrawlRun
    from core.timeutil import utcnow
    from crawlers.health import source_health
    from crawlers.service import sync_sources
    from crawlers.sources import parse_source

    spec = parse_source({"name": "quiet", "kind": "rss", "start_urls": ["https://x.org/f"], "blind_after_intervals": 2})
    with session_scope() as session:
        source = sync_sources(session, specs=[spec])[0]
        assert source_health(session, source=source).status == "never_run"
        now = utcnow()
        session.add(CrawlRun(source_id=source.id, started_at=now, finished_at=now, status="succeeded", items=3))
        session.flush()
        source.last_productive_at = now
        assert source_health(session, source=source).status == "ok"
        for _ in range(2):
            session.add(CrawlRun(source_id=source.id, started_at=now, finished_at=now, status="failed", errors=1))
        source.consecutive_failures = 2
        session.flush()
        health = source_health(session, source=source)
        assert health.status == "blind" and health.blind and "盲区" in health.message
        quiet = sync_sources(session, specs=[parse_source({**spec.model_dump(), "name": "stale"})])[0]
        session.add(CrawlRun(source_id=quiet.id, started_at=now - timedelta(hours=4), status="succeeded", items=1))
        quiet.last_productive_at = now - timedelta(hours=4)  # 60-minute interval, blind after 2 intervals
        session.flush()
        assert source_health(session, source=quiet).blind
