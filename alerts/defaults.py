"""The default organisation, routing rules, SLA policies and workflow settings, as data (``defaults.yaml``)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigurationError

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


def load_defaults(path: Path = DEFAULTS_FILE) -> dict[str, Any]:
    """The default organisation, routing rules, SLA policies and settings as data."""
    # Parsed once per file version: every raised alert reads settings, and parsing costs ~100 ms.
    return copy.deepcopy(_parsed_defaults(path, path.stat().st_mtime_ns))


def default_setting(key: str) -> dict[str, Any] | None:
    """The shipped values of one settings group (None for a group the defaults do not know)."""
    found = (_parsed_defaults(DEFAULTS_FILE, DEFAULTS_FILE.stat().st_mtime_ns).get("settings") or {}).get(key)
    return copy.deepcopy(found) if found is not None else None


@functools.lru_cache(maxsize=8)
def _parsed_defaults(path: Path, mtime_ns: int) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path.name}: 应为 YAML 映射")
    return data
