"""``web.pages.committing``: a form's writes are committed, or rolled back and its page is shown instead."""

from __future__ import annotations

import pytest
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from core.errors import Conflict, InvalidInput, NotFound
from web.pages import ShownInstead, committing


def _codes() -> set[str]:
    from core.db import session_scope
    from core.models import Section

    with session_scope() as session:
        return set(session.scalars(select(Section.code).where(Section.code.like("tidy-%"))))


def _page(exc: Conflict) -> HTMLResponse:
    return HTMLResponse(f"<p>{exc.message}</p>", status_code=409)


def test_a_form_that_succeeds_is_committed(db: str) -> None:
    from core.db import session_factory
    from core.service import create_section

    with session_factory()() as session, committing(session, Conflict, shown=_page):
        create_section(session, code="tidy-a", name="甲科")
    assert _codes() == {"tidy-a"}


def test_a_refused_form_keeps_nothing_and_answers_with_its_page(db: str) -> None:
    from core.db import session_factory
    from core.service import create_section

    with session_factory()() as session:
        with committing(session, Conflict, shown=_page):
            create_section(session, code="tidy-a", name="甲科")
        with pytest.raises(ShownInstead) as shown, committing(session, Conflict, shown=_page):
            create_section(session, code="tidy-b", name="乙科")
            create_section(session, code="tidy-a", name="又一个甲科")
        assert shown.value.response.status_code == 409
        assert "科室代码 tidy-a 已存在" in bytes(shown.value.response.body).decode()
        assert isinstance(shown.value.__cause__, Conflict)
        # The session is usable again after the rollback (the page read through it).
        create_section(session, code="tidy-c", name="丙科")
        session.commit()
    assert _codes() == {"tidy-a", "tidy-c"}


def test_other_errors_pass_through_and_a_page_that_refuses_to_show_raises_after_the_rollback(db: str) -> None:
    from core.db import session_factory
    from core.service import create_section

    def not_shown(exc: Conflict) -> HTMLResponse:
        raise NotFound("不存在") from exc

    with session_factory()() as session:
        with pytest.raises(InvalidInput), committing(session, Conflict, shown=_page):
            create_section(session, code="tidy-d", name="丁科")
            raise InvalidInput("不在所列错误之内")
        session.rollback()
        with pytest.raises(NotFound), committing(session, Conflict, shown=not_shown):
            create_section(session, code="tidy-e", name="戊科")
            create_section(session, code="tidy-e", name="又一个戊科")
    assert _codes() == set()


def test_committing_needs_the_errors_it_shows() -> None:
    with pytest.raises(TypeError), committing(None, shown=_page):  # type: ignore[arg-type]
        pass
