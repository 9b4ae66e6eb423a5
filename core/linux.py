"""Linux process controls (prctl(2)); elsewhere they do nothing, and callers fall back on other means."""

from __future__ import annotations

import contextlib
import ctypes
import sys

# The signal a process receives when the thread that forked it ends.
PR_SET_PDEATHSIG = 1
# Orphans below this process are re-parented to it rather than to the system's first process.
PR_SET_CHILD_SUBREAPER = 36


def prctl(option: int, value: int) -> None:
    """Set a process control on Linux; elsewhere, or where the call is refused, nothing happens."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
