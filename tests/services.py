"""Finding the real services tests need: skip with a reason, or fail when CI requires them."""

from __future__ import annotations

import os

import pytest

REQUIRE = os.environ.get("MUQING_REQUIRE_SERVICES") == "1"


def need(env_var: str, what: str) -> str:
    """The value of ``env_var`` naming a service; skips (or fails under MUQING_REQUIRE_SERVICES=1) without it."""
    value = os.environ.get(env_var)
    if value:
        return value
    message = f"{what} is not available: set {env_var} (run `make services` and eval its output)"
    if REQUIRE:
        pytest.fail(message + " — MUQING_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(message)
