"""District profiles: the files an empty database is seeded from, chosen by ``MUQING_PROFILE``.

``lanshan`` (default): 临沂市兰山区, towns, streets and villages from the official division codes
(``core/resources/lanshan/places.yaml``, see the header of that file) and the public channels a district
center watches (``core/resources/lanshan/sources.yaml``, every one disabled until an admin confirms it).
``demo``: the invented 青禾区 of the demo board, the seed corpus and the tests (``core/resources/places.yaml``).
Both share the livestock lexicon (``core/resources/lexicon.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.config import get_settings
from core.errors import ConfigurationError

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
LEXICON_FILE = RESOURCES / "lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Profile:
    """One profile's files and its name for people."""

    name: str
    title: str
    places: Path
    sources: Path | None


PROFILES = {
    "lanshan": Profile(
        "lanshan", "临沂市兰山区", RESOURCES / "lanshan" / "places.yaml", RESOURCES / "lanshan" / "sources.yaml"
    ),
    "demo": Profile("demo", "青禾区（演示）", RESOURCES / "places.yaml", None),
}


def current_profile() -> Profile:
    """The profile chosen by settings."""
    return PROFILES[get_settings().profile]


def read_yaml(path: Path) -> dict[str, Any]:
    """A resource file as a mapping; a broken file is a configuration error naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path.name}: 无法读取：{exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path.name}: 内容应为键值结构")
    return data


def profile_places(profile: Profile | None = None) -> dict[str, Any]:
    """The ``district`` mapping of a profile's places file."""
    data = read_yaml((profile or current_profile()).places).get("district")
    if not isinstance(data, dict) or not data.get("name"):
        raise ConfigurationError("地名文件缺少 district.name")
    return data


def file_lexicon() -> dict[str, Any]:
    """The shipped lexicon file."""
    return read_yaml(LEXICON_FILE)
