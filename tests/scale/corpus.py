"""A small corpus of posts we wrote for the search suites: eleven posts, three sources, seven categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alerts.cases.flows import raise_alert
from alerts.cases.models import Alert, AlertPost
from alerts.seed import seed_defaults
from core.db import session_scope
from core.models import OutboxEvent, Section
from core.service import ensure_source, store_post
from tests.factories import label_post


@dataclass(frozen=True, slots=True)
class Example:
    """One post and the analysis it is given."""

    key: str
    source: str
    published: datetime
    title: str
    content: str
    category: str
    severity: str
    sentiment: str
    needs_response: bool


def utc(text: str) -> datetime:
    """An aware UTC time from ``2025-10-01T02:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


EXAMPLES = (
    Example(
        "manure",
        "mailbox",
        utc("2025-10-01T02:00"),
        "村东养猪场粪污直排河沟",
        "我们村东头的养猪场每天夜里把粪污直排进河沟，河水发黑发臭，请尽快查处。",
        "pollution",
        "一般",
        "negative",
        True,
    ),
    Example(
        # 17:30 UTC on 1 October is 01:30 on 2 October in Asia/Shanghai: it counts for 2 October.
        "odour",
        "mailbox",
        utc("2025-10-01T17:30"),
        "养猪场臭味扰民",
        "小区旁边新开了一家养猪场，臭味很大，夏天苍蝇特别多，晚上都不敢开窗。",
        "pollution",
        "一般",
        "negative",
        True,
    ),
    Example(
        "vaccination",
        "news",
        utc("2025-10-02T04:00"),
        "区畜牧中心开展秋季集中免疫",
        "为做好秋季动物防疫工作，全区各镇兽医站开展口蹄疫、禽流感集中免疫，养殖户可就近登记。",
        "epidemic",
        "一般",
        "neutral",
        False,
    ),
    Example(
        "dead-pigs",
        "forum",
        utc("2025-10-04T09:00"),
        "邻居家的猪接连病死",
        "这几天邻居家的猪接连病死了好几头，死猪就扔在路边没人管，会不会是猪瘟？",
        "epidemic",
        "重大",
        "negative",
        True,
    ),
    Example(
        "pork-price",
        "forum",
        utc("2025-10-05T01:00"),
        "菜市场猪肉价格又涨了",
        "菜市场的猪肉一斤涨到十八元，猪肉摊主说进货价也涨了，希望稳定供应。",
        "market",
        "一般",
        "negative",
        False,
    ),
    Example(
        "slaughter",
        "news",
        utc("2025-10-06T03:00"),
        "私屠滥宰窝点被查处",
        "执法人员在城郊查获一处私屠滥宰窝点，现场查扣未经检疫的猪肉两百公斤。",
        "slaughter",
        "一般",
        "neutral",
        False,
    ),
    Example(
        "subsidy",
        "mailbox",
        utc("2025-10-07T06:00"),
        "咨询生猪养殖补贴申请条件",
        "请问今年的生猪规模养殖补贴怎么申请，需要准备哪些材料，到哪里办理？",
        "policy",
        "一般",
        "neutral",
        True,
    ),
    Example(
        "water-beef",
        "forum",
        utc("2025-10-08T12:00"),
        "镇上肉店的牛肉疑似注水",
        "在镇上肉店买的牛肉回家一放全是水，怀疑是注水肉，希望有关部门抽检。",
        "product_safety",
        "较大",
        "negative",
        True,
    ),
    Example(
        "upgrade",
        "news",
        utc("2025-10-09T02:00"),
        "养猪场环保改造完成",
        "经过半年改造，这家养猪场建成了粪污处理设施，周边群众表示满意。",
        "pollution",
        "一般",
        "positive",
        False,
    ),
    Example(
        "rude-staff",
        "mailbox",
        utc("2025-10-10T08:00"),
        "兽医站工作人员态度差",
        "去兽医站办检疫证明，工作人员态度很差，来回跑了三趟才办好。",
        "conduct",
        "一般",
        "negative",
        True,
    ),
    Example(
        # 鸡 and 粪 occur here only inside jieba words (养鸡户, 鸡舍, 鸡粪): found through the character field.
        "poultry",
        "news",
        utc("2025-10-11T03:00"),
        "养鸡户鸡舍禽类成批死亡",
        "镇西养鸡户王某家的鸡舍这两天禽类成批死亡，鸡粪堆在门口没人清理，大家担心是禽流感。",
        "epidemic",
        "一般",
        "negative",
        True,
    ),
)

SOURCES = {"mailbox": "区长信箱", "news": "新闻搜索", "forum": "本地贴吧"}


@dataclass(slots=True)
class Loaded:
    """Post ids by example key, and what the alert layer decided for each post."""

    ids: dict[str, int]
    section: dict[str, str | None]
    alert: dict[str, int | None]

    def keys(self, post_ids: list[int]) -> list[str]:
        """Example keys of ``post_ids``, in order."""
        by_id = {post_id: key for key, post_id in self.ids.items()}
        return [by_id[post_id] for post_id in post_ids]


def store_unanalysed(session: Session, *, url: str, title: str, content: str) -> int:
    """Store a post without queueing its classification (these suites give analyses, never compute them)."""
    post_id = store_post(session, url=url, title=title, content=content).post.id
    session.execute(delete(OutboxEvent).where(OutboxEvent.payload["post_id"].as_integer() == post_id))
    return post_id


def load(examples: tuple[Example, ...] = EXAMPLES) -> Loaded:
    """Store the examples with their analyses, raise alerts for those that need a response."""
    ids: dict[str, int] = {}
    with session_scope() as session:
        seed_defaults(session)
        sources = {
            name: ensure_source(session, name=name, kind="generic", config={}, title=title).id
            for name, title in SOURCES.items()
        }
    for example in examples:
        with session_scope() as session:
            stored = store_post(
                session,
                url=f"https://example.org/{example.key}",
                title=example.title,
                content=example.content,
                source_id=sources[example.source],
                published_at=example.published,
            )
            label_post(
                session,
                post=stored.post,
                category=example.category,
                severity=example.severity,
                needs_response=example.needs_response,
                sentiment=example.sentiment,
            )
            ids[example.key] = stored.post.id
        if example.needs_response:
            with session_scope() as session:
                raise_alert(session, post_id=ids[example.key])
    with session_scope() as session:
        rows = session.execute(
            select(AlertPost.post_id, Alert.id, Section.code)
            .join(Alert, Alert.id == AlertPost.alert_id)
            .outerjoin(Section, Section.id == Alert.section_id)
        ).all()
    by_post = {post_id: (alert_id, code) for post_id, alert_id, code in rows}
    return Loaded(
        ids=ids,
        section={key: by_post.get(post_id, (None, None))[1] for key, post_id in ids.items()},
        alert={key: by_post.get(post_id, (None, None))[0] for key, post_id in ids.items()},
    )
