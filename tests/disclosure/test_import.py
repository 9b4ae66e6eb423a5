"""Importing a register from CSV or XLSX with a column mapping: good rows kept, bad rows named, size bounded."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import Workbook

from alerts.disclosure.imports import MAX_BYTES, MAX_ROWS
from tests.disclosure.conftest import Desk
from tests.web.helpers import csrf_of, sign_in

HEADER = "收到申请时间,申请人类型,申请单位或个人,申请方式,申请内容,告知补正时间,答复时间,办理结果,理由\n"


def test_a_csv_register_with_a_renamed_column_keeps_good_rows_and_names_bad_ones(
    desk: Callable[[str, str], Desk],
) -> None:
    office = desk("office-staff", "2026-01-12 10:00")
    rows = [
        "2025-03-02,自然人,赵某,信函,2024年防疫补助名单,,2025-03-20,予以公开,",  # row 2: answered, register only
        "2025/12/29 10:00,商业企业,某饲料公司,网络,饲料抽检结果,,,结转下年度,",  # row 3: open, gets its case
        "2025-04-01,个人,钱某,当面,某文件,,2025-04-10,予以公开,",  # row 4: not a format column
        "2025-04-31,自然人,孙某,当面,某文件,,,,",  # row 5: no such day
        "2025-05-06,自然人,李某,传真,,,,,",  # row 6: nothing asked for
        "2025-06-02,社会公益组织,某协会,电子邮件,某通知,2025-06-05,2025-07-01,其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请,",
        "2025-06-09,自然人,周某,网络,某批复,,2025-06-20,不予公开,涉及隐私",  # row 8: not a statutory reason
    ]
    data = (HEADER + "\n".join(rows) + "\n").encode("utf-8-sig")
    result = office.call(
        "POST",
        "/api/disclosure/requests/import",
        files={"file": ("登记簿.csv", data, "text/csv")},
        data={"mapping": json.dumps({"applicant_name": "申请单位或个人"}, ensure_ascii=False)},
    )
    assert result["imported"] == 3
    assert [(e["row"], e["field"]) for e in result["errors"]] == [
        (4, "applicant_type"),
        (5, "received_at"),
        (6, "information"),
        (8, "reason"),
    ]
    assert "2025-04-31" in result["errors"][1]["reason"]
    entries = {e["applicant_name"]: e for e in office.call("GET", "/api/disclosure/requests")["items"]}
    assert set(entries) == {"赵某", "某饲料公司", "某协会"}
    assert entries["赵某"]["case"] is None and entries["赵某"]["outcome_label"] == "予以公开"
    assert entries["某饲料公司"]["case"] is not None and entries["某饲料公司"]["status"] == "open"
    assert entries["某协会"]["outcome"] == "other" and entries["某协会"]["reason"] == "no_correction"
    # The mapping names only fields the register has.
    refused = office.call(
        "POST",
        "/api/disclosure/requests/import",
        422,
        files={"file": ("a.csv", data, "text/csv")},
        data={"mapping": json.dumps({"colour": "颜色"})},
    )
    assert refused["details"]["field"] == "mapping.colour"


def test_an_xlsx_register_through_the_page_and_the_bounds(client: TestClient, desk: Callable[[str, str], Desk]) -> None:
    desk("office-staff", "2026-01-12 10:00")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["收到时间", "申请人类型", "申请人", "收到方式", "申请公开的政府信息", "答复日期", "办理结果", "理由"])
    sheet.append(
        [
            "2025-08-01",
            "科研机构",
            "某研究院",
            "电子邮件",
            "监测报告",
            "2025-08-20",
            "无法提供",
            "本机关不掌握相关政府信息",
        ]
    )
    sheet.append(
        ["2025-08-02", "法律服务机构", "某律所", "当面", "处罚决定", "2025-08-05", "不予处理", "信访举报投诉类申请"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    sign_in(client, "office-staff")
    token = csrf_of(client.get("/disclosure/import").text)
    page = client.post(
        "/disclosure/import",
        data={"csrf": token},
        files={"file": ("register.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert page.status_code == 200 and "已登记 2 条" in page.text, re.findall(r"error banner[^>]*>([^<]*)", page.text)

    too_big = client.post(
        "/disclosure/import",
        data={"csrf": token},
        files={"file": ("big.csv", b"x" * (MAX_BYTES + 1), "text/csv")},
    )
    assert too_big.status_code == 400 and "文件超过 5 MB" in too_big.text
    many = HEADER + "2025-03-02,自然人,某,信函,某文件,,2025-03-20,予以公开,\n" * (MAX_ROWS + 1)
    too_long = client.post(
        "/disclosure/import", data={"csrf": token}, files={"file": ("long.csv", many.encode(), "text/csv")}
    )
    assert too_long.status_code == 400 and "5000 行" in too_long.text
    report = client.get("/disclosure/reports/2025").text
    assert "✗" not in report
