"""An audit log that holds: no update or delete through the application, a trigger on PostgreSQL, cases are never
deleted, every entry sealed into a hash chain that `muqing audit verify` walks (a row changed by hand is named)."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests.factories import get_user, make_alert, make_user


def _verify(*args: str) -> tuple[int, str]:
    from cli import app

    result = CliRunner().invoke(app, ["audit", "verify", *args])
    return result.exit_code, result.output


def _case_with_history() -> int:
    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from core.db import session_scope

    alert_id = make_alert(title="村头养猪场污水直排河道")
    duty = get_user("duty")
    with session_scope() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        transition(session, alert=alert, actor=duty, action="acknowledge", note="已签收")
        transition(session, alert=alert, actor=duty, action="comment", note="已联系村委会了解情况")
    return alert_id


def test_entries_are_sealed_and_verify_passes_with_a_count(seeded: str) -> None:
    from alerts.cases.models import AlertEvent
    from core.audit_chain import AuditLink
    from core.audit_log import AdminChange
    from core.db import session_scope

    make_user("duty", "duty")
    _case_with_history()
    with session_scope() as session:
        events = session.scalar(select(text("count(*)")).select_from(AlertEvent)) or 0
        changes = session.scalar(select(text("count(*)")).select_from(AdminChange)) or 0
        links = list(session.scalars(select(AuditLink).order_by(AuditLink.seq)))
    assert events >= 3 and changes >= 1  # raise, deadlines, acknowledge, comment; the seeded configuration
    assert len(links) == events + changes
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(links))
    code, output = _verify()
    assert code == 0, output
    assert f"{len(links)} 条记录" in output
    code, output = _verify("--json")
    body = json.loads(output)
    assert code == 0 and body["ok"] is True and body["entries"] == len(links) and body["broken"] is None


def test_a_row_changed_by_hand_is_named_with_what_differs(seeded: str) -> None:
    from core.db import get_engine

    make_user("duty", "duty")
    alert_id = _case_with_history()
    engine = get_engine()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # the trigger refuses it; a superuser switches triggers off
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        target = connection.scalar(
            text("SELECT id FROM alert_event WHERE alert_id = :a AND action = 'comment'"), {"a": alert_id}
        )
        connection.execute(text("UPDATE alert_event SET note = '未联系' WHERE id = :id"), {"id": target})
    code, output = _verify()
    assert code == 1
    assert f"alert_event {target}" in output and "note" in output and "未联系" in output
    code, output = _verify("--json")
    body = json.loads(output)
    assert code == 1 and body["ok"] is False
    assert body["broken"]["log"] == "alert_event" and body["broken"]["id"] == target
    assert body["broken"]["changes"] == [{"field": "note", "sealed": "已联系村委会了解情况", "now": "未联系"}]


def test_a_row_slipped_in_or_removed_by_hand_is_noticed(seeded: str) -> None:
    from core.db import get_engine

    make_user("duty", "duty")
    alert_id = _case_with_history()
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO alert_event (alert_id, at, action, note, data) "
                "VALUES (:a, CURRENT_TIMESTAMP, 'comment', '补录', '{}')"
            ),
            {"a": alert_id},
        )
    code, output = _verify()
    assert code == 1 and "没有封存" in output
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("DELETE FROM alert_event WHERE action = 'acknowledge'"))
    code, output = _verify()
    assert code == 1 and "已被删除" in output


def test_the_application_cannot_update_or_delete_audit_rows(seeded: str) -> None:
    from alerts.cases.models import Alert, AlertEvent
    from core.audit_chain import AuditLink
    from core.audit_log import AdminChange
    from core.db import session_scope
    from core.errors import AppendOnly

    make_user("duty", "duty")
    alert_id = _case_with_history()
    attempts = [
        lambda s: setattr(s.scalars(select(AlertEvent)).first(), "note", "改写"),
        lambda s: s.delete(s.scalars(select(AlertEvent)).first()),
        lambda s: setattr(s.scalars(select(AdminChange)).first(), "note", "改写"),
        lambda s: s.delete(s.scalars(select(AdminChange)).first()),
        lambda s: s.delete(s.scalars(select(AuditLink)).first()),
        lambda s: s.execute(update(AlertEvent).values(note="改写")),
        lambda s: s.execute(delete(AdminChange)),
        lambda s: s.delete(s.get(Alert, alert_id)),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnly), session_scope() as session:
            attempt(session)
            session.flush()
    assert _verify()[0] == 0


def test_the_database_refuses_update_and_delete_on_postgresql(seeded: str) -> None:
    from core.db import get_engine

    engine = get_engine()
    make_user("duty", "duty")
    alert_id = _case_with_history()
    if engine.dialect.name != "postgresql":
        # SQLite has no users to keep out of its file: a hand edit goes through, and the chain names it.
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM alert_event WHERE action = 'comment'"))
        assert _verify()[0] == 1
        return
    statements = [
        "UPDATE alert_event SET note = 'x'",
        "DELETE FROM alert_event",
        "UPDATE admin_change SET note = 'x'",
        "DELETE FROM admin_change",
        "UPDATE audit_chain SET payload = '{}'",
        "DELETE FROM audit_chain",
        f"DELETE FROM alert WHERE id = {alert_id}",  # the log keeps its case: no cascade, and the rows are guarded
    ]
    for statement in statements:
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))
    assert _verify()[0] == 0


# SQLite has no TRUNCATE (nor users to keep out of its file): there the chain names a hand edit.
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_the_database_refuses_truncate_on_postgresql(seeded: str) -> None:
    from core.db import get_engine

    engine = get_engine()
    assert engine.dialect.name == "postgresql"
    make_user("duty", "duty")
    _case_with_history()
    count = "SELECT (SELECT count(*) FROM alert_event), (SELECT count(*) FROM admin_change)"
    with engine.connect() as connection:
        before = tuple(connection.execute(text(count)).one())
    assert before[0] >= 3 and before[1] >= 1
    for table in ("alert_event", "admin_change", "audit_chain", "alert"):
        # CASCADE, or PostgreSQL refuses for the foreign keys before the trigger is asked; a case's log goes
        # with the case table only by cascade, and is refused all the same.
        with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {table} CASCADE"))
        assert "audit log is append-only: TRUNCATE on " in str(refused.value), table
    code, output = _verify()
    assert code == 0, output
    with engine.connect() as connection:
        assert tuple(connection.execute(text(count)).one()) == before


def test_two_writers_at_once_keep_one_chain(seeded: str) -> None:
    from alerts.cases.flows import transition
    from alerts.cases.models import Alert
    from core.db import session_scope
    from core.models import User

    make_user("duty", "duty")
    alert_ids = [make_alert(title=f"第{n}个养殖场粪污外溢问题反映") for n in range(2)]
    duty_id = get_user("duty").id
    errors: list[BaseException] = []

    def write(alert_id: int) -> None:
        try:
            for n in range(6):
                with session_scope() as session:
                    alert, duty = session.get(Alert, alert_id), session.get(User, duty_id)
                    assert alert is not None and duty is not None
                    transition(session, alert=alert, actor=duty, action="comment", note=f"进展 {n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(alert_id,)) for alert_id in alert_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    code, output = _verify()
    assert code == 0, output
