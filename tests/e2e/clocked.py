"""Serve the app with the clock pinned: ``python -m tests.e2e.clocked PORT`` starts at MUQING_TEST_NOW and ticks on."""

from __future__ import annotations

import os
import sys

import time_machine
import uvicorn


def main() -> None:
    """Travel to MUQING_TEST_NOW (time keeps running from there), then run uvicorn on 127.0.0.1:PORT."""
    time_machine.travel(os.environ["MUQING_TEST_NOW"], tick=True).start()
    uvicorn.run("cli.asgi:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
