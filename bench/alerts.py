"""Alert latency: from a post stored to its webhook received, for a burst of posts, in the embedded mode.

A throw-away data directory (SQLite, the file-system queue) and a Celery worker started exactly as
`muqing up` starts it (threads, concurrency 4, with beat). Each post goes the whole way: stored → outbox →
analysis with the real classifier → alert raised (routed, deadlines, grouping) → notification → its own
delivery job → a signed webhook to a local HTTP receiver. The webhook channel hears ``alert.new`` and
``alert.joined``, so every flagged post yields one webhook whether it opened a case or joined one.

Baseline, measured in the same run: the same path for single posts sent one at a time on an idle
system (the latency a burst adds to is this). Figures are printed as p50/p95 and as ratios to it.

    .venv/bin/python bench/alerts.py [--posts 200] [--singles 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = Path(tempfile.mkdtemp(prefix="muqing-bench-alerts-"))
os.environ["MUQING_DATA_DIR"] = str(DATA_DIR)
os.environ["MUQING_TASKS_EAGER"] = "0"
for name in ("MUQING_DATABASE_URL", "MUQING_BROKER_URL"):
    os.environ.pop(name, None)

TOWNS = ["柳河镇", "石桥镇", "白沙镇", "青禾街道", "城东街道", "城西街道", "河湾街道"]
VILLAGES = ["前进村", "新庄村", "东坡村", "西山村", "张湾村", "南坡村", "红星村", "杨家湾村", "东郊村", "沙洲村"]
SUBJECTS = [
    ("pollution", "养猪场把粪水直接排进河沟，臭气熏天，苍蝇成群，村民多次反映没人管"),
    ("pollution", "养鸡场鸡粪乱堆在路边，下雨就流到田里，气味难闻，请环保和畜牧部门处理"),
    ("epidemic", "路边发现好几头死猪没人处理，担心是猪瘟，请防疫部门赶紧来看看"),
    ("slaughter", "有人在自家院子里私自屠宰生猪往外卖，没有检疫，请相关部门查处"),
    ("product_safety", "菜市场卖的猪肉没有检疫章，颜色发暗，怀疑是病死猪肉，请严查"),
    ("policy", "能繁母猪补贴申请了半年还没有到账，打电话没人接，请给个说法"),
]
NAMES = [
    "兴旺",
    "富民",
    "金穗",
    "红旗",
    "丰收",
    "永盛",
    "宏达",
    "鑫源",
    "瑞丰",
    "康达",
    "福满",
    "顺发",
    "利民",
    "聚宝",
    "恒通",
    "天佑",
    "德胜",
    "和美",
]


class Receiver:
    """A local HTTP receiver that notes when each post's webhook arrived."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.perf_counter()
                post_id = (json.loads(body).get("data") or {}).get("post_id")
                if isinstance(post_id, int):
                    with receiver.lock:
                        receiver.arrived.setdefault(post_id, now)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, post_ids: list[int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(p in self.arrived for p in post_ids):
                    return True
            time.sleep(0.01)
        return False


def texts(count: int, seed: int) -> list[tuple[str, str]]:
    """Distinct complaints (title, text) that the classifier flags as needing a response."""
    from nlp.analyze import analyze

    rng = random.Random(seed)
    found: list[tuple[str, str]] = []
    while len(found) < count:
        _, subject = rng.choice(SUBJECTS)
        place = f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}"
        name = f"{rng.choice(NAMES)}{rng.choice(NAMES)}"
        title = f"{place}{name}一带的问题反映（{rng.randint(1000, 9999)}）"
        text = f"{place}{name}附近{subject}。反映人说已经持续{rng.randint(2, 30)}天了。"
        if analyze(title=title, text=text).needs_response:
            found.append((title, text))
    return found


def store(title: str, text: str, index: int) -> tuple[int, float]:
    from core.db import session_scope
    from core.service import store_post

    with session_scope() as session:
        post_id = store_post(session, url=f"https://bench.example/{index}", title=title, content=text).post.id
    return post_id, time.perf_counter()  # committed; the outbox relay ran after the commit


def start_worker() -> subprocess.Popen[bytes]:
    """The job runner exactly as `muqing up` starts it."""
    log = (DATA_DIR / "worker.log").open("wb")
    from cli.jobs import embedded_worker_command

    return subprocess.Popen(
        embedded_worker_command(schedule=DATA_DIR / "beat-schedule", loglevel="WARNING"),
        cwd=ROOT,
        env={**os.environ},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[max(int(0.95 * len(ordered) + 0.999) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--singles", type=int, default=10)
    args = parser.parse_args()
    from cli.modules import wire

    wire()

    from alerts.notify.models import NotificationChannel
    from alerts.seed import seed_defaults
    from core.db import session_scope
    from core.migrate import upgrade
    from nlp.registry import active_version, train_from_corpus

    upgrade()
    if active_version() is None:
        print("training the classifier once …", file=sys.stderr)
        train_from_corpus()
    receiver = Receiver()
    with session_scope() as session:
        seed_defaults(session)
        session.add(
            NotificationChannel(
                name="bench",
                kind="webhook",
                config={"url": receiver.url, "secret": "bench"},
                events=["alert.new", "alert.joined"],
            )
        )
    corpus = texts(args.posts + args.singles + 5, seed=7)
    worker = start_worker()
    try:
        warm = [store(*corpus.pop(), index=100000 + i) for i in range(5)]
        if not receiver.wait([p for p, _ in warm], timeout=300):
            raise SystemExit(f"the worker did not deliver the warm-up posts; see {DATA_DIR / 'worker.log'}")
        singles = []
        for i in range(args.singles):
            post_id, stored = store(*corpus.pop(), index=200000 + i)
            if not receiver.wait([post_id], timeout=60):
                raise SystemExit("a single post was not delivered within 60 s")
            singles.append(receiver.arrived[post_id] - stored)
        cpu_before, started = cpu_seconds(worker.pid), time.perf_counter()
        burst = [store(title, text, index=i) for i, (title, text) in enumerate(corpus[: args.posts])]
        spread = burst[-1][1] - burst[0][1]
        delivered = receiver.wait([p for p, _ in burst], timeout=600)
        worker_cpu, wall = cpu_seconds(worker.pid) - cpu_before, time.perf_counter() - started
        latencies = [receiver.arrived[p] - t for p, t in burst if p in receiver.arrived]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    base50, base95 = summary(singles)
    p50, p95 = summary(latencies)
    print(f"machine: {os.cpu_count()} cores; embedded mode (SQLite, file-system queue, worker as `muqing up`)")
    print(f"baseline, single posts one at a time (n={len(singles)}): p50 {base50:.3f} s, p95 {base95:.3f} s")
    print(
        f"burst of {len(burst)} posts stored in {spread:.2f} s: delivered {len(latencies)}"
        f"{'' if delivered else ' (some missing after 600 s)'}; p50 {p50:.3f} s ({p50 / base50:.1f}× baseline), "
        f"p95 {p95:.3f} s ({p95 / base50:.1f}× baseline); target p95 ≤ 1 s: {'met' if p95 <= 1 else 'not met'}"
    )
    print(
        f"burst took {wall:.2f} s from the first post stored to the last webhook; the job runner used "
        f"{worker_cpu:.2f} s of CPU, {1000 * worker_cpu / max(len(burst), 1):.1f} ms per post"
    )


if __name__ == "__main__":
    main()
