"""Search latency, p50 and p95, over 100,000 posts: SQLite FTS5 and Elasticsearch in the same run.

Both indices get the same documents (invented posts from bench/texts.py, cut once by our jieba
tokenizer) through each backend's bulk rebuild path. Then the same queries, in the same order, run through
the search service as the API calls it (cut the query, search, highlight, and count for the dashboard when
asked). FTS5 is the baseline; Elasticsearch is reported beside it and as a ratio.

    eval "$(scripts/services.sh start elasticsearch)"
    .venv/bin/python bench/search.py [--posts 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATA_DIR = tempfile.mkdtemp(prefix="muqing-bench-search-")
os.environ["MUQING_DATA_DIR"] = DATA_DIR
os.environ["MUQING_ENV"] = "test"

from bench.texts import posts  # noqa: E402

SECTIONS = {"pollution": "production", "epidemic": "epidemic", "slaughter": "quality", "product_safety": "quality"}

# (class, text, options): single words common and rare, several words, filters, browsing, dashboard counts.
QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("one word", "养猪场", {}),
    ("one word", "粪污", {}),
    ("one word", "禽流感", {}),
    ("one word", "注水", {}),
    ("one word", "兽药", {}),
    ("one word", "苍蝇", {}),
    # Single characters and two-character words, matched through the character field as well (chars.py).
    ("short", "猪", {}),
    ("short", "鸡", {}),
    ("short", "粪", {}),
    ("short", "猪粪", {}),
    ("short", "口蹄", {}),
    ("words", "柳河镇 养猪场", {}),
    ("words", "死猪 路边", {}),
    ("words", "猪肉价格", {}),
    ("words", "养鸡场的鸡成批死亡", {}),
    ("filtered", "养猪场", {"filters": {"category": ("pollution",)}}),
    ("filtered", "臭味", {"filters": {"source": ("forum", "weibo")}, "sort": "time"}),
    (
        "filtered",
        "养猪场",
        {"start": datetime(2025, 3, 1, tzinfo=UTC), "end": datetime(2025, 4, 1, tzinfo=UTC)},
    ),
    ("filtered", "", {"filters": {"section": ("quality",), "severity": ("重大",)}}),
    ("browse", "", {"sort": "time"}),
    ("browse", "", {"sort": "time", "offset": 200}),
    ("dashboard", "", {"limit": 0, "aggregations": True}),
    ("dashboard", "养猪场", {"limit": 0, "aggregations": True}),
    (
        "dashboard",
        "",
        {
            "limit": 0,
            "aggregations": True,
            "start": datetime(2025, 6, 1, tzinfo=UTC),
            "end": datetime(2025, 7, 1, tzinfo=UTC),
        },
    ),
]


def use(env: dict[str, str]) -> None:
    """Point the settings (and the cached search backend) at ``env``."""
    from core.config import get_settings
    from core.search.service import forget_backends

    for name in ("MUQING_SEARCH_BACKEND", "MUQING_ELASTICSEARCH_URL", "MUQING_ELASTICSEARCH_INDEX_PREFIX"):
        os.environ.pop(name, None)
    os.environ.update(env)
    get_settings.cache_clear()
    forget_backends()


def documents(count: int) -> list[Any]:
    from core.search.base import PostDocument
    from core.search.documents import tokenise
    from core.timeutil import local_zone

    zone = local_zone()
    result = [
        PostDocument(
            post_id=post.number + 1,
            title=post.title,
            content=post.content,
            url=f"https://bench.example.cn/{post.number}",
            author=None,
            source=post.source,
            time=post.published,
            day=post.published.astimezone(zone).date().isoformat(),
            category=post.category,
            severity=post.severity,
            sentiment=post.sentiment,
            section=SECTIONS.get(post.category) if post.complaint else None,
            alert_id=post.number + 1 if post.complaint else None,
        )
        for post in posts(count)
    ]
    tokenise(result)
    return result


def build(docs: list[Any], batch: int = 1000) -> float:
    """Fill a new index of the configured backend through its rebuild path; returns documents per second."""
    from core.search.service import get_backend

    backend = get_backend()
    backend.ensure_ready()
    started = time.perf_counter()
    name = backend.begin_rebuild()
    for start in range(0, len(docs), batch):
        backend.write_rebuild(name, docs[start : start + batch])
    backend.finish_rebuild(name)
    elapsed = time.perf_counter() - started
    assert backend.count() == len(docs), (backend.label, backend.count())
    return len(docs) / elapsed


def measure(rounds: int) -> dict[str, list[float]]:
    """Milliseconds per query, by query class (after one warm-up round)."""
    from core.search.base import SearchQuery
    from core.search.service import search

    def run(text: str, options: dict[str, Any]) -> int:
        return search(query=SearchQuery(text=text, **options)).total

    timings: dict[str, list[float]] = {}
    for _, text, options in QUERIES:
        run(text, options)
    for _ in range(rounds):
        for kind, text, options in QUERIES:
            started = time.perf_counter()
            run(text, options)
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    timings["all"] = [value for kind, values in timings.items() for value in values]
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def totals() -> list[int]:
    from core.search.base import SearchQuery
    from core.search.service import search

    return [search(query=SearchQuery(text=text, **{**options, "limit": 0})).total for _, text, options in QUERIES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--elasticsearch", default=os.environ.get("MUQING_TEST_ELASTICSEARCH_URL"))
    args = parser.parse_args()
    from cli.modules import wire

    wire()
    if not args.elasticsearch:
        sys.exit('Elasticsearch is needed: run `eval "$(scripts/services.sh start elasticsearch)"` first')

    started = time.perf_counter()
    docs = documents(args.posts)
    tokenise_rate = len(docs) / (time.perf_counter() - started)
    prefix = f"muqing-bench-{os.getpid()}-"
    backends: list[tuple[str, dict[str, str]]] = [
        ("SQLite FTS5", {"MUQING_SEARCH_BACKEND": "fts5"}),
        (
            "Elasticsearch",
            {
                "MUQING_SEARCH_BACKEND": "elasticsearch",
                "MUQING_ELASTICSEARCH_URL": args.elasticsearch,
                "MUQING_ELASTICSEARCH_INDEX_PREFIX": prefix,
            },
        ),
    ]
    results: dict[str, tuple[float, dict[str, list[float]]]] = {}
    answers: dict[str, list[int]] = {}
    try:
        for label, env in backends:
            use(env)
            rate = build(docs)
            results[label] = (rate, measure(args.rounds))
            answers[label] = totals()
    finally:
        from core.search.service import get_backend

        use(backends[1][1])
        get_backend().drop()

    print(f"search latency over {len(docs):,} posts, {args.rounds} rounds of {len(QUERIES)} queries per backend")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"tokenising the documents (jieba, search mode, once for both): {tokenise_rate:,.0f} posts/s")
    baseline, other = results["SQLite FTS5"], results["Elasticsearch"]
    print(f"bulk indexing: FTS5 {baseline[0]:,.0f} posts/s, Elasticsearch {other[0]:,.0f} posts/s")
    print(f"{'queries':<12}{'n':>5}{'FTS5 p50':>11}{'p95':>9}{'ES p50':>10}{'p95':>9}{'ES/FTS5 p50':>13}{'p95':>7}")
    for kind in [*dict.fromkeys(kind for kind, _, _ in QUERIES), "all"]:
        a, b = baseline[1][kind], other[1][kind]
        row: list[Callable[[list[float]], float]] = [statistics.median, lambda v: percentile(v, 0.95)]
        a50, a95 = (f(a) for f in row)
        b50, b95 = (f(b) for f in row)
        figures = f"{a50:>9.1f}ms{a95:>7.1f}ms{b50:>8.1f}ms{b95:>7.1f}ms"
        print(f"{kind:<12}{len(a):>5}{figures}{b50 / a50:>12.2f}×{b95 / a95:>6.2f}×")
    for label, (_, timings) in results.items():
        short, word = statistics.median(timings["short"]), statistics.median(timings["one word"])
        print(f"{label}: short queries (character field) p50 {short:.1f}ms = {short / word:.2f}× one word {word:.1f}ms")
    same = answers["SQLite FTS5"] == answers["Elasticsearch"]
    print(f"both backends found the same number of posts for every query: {'yes' if same else 'NO'}")
    if not same:
        for (kind, text, _), a_total, b_total in zip(
            QUERIES, answers["SQLite FTS5"], answers["Elasticsearch"], strict=True
        ):
            if a_total != b_total:
                print(f"  {kind} {text!r}: FTS5 {a_total}, Elasticsearch {b_total}")


if __name__ == "__main__":
    main()
