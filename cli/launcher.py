"""The process tree of ``muqing up``: children started, ports checked, and everything stopped together.

On Linux the launcher becomes the parent of processes orphaned below it (``PR_SET_CHILD_SUBREAPER``), so
stopping waits for grandchildren too (the scheduler inside the job runner, a crawl in progress).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from core.config import get_settings
from core.linux import PR_SET_CHILD_SUBREAPER, prctl


def demo_site_port(port: int) -> int:
    """MUQING_DEMO_SITE_PORT, else the port after the web port when free, so a second run finds the same posts."""
    configured = get_settings().demo_site_port
    if configured:
        return configured
    # Else any free port: the posts then get new URLs, and the crawler's text signature links them.
    return port + 1 if _bind_error("127.0.0.1", port + 1) is None else 0


def check_port_free(host: str, port: int) -> None:
    error = _bind_error(host, port)
    if error is not None:
        typer.secho(
            f"错误：端口 {host}:{port} 已被占用（{error.strerror}），请设置 MUQING_PORT 换一个端口",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1) from error


def _bind_error(host: str, port: int) -> OSError | None:
    """Why ``host:port`` cannot be listened on, or None when it is free."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    # Grandchildren (the scheduler inside the job runner, a crawl in progress) are re-parented to us when their
    # parent exits (``adopt_orphans``), so ``reap_orphans`` waits for them too.
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    reap_orphans(deadline + 5)


def adopt_orphans() -> None:
    """On Linux, become the parent of processes orphaned below us, so stopping can wait for every one of them."""
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def reap_orphans(deadline: float) -> None:
    """Wait for the orphans we adopted (e.g. the scheduler, once the job runner exits): none is left, not even
    as a zombie; one still running at ``deadline`` is ended by force."""
    if not sys.platform.startswith("linux"):
        return
    killed = False
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            if time.monotonic() > deadline:
                if killed:
                    return
                for left in _descendants(os.getpid()):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(left, signal.SIGKILL)
                killed, deadline = True, time.monotonic() + 5
            time.sleep(0.05)


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(root: int) -> set[int]:
    """Every process below ``root`` (Linux /proc; elsewhere none, and children are stopped one by one)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            children.setdefault(int(_stat(entry.name)[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    found: set[int] = set()
    frontier = [root]
    while frontier:
        for pid in children.get(frontier.pop(), []):
            if pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found
