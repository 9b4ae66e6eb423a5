"""Work orders become cases: the classifier's suggestion first, then one case per order (alerts.hotline).

Used by every way orders arrive: ``muqing import``, the import upload (API and page) and the city platform's
push (``POST /api/hotline/orders``). It lives here because it takes both the classifier (nlp) and the cases
(alerts), which do not import each other.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from alerts.hotline import is_order, order_cases
from alerts.models import Alert
from core.models import Analysis, Post
from nlp.service import analyze_post


def open_cases(session: Session, *, post_ids: list[int]) -> list[Alert]:
    """Analyse each imported work order (a suggestion, never a gate) and open its case; in the caller's transaction."""
    orders: list[tuple[Post, Analysis | None]] = []
    for post_id in post_ids:
        post = session.get(Post, post_id)
        if post is not None and is_order(post):
            orders.append((post, analyze_post(session, post_id=post.id)))
    return order_cases(session, orders=orders)
