"""Imports under hostile or broken files and on a busy SQLite: bounded, committed in chunks, never a 500."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.conftest import Login
from tests.factories import make_user

HEADER = ["工单编号", "标题", "主要内容", "来电时间"]


def _rows(count: int, start: int = 1) -> list[list[str]]:
    return [
        [f"GD{n:06d}", f"第{n}号工单：养殖场异味", f"第{n}号村民反映养殖场异味扰民", "2026-03-01 09:00:00"]
        for n in range(start, start + count)
    ]


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change.get(item.filename, source.read(item.filename)))
        for name, body in change.items():
            if name not in source.namelist():
                target.writestr(name, body)
    return out.getvalue()


def _broken_after(rows: int, keep: int) -> bytes:
    """A workbook of ``rows`` rows whose sheet is cut off (invalid XML) after about ``keep`` rows."""
    data = _xlsx(_rows(rows))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(f'<row r="{keep + 2}"'.encode())
    return _rezip(data, {"xl/worksheets/sheet1.xml": sheet[:cut] + b"<row r=<<garbage"})


@pytest.fixture
def duty(client: TestClient, login: Login) -> dict[str, str]:
    make_user("duty", "duty")
    return login("duty")


def test_an_xlsx_bomb_is_refused_before_it_is_parsed(client: TestClient, duty: dict[str, str]) -> None:
    bomb = _rezip(_xlsx(_rows(2)), {"xl/sharedStrings.xml": b"<sst>" + b" " * (40 * 1024 * 1024) + b"</sst>"})
    assert len(bomb) < 200 * 1024
    files = {"file": ("bomb.xlsx", bomb, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    refused = client.post("/api/posts/import", headers=duty, files=files)
    assert refused.status_code == 422 and "压缩" in refused.json()["detail"]
    assert refused.json()["details"]["field"] == "file"


def test_a_workbook_broken_after_the_header_keeps_the_rows_before_and_says_where(
    client: TestClient, duty: dict[str, str]
) -> None:
    files = {"file": ("orders.xlsx", _broken_after(30, keep=12), "application/octet-stream")}
    response = client.post("/api/posts/import", headers=duty, files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["imported"] == 12
    assert [error["row"] for error in report["errors"]] == [14] and "损坏" in report["errors"][0]["reason"]
    not_a_zip = {"file": ("orders.xlsx", b"PK\x03\x04 this is not a workbook", "application/octet-stream")}
    refused = client.post("/api/posts/import", headers=duty, files=not_a_zip)
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "file"


def test_muqing_import_of_a_broken_workbook_explains_without_a_traceback(db: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli import app

    path = tmp_path / "orders.xlsx"
    path.write_bytes(_broken_after(10, keep=4))
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入 4 条" in result.output and "第 6 行" in result.output and "损坏" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_long_import_commits_in_chunks_that_readers_see_at_once(
    db: str, queued_jobs: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from core.db import session_scope
    from crawlers import imports
    from tests.conftest import reload_settings

    # What is asserted is how the rows are committed: the 1,300 analyses (jobs) wait in a queue of the test's
    # own instead of running inline, as they would wait for the job runner in production.
    monkeypatch.setenv("MUQING_DATA_DIR", str(tmp_path))
    reload_settings()

    path = db.removeprefix("sqlite:///")
    seen: list[int] = []
    store = imports._store_chunk

    def chunk_and_look(*args: object, **kwargs: object) -> None:
        # Another connection, as another process would read: what has the import committed so far?
        with sqlite3.connect(path, timeout=1) as reader:
            seen.append(reader.execute("SELECT count(*) FROM post").fetchone()[0])
        store(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "_store_chunk", chunk_and_look)
    data = ("\n".join([",".join(HEADER), *(",".join(row) for row in _rows(1300))]) + "\n").encode()
    with session_scope() as session:
        report = imports.import_work_orders(
            session, data=data, filename="orders.csv", mapping=imports.resolve_mapping(None)
        )
    assert report.imported == 1300
    assert seen == [0, 500, 1000]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_reads_do_not_wait_for_the_writer_and_a_write_lock_timeout_is_a_503(
    client: TestClient, duty: dict[str, str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.db

    monkeypatch.setattr(core.db, "BUSY_TIMEOUT_SECONDS", 1)
    writer = sqlite3.connect(db.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        # The writer never lets go here: a read that waited for the lock would end in the 1 s busy 503, not a 200.
        assert client.get("/api/alerts", headers=duty).status_code == 200
        assert client.get("/api/posts", headers=duty).status_code == 200
        written = client.post("/api/alerts", headers=duty, json={"title": "来电", "content": "养殖场异味扰民"})
        assert written.status_code == 503, written.text
        assert written.json()["code"] == "service_unavailable" and written.headers["retry-after"]
        assert "正忙" in written.json()["detail"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
