"""Synthetic posts for the benches: our own phrases, recombined at random (seeded, so runs compare)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PLACES = ["柳河镇", "东坡村", "北沟村", "青石镇", "南湾村", "石桥乡", "杨庄村", "西岭镇", "河口村", "新集镇"]
FARMS = ["养猪场", "养鸡场", "养牛场", "鸭棚", "羊圈", "屠宰点", "肉店", "饲料店", "兽药店", "兽医站"]
COMPLAINTS = [
    ("粪污直排河沟，河水发黑发臭", "pollution"),
    ("臭味很大，晚上不敢开窗", "pollution"),
    ("苍蝇成群，影响周边居民生活", "pollution"),
    ("半夜私自屠宰，肉不经检疫就卖", "slaughter"),
    ("死猪扔在路边没人处理", "epidemic"),
    ("鸡成批死亡，担心是禽流感", "epidemic"),
    ("猪肉疑似注水，买回家全是水", "product_safety"),
    ("卖的兽药没有批准文号", "product_safety"),
    ("工作人员态度很差，来回跑了好几趟", "conduct"),
    ("补贴申请了半年还没有消息", "policy"),
]
NEWS = [
    ("开展秋季重大动物疫病集中免疫", "epidemic"),
    ("举办养殖技术培训，养殖户踊跃参加", "policy"),
    ("猪肉价格与上周基本持平，供应充足", "market"),
    ("完成粪污处理设施改造，群众表示满意", "pollution"),
    ("开展畜产品质量安全抽检，结果全部合格", "product_safety"),
]
ASKS = ["请有关部门尽快处理。", "希望领导重视。", "多次反映没人管。", "请尽快查处。", ""]
SOURCES = ["mailbox", "news", "forum", "weibo", "hotline"]
SENTIMENTS = ["negative", "neutral", "positive"]
SEVERITIES = ["一般", "一般", "一般", "较大", "重大"]
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SyntheticPost:
    """One invented post and the labels a bench may give it."""

    number: int
    title: str
    content: str
    category: str
    source: str
    sentiment: str
    severity: str
    complaint: bool
    published: datetime


def posts(count: int, *, seed: int = 20251001) -> Iterator[SyntheticPost]:
    """``count`` posts: about two thirds complaints that need an answer, the rest news."""
    rng = random.Random(seed)
    for number in range(count):
        place, farm = rng.choice(PLACES), rng.choice(FARMS)
        published = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
        if rng.random() < 0.66:
            issue, category = rng.choice(COMPLAINTS)
            title = f"{place}{farm}{issue.split('，')[0]}"
            content = f"{place}有一家{farm}，{issue}。{rng.choice(ASKS)}{rng.choice(ASKS)}"
            sentiment, complaint = "negative", True
        else:
            issue, category = rng.choice(NEWS)
            title = f"{place}{issue.split('，')[0]}"
            content = f"近日，{place}{issue}。{place}{farm}负责人介绍了有关情况。"
            sentiment, complaint = rng.choice(SENTIMENTS[1:]), False
        yield SyntheticPost(
            number=number,
            title=title,
            content=content,
            category=category,
            source=rng.choice(SOURCES),
            sentiment=sentiment,
            severity=rng.choice(SEVERITIES),
            complaint=complaint,
            published=published,
        )
