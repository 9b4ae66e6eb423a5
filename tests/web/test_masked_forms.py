"""Edit forms show stored text masked; sent back, nothing is lost (SQLite, PostgreSQL).

Each form is read from its page and submitted as a browser would, with every field as shown: saved
unchanged, the stored original stays (a phone or room number is not overwritten by stars); edited, the new
text is stored with the masked parts the user did not touch restored.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from tests.factories import get_user, make_user
from tests.web.helpers import sign_in

HOTLINE, MOBILE = "0731-84512345", "13800138000"


class _Form(HTMLParser):
    """The fields of the first form posting to ``action``, with the values the page shows in them."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = named.get("action") == self.action and not self.fields
        elif not self.inside:
            return
        elif tag == "input" and named.get("name") and named.get("type") not in ("checkbox", "submit"):
            self.fields[named["name"]] = named.get("value", "")
        elif tag == "input" and named.get("type") == "checkbox" and "checked" in named:
            self.fields[named["name"]] = named.get("value", "on")
        elif tag == "textarea":
            self._textarea = named["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = named["name"]
        elif tag == "option" and self._select and ("selected" in named or self._select not in self.fields):
            self.fields[self._select] = named.get("value", "")

    def handle_data(self, data: str) -> None:
        if self.inside and self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    fields: dict[str, str]


def shown_form(client: TestClient, page: str, action: str) -> dict[str, str]:
    parser = _Form(action)
    parser.feed(client.get(page).text)
    assert parser.fields, f"no form to {action} on {page}"
    # A textarea's first newline is not part of its value.
    return {key: unescape(value).removeprefix("\n") for key, value in parser.fields.items()}


def submit(client: TestClient, action: str, fields: dict[str, str]) -> None:
    response = client.post(action, data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text[:800]


def test_a_statement_saved_unchanged_keeps_its_hotline_and_an_edit_keeps_both(client: TestClient, people: None) -> None:
    from alerts.statements.models import Statement
    from alerts.statements.schemas import StatementIn
    from alerts.statements.service import create_statement
    from core.db import session_scope

    wording = f"如有疑问，请拨打{HOTLINE}咨询，或联系值班员王明 {MOBILE}。"
    with session_scope() as session:
        data = StatementIn(
            category="pollution",
            topic="粪污臭味",
            wording=wording,
            keywords=["粪污"],
            approved_by="主任办公会",
            valid_from="2020-01-01",
        )
        statement_id = create_statement(session, actor=get_user("production-head"), data=data).id
    sign_in(client, "production-head")
    action = f"/statements/{statement_id}"
    fields = shown_form(client, "/statements", action)
    assert fields["wording"] == "如有疑问，请拨打0731-****2345咨询，或联系值班员王* 138****8000。", "shown masked"
    submit(client, action, fields)
    with session_scope() as session:
        assert session.get(Statement, statement_id).wording == wording  # type: ignore[union-attr]
    fields = shown_form(client, "/statements", action)
    submit(client, action, {**fields, "wording": fields["wording"] + "节假日照常受理。", "topic": "粪污臭味扰民"})
    with session_scope() as session:
        row = session.get(Statement, statement_id)
        assert row is not None and (row.wording, row.topic) == (wording + "节假日照常受理。", "粪污臭味扰民")


def test_a_section_saved_unchanged_keeps_its_room_and_phone(client: TestClient, people: None) -> None:
    from core.db import session_scope
    from core.models import Section

    make_user("admin", "admin")
    description = f"政务中心3栋305室，电话{HOTLINE}"
    with session_scope() as session:
        section = session.query(Section).filter_by(code="production").one()
        section.description = description
        section_id = section.id
    sign_in(client, "admin")
    action = f"/admin/sections/{section_id}"
    fields = shown_form(client, "/admin/sections", action)
    assert fields["description"] == "政务中心*栋***室，电话0731-****2345"
    submit(client, action, fields)
    with session_scope() as session:
        assert session.get(Section, section_id).description == description  # type: ignore[union-attr]
    submit(client, action, {**fields, "description": "政务中心4栋101室"})
    with session_scope() as session:
        assert session.get(Section, section_id).description == "政务中心4栋101室"  # type: ignore[union-attr]


def test_a_disclosure_correction_keeps_the_applicants_numbers_it_did_not_touch(
    client: TestClient, people: None
) -> None:
    from alerts.disclosure.models import DisclosureRequest
    from alerts.disclosure.schemas import RequestIn
    from alerts.disclosure.service import register_request
    from core.db import session_scope

    information = "申请人身份证号110101199003071234，请求公开本村养殖场环评批复。"
    with session_scope() as session:
        data = RequestIn(
            applicant_type="natural",
            received_via="letter",
            applicant_name="张三",
            applicant_contact=f"手机{MOBILE}",
            information=information,
        )
        request_id = register_request(session, actor=get_user("duty"), data=data).id
    sign_in(client, "duty")
    page, action = f"/disclosure/requests/{request_id}", f"/disclosure/requests/{request_id}/edit"
    fields = shown_form(client, page, action)
    assert fields["applicant_contact"] == "手机138****8000" and "1101**********1234" in fields["information"]
    submit(client, action, {**fields, "information": fields["information"].replace("环评批复", "环评批复全文")})
    with session_scope() as session:
        entry = session.get(DisclosureRequest, request_id)
        assert entry is not None
        assert (entry.applicant_name, entry.applicant_contact) == ("张三", f"手机{MOBILE}")
        assert entry.information == information.replace("环评批复", "环评批复全文")
    assert re.search(r"138\*{4}8000", client.get(page).text), "the page still shows it masked"


def test_an_email_channel_saved_unchanged_keeps_its_recipients(client: TestClient, people: None) -> None:
    from alerts.notify.models import NotificationChannel
    from alerts.notify.schemas import ChannelIn
    from alerts.notify.service import save_channel
    from core.db import session_scope

    make_user("admin", "admin")
    recipients = [f"{MOBILE}@139.com", "office@example.org"]
    with session_scope() as session:
        data = ChannelIn(name="值班邮箱", kind="email", config={"to": recipients})
        channel_id = save_channel(session, data=data).id
    sign_in(client, "admin")
    fields = shown_form(client, f"/admin/channels?edit={channel_id}", "/admin/channels")
    assert fields["id"] == str(channel_id) and fields["to"] == "138****8000@139.com，office@example.org"
    submit(client, "/admin/channels", fields)
    with session_scope() as session:
        assert session.get(NotificationChannel, channel_id).config["to"] == recipients  # type: ignore[union-attr]
    submit(client, "/admin/channels", {**fields, "to": "office@example.org，138****8000@139.com，duty@example.org"})
    with session_scope() as session:
        channel = session.get(NotificationChannel, channel_id)
        assert channel is not None
        assert channel.config["to"] == ["office@example.org", f"{MOBILE}@139.com", "duty@example.org"]


def test_a_search_shows_back_what_was_typed_so_sending_it_again_finds_the_same(
    client: TestClient, people: None
) -> None:
    # Masked, the box would hold 138****8000: the next search (or the next page) would look for the stars.
    sign_in(client, "duty")
    for page, box in (("/search", 'name="q" value="{}"'), ("/alerts", 'name="q" value="{}"')):
        typed = f"王先生 {MOBILE}"
        shown = client.get(page, params={"q": typed})
        assert shown.status_code == 200
        assert box.format(typed) in shown.text, page
