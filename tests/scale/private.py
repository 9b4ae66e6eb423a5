"""Private PostgreSQL, Redis and Elasticsearch servers for the fault tests, started by scripts/services.sh.

The shared servers are used by other test runs at the same time and must never be stopped; fault tests
stop and start these instead: their own ports and their own services directory, removed at the end.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "services.sh"
SERVICES = ("postgres", "redis", "elasticsearch")


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on right now (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [int(probe.getsockname()[1]) for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


class PrivateServices:
    """One private set of servers; ``urls`` holds the ``MUQING_TEST_*`` values ``start`` printed."""

    def __init__(self) -> None:
        # Outside any home or pytest directory: as root the script hands this tree to the service users.
        self.base = Path(tempfile.mkdtemp(prefix="muqing-private-services-"))
        pg, redis, es, transport = free_ports(4)
        self.env = {
            "MUQING_SERVICES_DIR": str(self.base),
            "MUQING_PG_PORT": str(pg),
            "MUQING_REDIS_PORT": str(redis),
            "MUQING_ES_PORT": str(es),
            "MUQING_ES_TRANSPORT_PORT": str(transport),
            "MUQING_ES_HEAP": "256m",
        }
        self.urls: dict[str, str] = {}
        self._launch: subprocess.Popen[str] | None = None

    def launch(self, *services: str) -> None:
        """Begin starting the services in the background (Elasticsearch takes half a minute to boot)."""
        self._launch = subprocess.Popen(
            [str(SCRIPT), "start", *(services or SERVICES)],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ready(self) -> dict[str, str]:
        """Wait for the background start (or start now, if none was launched); returns the URLs."""
        if self._launch is None:
            return self.start()
        stdout, stderr = self._launch.communicate(timeout=400)
        if self._launch.returncode != 0:
            raise AssertionError(f"services.sh start failed:\n{stderr[-3000:]}")
        self._launch = None
        self._record(stdout)
        return self.urls

    def _record(self, stdout: str) -> None:
        for line in stdout.splitlines():
            words = shlex.split(line)
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, value = words[1].split("=", 1)
                self.urls[name] = value

    def run(self, action: str, *services: str) -> str:
        """``scripts/services.sh ACTION SERVICES…`` on this set; returns what it printed on stdout."""
        result = subprocess.run(
            [str(SCRIPT), action, *(services or SERVICES)],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=400,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"services.sh {action} {' '.join(services)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, *services: str) -> dict[str, str]:
        """Start (or reuse) the services; records and returns their URLs."""
        self._record(self.run("start", *services))
        return self.urls

    def stop(self, *services: str) -> None:
        """Stop the services (only this set's)."""
        self.run("stop", *services)

    def remove(self) -> None:
        """Stop everything and delete the services directory."""
        try:
            if self._launch is not None:
                self._launch.communicate(timeout=400)
            self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
