"""Source health for duty staff: last success, consecutive failures, and the "blind" warning (盲区).

A source is blind when its last ``blind_after_intervals`` crawls (default 3) all produced nothing or only
errors, or when nothing was collected for that many intervals since its first crawl (a stopped scheduler
makes the system blind too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import CrawlRun, Source
from core.timeutil import utcnow
from crawlers.sources import KINDS

DEFAULT_BLIND_AFTER = 3
# Sources filled by hand (crawlers.intake); named here to keep intake and health apart.
MANUAL_SOURCE_NAMES = frozenset({"manual-url", "manual"})
STATUS_LABELS = {
    "ok": "正常",
    "failing": "失败",
    "blind": "盲区",
    "never_run": "从未抓取",
    "running": "抓取中",
    "disabled": "已停用",
    "manual": "人工录入",
    "degraded": "解析异常",
    "robots_blocked": "robots.txt 禁止",
}


@dataclass(frozen=True, slots=True)
class Health:
    """How a source is doing, in a word and a sentence."""

    status: str
    blind: bool
    message: str
    last_run_id: int | None
    last_run_status: str | None
    last_run_at: datetime | None

    @property
    def label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS.get(self.status, self.status)


def _productive(run: CrawlRun) -> bool:
    return run.status == "succeeded" and (run.items > 0 or run.stored > 0)


def source_health(session: Session, *, source: Source, now: datetime | None = None) -> Health:
    """The health of one source, from its recorded crawl runs."""
    now = now or utcnow()
    blind_after = int((source.config or {}).get("blind_after_intervals") or DEFAULT_BLIND_AFTER)
    runs = list(
        session.scalars(
            select(CrawlRun).where(CrawlRun.source_id == source.id).order_by(CrawlRun.id.desc()).limit(blind_after)
        )
    )
    last = runs[0] if runs else None
    facts = (last.id, last.status, last.finished_at or last.started_at) if last else (None, None, None)
    if source.kind not in KINDS or source.name in MANUAL_SOURCE_NAMES:
        return Health("manual", False, "人工录入或导入的来源，不需要抓取", *facts)
    if not source.enabled:
        return Health("disabled", False, "来源已停用", *facts)
    if last is None:
        return Health("never_run", False, "还没有抓取过", *facts)
    finished = [run for run in runs if run.status != "running"]
    blocked = _robots_blocked(finished[0]) if finished else None
    if blocked is not None:
        return Health("robots_blocked", False, blocked, *facts)
    quiet_runs = len(finished) >= blind_after and not any(_productive(run) for run in finished)
    since = source.last_productive_at
    if since is None:
        first = session.scalar(select(CrawlRun.started_at).where(CrawlRun.source_id == source.id).order_by(CrawlRun.id))
        since = first
    window = timedelta(minutes=source.interval_minutes * blind_after)
    quiet_time = since is not None and now - since > window
    if quiet_runs or quiet_time:
        what = f"最近 {blind_after} 个抓取周期" if quiet_runs else f"超过 {blind_after} 个抓取周期（{_span(window)}）"
        return Health("blind", True, f"盲区警告：{what}没有抓到任何帖子或只有错误", *facts)
    if last.status == "running":
        return Health("running", False, "正在抓取", *facts)
    if source.consecutive_failures > 0:
        return Health(
            "failing", False, f"连续 {source.consecutive_failures} 次抓取失败：{last.error or ''}"[:300], *facts
        )
    verdict = ((finished[0].stats or {}).get("quality") or {}).get("verdict") if finished else None
    if verdict and verdict.get("degraded"):
        return Health("degraded", False, str(verdict.get("message") or "解析异常")[:500], *facts)
    return Health("ok", False, "正常", *facts)


def _robots_blocked(run: CrawlRun) -> str | None:
    """Why the source's site refused us in robots.txt, when that is all its latest run met."""
    stats = run.stats or {}
    errors = stats.get("errors") or {}
    forbidden = int(errors.get("robots_forbidden", 0)) or int(stats.get("robots_forbidden", 0))
    if not forbidden or run.items > 0:
        return None
    sample = next((e.get("url") for e in stats.get("error_samples") or [] if e.get("reason") == "robots_forbidden"), "")
    return (
        f"站点的 robots.txt 不允许本系统抓取{('（' + sample + '）') if sample else ''}，"
        "本来源没有抓到任何内容；需站点授权后才能采集（授权后可设置 obey_robots: false）"
    )


def _span(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} 分钟"
    hours = minutes / 60
    return f"{hours:.0f} 小时" if hours < 48 else f"{hours / 24:.0f} 天"
