"""Parsers that say when they degrade: each crawl's output is measured and judged against the source's history.

A parser can keep running while it reads the wrong thing after a layout change: titles without text, the
list's cut text instead of the page's, dates it cannot read, the same boilerplate for every post. Each crawl
therefore records, for the items it parsed (kept or not), the share with every required field, the content
lengths, the share of cut ("...", "展开全文") and of duplicate texts, and dates that fail to parse; and for
the stored posts it fetched again (the re-checks), how long their text is now against what was stored.
``judge_run`` compares a run with the source's own recent healthy runs; a drop beyond a threshold makes the
source ``degraded`` (解析异常) with a message that names the measure, until a run reads well again.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import CrawlRun, Source
from crawlers.extract import normalise_text
from crawlers.items import PostItem
from crawlers.pipelines import Pipeline

CUT_MARKERS = ("...", "…", "展开全文", "查看全文", "阅读全文", "显示全部", "[更多]")
MIN_ITEMS = 3
MIN_CUT_ITEMS = 2
MIN_RECHECKED = 2
HISTORY_RUNS = 10
MAX_LENGTHS = 500
# Thresholds: an absolute level that is bad, and how far below (or above) the source's own history it must be.
COMPLETE_BELOW, COMPLETE_DROP = 0.7, 0.2
SHARE_ABOVE, SHARE_RISE = 0.5, 0.3
UNREADABLE_ABOVE, UNREADABLE_RISE = 0.3, 0.2
LENGTH_RATIO, LENGTH_FLOOR = 0.5, 40
SHRUNK_RATIO, SHRUNK_SHARE = 0.6, 0.5
FIELD_LABELS = {"title": "标题", "content": "正文", "published_at": "发布时间"}


def is_cut(text: str) -> bool:
    """True for a text that ends the way a shortened excerpt does."""
    return text.rstrip().endswith(CUT_MARKERS)


@dataclass(slots=True)
class Observer:
    """What one crawl parsed, measured item by item (lives on the spider, reported with the run)."""

    items: int = 0
    complete: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    date_unreadable: int = 0
    unreadable_sample: str | None = None
    truncated: int = 0
    lengths: list[int] = field(default_factory=list)
    digests: dict[str, int] = field(default_factory=dict)
    rechecked: int = 0
    shrunk: int = 0
    stored_lengths: list[int] = field(default_factory=list)
    fresh_lengths: list[int] = field(default_factory=list)

    def observe(self, item: PostItem) -> None:
        """Measure one parsed item."""
        if item.extra.get("refresh_only"):
            return
        title, content = normalise_text(item.title), normalise_text(item.content)
        self.items += 1
        missing = [name for name, value in (("content", content), ("published_at", item.published_at)) if not value]
        if item.title_required and not title:
            missing.insert(0, "title")
        for name in missing:
            self.missing[name] = self.missing.get(name, 0) + 1
        self.complete += 0 if missing else 1
        if item.published_at is None and item.published_at_raw:
            self.date_unreadable += 1
            self.unreadable_sample = self.unreadable_sample or item.published_at_raw[:40]
        if item.extra.get("truncated") or (content and is_cut(content)):
            self.truncated += 1
        if len(self.lengths) < MAX_LENGTHS:
            self.lengths.append(len(content))
        if len(content) >= 10:
            digest = hashlib.sha1(content.encode("utf-8", "surrogatepass")).hexdigest()
            self.digests[digest] = self.digests.get(digest, 0) + 1

    def recheck(self, *, stored: int, fresh: str) -> None:
        """Compare a stored post's text length with what its page gives now."""
        if stored <= 0:
            return
        now = len(normalise_text(fresh))
        self.rechecked += 1
        self.shrunk += 1 if now < stored * SHRUNK_RATIO else 0
        self.stored_lengths.append(stored)
        self.fresh_lengths.append(now)

    def summary(self) -> dict[str, Any]:
        """The run's measures, as stored on the crawl run (``stats.quality``)."""
        duplicates = sum(count for count in self.digests.values() if count > 1)
        return {
            "items": self.items,
            "complete": self.complete,
            "missing": dict(self.missing),
            "date_unreadable": self.date_unreadable,
            "unreadable_sample": self.unreadable_sample,
            "truncated": self.truncated,
            "duplicates": duplicates,
            "median_length": statistics.median(self.lengths) if self.lengths else None,
            "rechecked": self.rechecked,
            "shrunk": self.shrunk,
            "median_stored": statistics.median(self.stored_lengths) if self.stored_lengths else None,
            "median_fresh": statistics.median(self.fresh_lengths) if self.fresh_lengths else None,
        }


