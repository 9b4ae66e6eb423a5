"""Administration pages: users and roles, sections, routing rules with "try a text", SLA policies."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_user
from tests.web.helpers import csrf_of, post_form, sign_in


def test_admin_creates_a_user_who_can_sign_in(client: TestClient, people: None) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "production-staff" in page.text
    response = client.post(
        "/admin/users",
        data={
            "username": "epidemic-staff",
            "display_name": "赵干事",
            "role": "staff",
            "section_id": "",
            "password": "a-long-password",
            "csrf": csrf_of(page.text),
        },
    )
    assert response.status_code == 422 and "必须选择科室" in response.text
    section = _section_id("epidemic")
    response = post_form(
        client,
        "/admin/users",
        {
            "username": "epidemic-staff",
            "display_name": "赵干事",
            "role": "staff",
            "section_id": str(section),
            "password": "a-long-password",
        },
    )
    assert "已创建" in response.text and "赵干事" in response.text  # type: ignore[attr-defined]
    client.cookies.clear()
    sign_in(client, "epidemic-staff", password="a-long-password")
    assert "动物疫病防控科工作台" in client.get("/workbench").text


def test_deactivating_a_user_ends_their_sessions(client: TestClient, people: None) -> None:
    from fastapi.testclient import TestClient as Browser

    from cli.asgi import create_app
    from core.models import User

    make_user("admin", "admin")
    with Browser(create_app()) as other:
        sign_in(other, "duty")
        assert other.get("/console").status_code == 200
        sign_in(client, "admin")
        duty_id = _user_id("duty")
        post_form(client, f"/admin/users/{duty_id}", {"display_name": "值班员", "role": "duty"}, page="/admin/users")
        response = other.get("/console", follow_redirects=False)
        assert response.status_code == 303
    from core.db import session_scope

    with session_scope() as session:
        assert session.scalar(select(User.active).where(User.id == duty_id)) is False


def test_try_a_text_shows_where_it_would_go(client: TestClient, people: None, trained_model: str) -> None:
    make_user("admin", "admin")
    sign_in(client, "admin")
    response = post_form(
        client,
        "/admin/routing/try",
        {"text": "柳河镇有一家养猪场天天往河里排粪水，臭得不行，请环保和畜牧部门管一管"},
        page="/admin/routing",
    )
    text = response.text  # type: ignore[attr-defined]
    assert "养殖污染" in text and "畜牧生产科" in text and "规则「养殖污染」" in text


def test_admin_adds_a_keyword_rule_and_edits_a_time_limit(client: TestClient, people: None) -> None:
    from alerts.routing.models import RoutingRule
    from alerts.sla.models import SlaPolicy
    from core.db import session_scope

    make_user("admin", "admin")
    sign_in(client, "admin")
    response = post_form(
        client,
        "/admin/routing",
        {
            "name": "狂犬病",
            "priority": "10",
            "section_id": str(_section_id("epidemic")),
            "co_section_ids": [str(_section_id("vetstation"))],
            "keywords": "狂犬病，狂犬疫苗",
            "enabled": "1",
        },
        page="/admin/routing",
    )
    assert "已保存" in response.text  # type: ignore[attr-defined]
    with session_scope() as session:
        rule = session.scalars(select(RoutingRule).where(RoutingRule.name == "狂犬病")).one()
        assert rule.match == {"keywords": ["狂犬病", "狂犬疫苗"]} and rule.priority == 10
        policy_id = session.scalars(select(SlaPolicy.id).where(SlaPolicy.name == "一般")).one()
    response = post_form(
        client,
        f"/admin/sla/{policy_id}",
        {"ack_amount": "2", "ack_unit": "working_days", "close_amount": "", "close_unit": "working_days"},
        page="/admin/sla",
    )
    assert "签收和办结时限必须填写" in response.text  # type: ignore[attr-defined]
    post_form(
        client,
        f"/admin/sla/{policy_id}",
        {
            "ack_amount": "2",
            "ack_unit": "working_days",
            "response_amount": "3",
            "response_unit": "working_days",
            "close_amount": "10",
            "close_unit": "working_days",
            "enabled": "1",
        },
        page="/admin/sla",
    )
    with session_scope() as session:
        policy = session.get(SlaPolicy, policy_id)
        assert policy is not None and policy.limits["close"] == {"amount": 10, "unit": "working_days"}


def _section_id(code: str) -> int:
    from core.db import session_scope
    from core.models import Section

    with session_scope() as session:
        return session.scalars(select(Section.id).where(Section.code == code)).one()


def _user_id(username: str) -> int:
    from core.db import session_scope
    from core.models import User

    with session_scope() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def test_a_correction_from_the_alert_page_reaches_the_feedback_queue(client: TestClient, people: None) -> None:
    from tests.factories import make_alert

    make_user("admin", "admin")
    alert_id = make_alert(title="双塘镇养鸡场鸡粪乱堆", category="pollution")
    sign_in(client, "production-staff")
    page = client.get(f"/alerts/{alert_id}")
    post_id = int(page.text.split('action="/posts/')[1].split("/")[0])
    response = client.post(
        f"/posts/{post_id}/feedback",
        data={
            "kind": "wrong_category",
            "category": "epidemic",
            "note": "鸡群死亡，应为疫病",
            "back": f"/alerts/{alert_id}",
            "csrf": csrf_of(page.text),
        },
    )
    assert response.status_code == 200 and "已记录纠错" in response.text
    client.cookies.clear()
    sign_in(client, "admin")
    queue = client.get("/admin/feedback")
    assert "类别错误" in queue.text and "动物疫病防控" in queue.text and "鸡群死亡，应为疫病" in queue.text
    assert "待学习" in queue.text
    assert client.get("/admin/models").status_code == 200
