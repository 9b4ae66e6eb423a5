"""Start-up costs: the ``muqing`` command and one small crawl, this checkout against a baseline checkout.

    python bench/startup.py --baseline ../muqing-main [--rounds 5]

Runs, alternating baseline and this checkout in every round (the machine's load changes by the minute):

* ``muqing --help``, and ``muqing sources list --json`` on a migrated data directory, each a new process;
* one crawl of the fixture forum (tests/fixtures/sites/tieba, 11 posts) through ``crawl_source``: the crawl's
  child process start, Scrapy, the pipelines and the run's figures, as the scheduler runs it (after a first
  crawl, so the caller's own one-time imports are not counted, as in a job runner or a test session).

Each checkout runs its own code (``PYTHONPATH`` and the working directory point at it) with this
interpreter. Prints the median seconds of each measure for both and the ratio: wall time, and the CPU time
of the processes started (user + system, children included), which a busy machine disturbs much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRAWL = """
import os, resource, sys, time
os.environ.update(MUQING_ENV="test", MUQING_PROFILE="demo", MUQING_URL_ALLOW_LIST="127.0.0.1", MUQING_TASKS_EAGER="0")
from cli.modules import wire
wire()
from core.migrate import upgrade
upgrade()
from tests.crawlers.helpers import crawl
from tests.crawlers.site_server import serving
def cpu():
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))
with serving() as site:
    spec = {"name": "tieba", "kind": "tieba", "forum": "青禾", "base_url": site.base_url + "/tieba"}
    # Another site first: the caller's one-time imports (job modules) stay out of the measure.
    mailbox = site.base_url + "/gov_mailbox/hdjl/qzxx/index.html"
    crawl({"name": "warm-up", "kind": "gov_mailbox", "start_urls": [mailbox], "max_pages": 1})
    started, used = time.perf_counter(), cpu()
    outcome = crawl(spec)
    elapsed, used = time.perf_counter() - started, cpu() - used
assert outcome.status == "succeeded" and outcome.stored == 11, outcome
print(elapsed, used)
"""


def _env(tree: Path, data_dir: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQING_")}
    env.update(PYTHONPATH=str(tree), MUQING_DATA_DIR=data_dir)
    return env


# One migrated data directory per checkout, so a command's time is its start and its work, not a migration.
DATA_DIRS: dict[Path, str] = {}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(arguments: list[str], tree: Path) -> tuple[float, float]:
    command = [sys.executable, "-m", "cli", *arguments]
    if tree not in DATA_DIRS:
        DATA_DIRS[tree] = tempfile.mkdtemp(prefix="muqing-startup-")
        subprocess.run([*command[:3], "db", "upgrade"], cwd=tree, env=_env(tree, DATA_DIRS[tree]), check=True)
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run(command, cwd=tree, env=_env(tree, DATA_DIRS[tree]), check=True, capture_output=True)
    return time.perf_counter() - started, _cpu() - cpu


def _crawl(tree: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = _env(tree, data_dir)
        command = [sys.executable, "-c", CRAWL]
        done = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True)
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


MEASURES = {
    "muqing --help": lambda tree: _timed(["--help"], tree),
    "muqing sources list --json": lambda tree: _timed(["sources", "list", "--json"], tree),
    "one crawl (tieba, 11 posts)": _crawl,
}


def main() -> None:
    """Alternate the baseline and this checkout for every measure and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout of the repository")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for round_number in range(args.rounds):
        for measure, run in MEASURES.items():
            order = list(trees.items()) if round_number % 2 == 0 else list(reversed(trees.items()))
            for label, tree in order:
                times.setdefault((measure, label), []).append(run(tree))
    print(f"{args.rounds} rounds, medians in seconds")
    header = ("measure", "wall: baseline", "this", "ratio", "CPU: baseline", "this", "ratio")
    print("{:30} {:>14} {:>7} {:>6}   {:>13} {:>7} {:>6}".format(*header))
    for measure in MEASURES:
        old = [statistics.median(run[i] for run in times[(measure, "baseline")]) for i in (0, 1)]
        new = [statistics.median(run[i] for run in times[(measure, "this")]) for i in (0, 1)]
        print(
            f"{measure:30} {old[0]:14.2f} {new[0]:7.2f} {new[0] / old[0]:6.2f}   "
            f"{old[1]:13.2f} {new[1]:7.2f} {new[1] / old[1]:6.2f}"
        )
    for data_dir in DATA_DIRS.values():
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