class QualityPipeline(Pipeline):
    """Measures every parsed item before cleaning and the relevance gate (which may drop it) see it."""

    def process_item(self, item: PostItem) -> PostItem:
        observer = getattr(self.spider, "quality", None)
        if isinstance(observer, Observer):
            observer.observe(item)
        return item


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a run reads like the source's history; ``measures`` name what dropped."""

    degraded: bool
    message: str = ""
    measures: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Stored with the run (``stats.quality.verdict``)."""
        return {"degraded": self.degraded, "message": self.message, "measures": list(self.measures)}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


@dataclass(slots=True)
class _History:
    items: int = 0
    complete: int = 0
    truncated: int = 0
    duplicates: int = 0
    unreadable: int = 0
    medians: list[float] = field(default_factory=list)

    def add(self, quality: dict[str, Any]) -> None:
        self.items += int(quality.get("items") or 0)
        self.complete += int(quality.get("complete") or 0)
        self.truncated += int(quality.get("truncated") or 0)
        self.duplicates += int(quality.get("duplicates") or 0)
        self.unreadable += int(quality.get("date_unreadable") or 0)
        if quality.get("median_length") is not None and quality.get("items"):
            self.medians.append(float(quality["median_length"]))


def _checks(quality: dict[str, Any], history: _History) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    items = int(quality.get("items") or 0)
    known = history.items > 0
    if items >= MIN_CUT_ITEMS:
        cut = _share(int(quality.get("truncated") or 0), items)
        cut_before = _share(history.truncated, history.items) if known else 0.0
        if cut >= SHARE_ABOVE and cut - cut_before >= SHARE_RISE:
            text = f"正文被截断：{_pct(cut)} 的帖子只有摘要（以“...”等结尾），此前 {_pct(cut_before)}"
            found.append(("truncated", text))
    if items >= MIN_ITEMS:
        complete = _share(int(quality.get("complete") or 0), items)
        before = _share(history.complete, history.items) if known else 1.0
        if complete < COMPLETE_BELOW and before - complete >= COMPLETE_DROP:
            missing = quality.get("missing") or {}
            worst = max(missing, key=lambda name: missing[name]) if missing else "content"
            label = FIELD_LABELS.get(worst, worst)
            share = _pct(_share(int(missing.get(worst, 0)), items))
            found.append((f"missing_{worst}", f"{share} 的帖子缺少{label}（此前 {_pct(before)} 的帖子字段齐全）"))
        unreadable = _share(int(quality.get("date_unreadable") or 0), items)
        unreadable_before = _share(history.unreadable, history.items) if known else 0.0
        if unreadable >= UNREADABLE_ABOVE and unreadable - unreadable_before >= UNREADABLE_RISE:
            sample = quality.get("unreadable_sample")
            found.append(
                (
                    "date_unreadable",
                    f"发布时间无法识别：{_pct(unreadable)} 的帖子" + (f"（如“{sample}”）" if sample else ""),
                )
            )
        duplicates = _share(int(quality.get("duplicates") or 0), items)
        duplicates_before = _share(history.duplicates, history.items) if known else 0.0
        if items > MIN_ITEMS and duplicates >= SHARE_ABOVE and duplicates - duplicates_before >= SHARE_RISE:
            found.append(("duplicates", f"重复文本：{_pct(duplicates)} 的帖子正文完全相同（可能选中了页面的公共部分）"))
        median = quality.get("median_length")
        usual = statistics.median(history.medians) if history.medians else None
        if median is not None and usual is not None and usual >= LENGTH_FLOOR and median < usual * LENGTH_RATIO:
            found.append(("content_length", f"正文长度异常：中位数 {median:.0f} 字，此前约 {usual:.0f} 字"))
    rechecked = int(quality.get("rechecked") or 0)
    if rechecked >= MIN_RECHECKED and _share(int(quality.get("shrunk") or 0), rechecked) >= SHRUNK_SHARE:
        found.append(
            (
                "content_shrunk",
                f"复查已入库的帖子：{quality.get('shrunk')}/{rechecked} 篇的正文比入库时短"
                f"（中位 {quality.get('median_stored') or 0:.0f} 字 → {quality.get('median_fresh') or 0:.0f} 字）",
            )
        )
    return found


def judge_run(session: Session, *, source: Source, run: CrawlRun) -> Verdict:
    """Judge ``run``'s parsing against the source's recent healthy runs; stored on the run and returned."""
    stats = dict(run.stats or {})
    quality = dict(stats.get("quality") or {})
    earlier = list(
        session.scalars(
            select(CrawlRun)
            .where(CrawlRun.source_id == source.id, CrawlRun.id < run.id, CrawlRun.status != "running")
            .order_by(CrawlRun.id.desc())
            .limit(HISTORY_RUNS)
        )
    )
    previous = next(
        ((r.stats or {}).get("quality", {}).get("verdict") for r in earlier if r.stats.get("quality")), None
    )
    if not quality.get("items") and not quality.get("rechecked"):
        # Nothing parsed this time: the source reads as it did last time.
        carried = previous or {}
        verdict = Verdict(
            bool(carried.get("degraded")), str(carried.get("message") or ""), tuple(carried.get("measures") or ())
        )
    else:
        history = _History()
        for earlier_run in earlier:
            past = (earlier_run.stats or {}).get("quality") or {}
            if past.get("items") and not (past.get("verdict") or {}).get("degraded"):
                history.add(past)
        found = _checks(quality, history)
        message = "解析异常：" + "；".join(text for _, text in found) if found else ""
        verdict = Verdict(bool(found), message, tuple(key for key, _ in found))
    quality["verdict"] = verdict.as_dict()
    stats["quality"] = quality
    run.stats = stats
    return verdict


def last_verdict(session: Session, *, source: Source) -> Verdict | None:
    """The verdict of the source's latest judged run."""
    run = session.scalar(
        select(CrawlRun)
        .where(CrawlRun.source_id == source.id, CrawlRun.status != "running")
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )
    verdict = ((run.stats or {}).get("quality") or {}).get("verdict") if run is not None else None
    if not verdict:
        return None
    return Verdict(
        bool(verdict.get("degraded")), str(verdict.get("message") or ""), tuple(verdict.get("measures") or ())
    )
