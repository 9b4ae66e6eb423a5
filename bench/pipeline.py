"""Pipeline throughput: posts per second through ingest → analyse → alert with one and with two Celery workers.

The scale-out stack on real servers: PostgreSQL, Celery on Redis, Elasticsearch (the search index is kept
in step by the same workers). Each run gets a fresh database, then ``muqing worker --concurrency 1``
processes (one, then two) and ``muqing beat`` start; after a warm-up, the posts are stored the way a crawl
stores them (``store_post``, 20 per transaction, jobs sent through the outbox) and the clock stops when
every job is done: each post analysed, each alert raised, the outbox empty. One worker is the baseline;
the scaling ratio is the two-worker rate over it.

    eval "$(scripts/services.sh start postgres redis elasticsearch)"
    .venv/bin/python bench/pipeline.py [--posts 400] [--models var/models]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(tempfile.mkdtemp(prefix="muqing-bench-pipeline-"))
os.environ["MUQING_DATA_DIR"] = str(DATA_DIR)
os.environ["MUQING_ENV"] = "test"
os.environ["MUQING_TASKS_EAGER"] = "0"

from bench.texts import posts  # noqa: E402
from tests.scale.processes import Process, beat, wait_until, worker  # noqa: E402

BATCH = 20


def create_database(admin_url: str, name: str) -> str:
    """A new, empty PostgreSQL database next to ``admin_url``'s; returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def delete_keys(url: str, prefix: str) -> None:
    """Delete this run's Redis keys (and nothing else)."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def settle(post_ids: list[int], timeout: float) -> None:
    from sqlalchemy import func, select

    from core.db import session_scope
    from core.models import Analysis
    from core.outbox import pending_count

    def done() -> bool:
        with session_scope() as session:
            analysed = session.scalar(
                select(func.count(func.distinct(Analysis.post_id))).where(Analysis.post_id.in_(post_ids))
            )
            return analysed == len(post_ids) and pending_count(session) == 0

    wait_until(done, timeout=timeout, what=f"{len(post_ids)} posts to go through the pipeline", interval=0.2)


def store(texts: list[tuple[str, str]], tag: str) -> list[int]:
    from core.db import session_scope
    from core.service import store_post

    ids: list[int] = []
    for start in range(0, len(texts), BATCH):
        with session_scope() as session:
            for number, (title, content) in enumerate(texts[start : start + BATCH], start=start):
                url = f"https://bench.example.cn/{tag}/{number}"
                stored = store_post(session, url=url, title=title, content=content)
                # A text the generator happened to repeat is linked to the first copy as a repost: no new work.
                if stored.created:
                    ids.append(stored.post.id)
    return ids


def run(workers: int, env: dict[str, str], texts: list[tuple[str, str]], log_dir: Path) -> dict[str, float]:
    """One measured run on a fresh database; returns posts per second and what was raised."""
    from sqlalchemy import func, select

    from alerts.cases.models import Alert
    from alerts.seed import seed_defaults
    from core.config import get_settings
    from core.db import dispose_engines, session_scope
    from core.migrate import upgrade
    from core.search.service import forget_backends, get_backend
    from core.tasks import configure_celery

    os.environ.update(env)
    get_settings.cache_clear()
    dispose_engines()
    forget_backends()
    configure_celery()
    upgrade()
    with session_scope() as session:
        seed_defaults(session)
    processes: list[Process] = [worker(env, log_dir, name=f"worker-{workers}-{n}") for n in range(workers)]
    processes.append(beat(env, log_dir, name=f"beat-{workers}"))
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_for_log("ready." if "worker" in process.name else "beat: Starting", timeout=300)
        warm = store(texts[: 10 * workers], f"warm-{workers}")
        settle(warm, timeout=300)
        measured = texts[10 * workers :]
        started = time.perf_counter()
        ids = store(measured, f"run-{workers}")
        stored = time.perf_counter()
        settle(ids, timeout=1800)
        finished = time.perf_counter()
        with session_scope() as session:
            alerts = session.scalar(select(func.count()).select_from(Alert)) or 0
        return {
            "rate": len(ids) / (finished - started),
            "ingest": len(ids) / (stored - started),
            "seconds": finished - started,
            "alerts": alerts,
            "posts": len(ids),
        }
    finally:
        for process in processes:
            process.stop()
        get_backend().drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=400, help="posts measured per run (after a short warm-up)")
    parser.add_argument("--models", type=Path, help="a models directory to reuse instead of training one")
    args = parser.parse_args()
    from cli.modules import wire

    wire()
    needed = ("MUQING_TEST_POSTGRES_URL", "MUQING_TEST_REDIS_URL", "MUQING_TEST_ELASTICSEARCH_URL")
    if not all(os.environ.get(name) for name in needed):
        sys.exit('run `eval "$(scripts/services.sh start postgres redis elasticsearch)"` first')

    if args.models:
        shutil.copytree(args.models, DATA_DIR / "models")
    else:
        from nlp.registry import train_from_corpus

        print("training the classifier once for both runs …", file=sys.stderr)
        train_from_corpus()
    texts = [(post.title, post.content) for post in posts(args.posts + 20, seed=7)]
    token = f"muqing-bench-{os.getpid()}"
    admin = os.environ["MUQING_TEST_POSTGRES_URL"]
    databases: list[str] = []
    results: dict[int, dict[str, float]] = {}
    try:
        for workers in (1, 2):
            databases.append(create_database(admin, f"{token.replace('-', '_')}_{workers}"))
            env = {
                "MUQING_DATABASE_URL": databases[-1],
                "MUQING_BROKER_URL": os.environ["MUQING_TEST_REDIS_URL"],
                "MUQING_BROKER_KEY_PREFIX": f"{token}-{workers}:",
                "MUQING_SEARCH_BACKEND": "elasticsearch",
                "MUQING_ELASTICSEARCH_URL": os.environ["MUQING_TEST_ELASTICSEARCH_URL"],
                "MUQING_ELASTICSEARCH_INDEX_PREFIX": f"{token}-{workers}-",
                "MUQING_DATA_DIR": str(DATA_DIR),
                "MUQING_TASKS_EAGER": "0",
            }
            results[workers] = run(workers, env, texts[: args.posts + 10 * workers], DATA_DIR)
    finally:
        from core.db import dispose_engines

        dispose_engines()
        for url in databases:
            drop_database(admin, url)
        delete_keys(os.environ["MUQING_TEST_REDIS_URL"], f"{token}-")
        shutil.rmtree(DATA_DIR, ignore_errors=True)

    one, two = results[1], results[2]
    print(f"pipeline throughput, ingest → analyse → alert (→ search index), {one['posts']:.0f} posts per run")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, load average {os.getloadavg()[0]:.1f} at the end")
    for workers, figures in results.items():
        print(
            f"{workers} worker{'s' if workers > 1 else ' '}: {figures['rate']:6.1f} posts/s "
            f"({figures['seconds']:.1f} s; stored at {figures['ingest']:.0f} posts/s; {figures['alerts']:.0f} alerts)"
        )
    print(f"scaling ratio, 2 workers over 1: {two['rate'] / one['rate']:.2f}×")


if __name__ == "__main__":
    main()
