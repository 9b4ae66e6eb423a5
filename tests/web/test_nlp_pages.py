"""Classifier pages: reasons marked in the post, the labelling queue clicked through, the model card."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import label_post, make_user
from tests.web.test_pages import csrf_of, sign_in


def _alert_with_reasons(title: str, content: str, reasons: list[dict[str, object]]) -> int:
    from alerts.cases.flows import raise_alert
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        post = store_post(session, url=None, title=title, content=content).post
        label_post(session, post=post, category="pollution", reasons=reasons)
        session.flush()
        alert = raise_alert(session, post_id=post.id)
        assert alert is not None
        return alert.id


def test_the_alert_page_marks_each_reason_in_the_post_and_escapes_the_rest(client: TestClient, people: None) -> None:
    alert_id = _alert_with_reasons(
        "投诉",
        "村口的养猪场把猪粪排进河里<script>alert(1)</script>，第三次反映了，养猪场还在排。",
        [
            {"term": "养猪场", "weight": 1.2, "field": "text", "start": 3, "end": 6},
            {"term": "猪粪", "weight": 0.8, "field": "text", "start": 7, "end": 9},
            {"term": "第三次", "weight": 1.0, "rule": "重复投诉", "raise_to": "较大"},
        ],
    )
    sign_in(client, "duty")
    page = client.get(f"/alerts/{alert_id}").text
    assert page.count('<mark class="reason" title="研判依据（权重 1.20）">养猪场</mark>') == 2
    assert '<mark class="reason" title="研判依据（权重 0.80）">猪粪</mark>' in page
    assert '<mark class="reason rule" title="重复投诉（权重 1.00）">第三次</mark>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_duty_labels_an_uncertain_post_in_one_click(client: TestClient, people: None, trained_model: str) -> None:
    from core.db import session_scope
    from core.service import store_post
    from nlp.models import Feedback, Uncertain

    with session_scope() as session:
        post = store_post(session, url=None, title="咨询", content="小区门口有人卖活鸡，鸡笼旁边有点臭。").post
        session.flush()
        session.add(
            Uncertain(
                post=post,
                model_version=trained_model,
                p_relevant=0.96,
                category="epidemic",
                p_category=0.41,
                runner_up="pollution",
                uncertainty=0.9,
            )
        )
        post_id = post.id
    sign_in(client, "duty")
    page = client.get("/labelling").text
    assert "待标注" in page and "小区门口有人卖活鸡" in page and "动物疫病防控" in page and "不确定度 0.90" in page
    assert f'action="/labelling/{post_id}"' in page and 'value="other"' in page
    done = client.post(
        f"/labelling/{post_id}", data={"category": "epidemic", "csrf": csrf_of(page)}, follow_redirects=True
    )
    assert done.status_code == 200 and "已标注" in done.text and "小区门口有人卖活鸡" not in done.text
    with session_scope() as session:
        stored = session.scalar(select(Feedback).where(Feedback.post_id == post_id))
        assert stored is not None and stored.kind == "labelled" and stored.category == "epidemic"
    refused = client.post(f"/labelling/{post_id}", data={"category": "weather", "csrf": csrf_of(page)})
    assert refused.status_code == 422 and "类别无效" in refused.text
    client.cookies.clear()  # another person, in another browser
    sign_in(client, "production-staff")
    assert client.get("/labelling").status_code == 403


def test_the_admin_sees_each_version_s_figures_and_its_model_card(
    client: TestClient, people: None, trained_model: str
) -> None:
    from nlp.registry import read_meta

    make_user("admin", "admin")
    sign_in(client, "admin")
    check = read_meta(trained_model)["card"]["check"]
    listing = client.get("/admin/models").text
    assert f'href="/admin/models/{trained_model}"' in listing
    assert "%.1f%%" % (check["f1"] * 100) in listing and "固定核验集" in listing
    card = client.get(f"/admin/models/{trained_model}").text
    assert "模型卡" in card and "训练数据（按类别）" in card and "混淆矩阵" in card
    assert "北京时间" in card and "误报关键词陷阱" in card and "养殖污染" in card
    assert client.get("/admin/models/no-such-version").status_code == 404
