"""Start-up costs: the ``muqing`` command and one small crawl, this checkout against a baseline checkout.

    python bench/startup.py --baseline ../muqing-main [--rounds 5]

Runs, alternating baseline and this checkout in every round (the machine's load changes by the minute):

* ``muqing --help``, and ``muqing sources list --json`` on a migrated data directory, each a new process;
* one crawl of the fixture forum (tests/fixtures/sites/tieba, 11 posts) through ``crawl_source``: the crawl's
  child process start, Scrapy, the pipelines and the run's figures, as the scheduler runs it.

Each checkout runs its own code (``PYTHONPATH`` and the working directory point at it) with this
interpreter. Prints the median seconds of each measure for both and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRAWL = """
import os, sys, tempfile, time
os.environ.update(MUQING_DATA_DIR=tempfile.mkdtemp(), MUQING_ENV="test", MUQING_PROFILE="demo",
                  MUQING_URL_ALLOW_LIST="127.0.0.1", MUQING_TASKS_EAGER="0")
from cli.modules import wire
wire()
from core.migrate import upgrade
upgrade()
from tests.crawlers.helpers import crawl
from tests.crawlers.site_server import serving
with serving() as site:
    started = time.perf_counter()
    outcome = crawl({"name": "tieba", "kind": "tieba", "forum": "青禾", "base_url": site.base_url + "/tieba"})
    elapsed = time.perf_counter() - started
assert outcome.status == "succeeded" and outcome.stored == 11, outcome
print(elapsed)
"""


def _env(tree: Path, data_dir: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQING_")}
    env.update(PYTHONPATH=str(tree), MUQING_DATA_DIR=data_dir)
    return env


# One migrated data directory per checkout, so a command's time is its start and its work, not a migration.
DATA_DIRS: dict[Path, str] = {}


def _timed(arguments: list[str], tree: Path) -> float:
    command = [sys.executable, "-m", "cli", *arguments]
    if tree not in DATA_DIRS:
        DATA_DIRS[tree] = tempfile.mkdtemp(prefix="muqing-bench-")
        subprocess.run([*command[:3], "db", "upgrade"], cwd=tree, env=_env(tree, DATA_DIRS[tree]), check=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=tree, env=_env(tree, DATA_DIRS[tree]), check=True, capture_output=True)
    return time.perf_counter() - started


def _crawl(tree: Path) -> float:
    with tempfile.TemporaryDirectory() as data_dir:
        env = _env(tree, data_dir)
        command = [sys.executable, "-c", CRAWL]
        done = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


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
    times: dict[tuple[str, str], list[float]] = {}
    for round_number in range(args.rounds):
        for measure, run in MEASURES.items():
            order = list(trees.items()) if round_number % 2 == 0 else list(reversed(trees.items()))
            for label, tree in order:
                times.setdefault((measure, label), []).append(run(tree))
    print(f"{'measure':32} {'baseline s':>10} {'this s':>10} {'this/baseline':>14}   ({args.rounds} rounds, medians)")
    for measure in MEASURES:
        old = statistics.median(times[(measure, "baseline")])
        new = statistics.median(times[(measure, "this")])
        print(f"{measure:32} {old:10.2f} {new:10.2f} {new / old:14.2f}")
    for data_dir in DATA_DIRS.values():
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
