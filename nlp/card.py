"""Model cards (模型卡): what a model version learned from and how it scores, for people to read.

A card is built from a version's metadata: the date (Beijing time), the training examples by class
(corpus and staff corrections), its settings, and its figures on the fixed check set (precision, recall,
F1, category accuracy, confusion matrix, keyword traps) and, when the shared real data was there at
training time, on the real development and held-out halves. ``muqing eval`` prints it; the admin's model
page and ``GET /api/models/{version}/card`` show it.
"""

from __future__ import annotations

from typing import Any

from nlp.evaluation import CATEGORIES

CATEGORY_NAMES = {
    "epidemic": "动物疫病防控",
    "pollution": "养殖污染",
    "slaughter": "屠宰管理",
    "product_safety": "畜产品与投入品质量安全",
    "policy": "政策补贴与审批服务",
    "market": "市场供应与价格",
    "conduct": "机构作风与人员",
    "other": "非本中心职责",
}
SET_NAMES = {"check": "固定核验集（自写，仿真实错误类型）", "dev": "真实留言·开发集", "heldout": "真实留言·留出集"}


def model_card(meta: dict[str, Any]) -> dict[str, Any]:
    """The card of a version as plain data (for the API and the web page)."""
    card = meta.get("card") or {}
    sets: list[dict[str, Any]] = []
    if card.get("check"):
        sets.append({"name": "check", "label": SET_NAMES["check"], **card["check"]})
    for name, figures in (card.get("real") or {}).items():
        sets.append({"name": name, "label": SET_NAMES.get(name, name), **figures})
    by_class = meta.get("training_by_class") or {}
    return {
        "version": meta.get("version"),
        "created_at": meta.get("created_at"),
        "created_at_local": meta.get("created_at_local"),
        "note": meta.get("note", ""),
        "examples": meta.get("examples"),
        "feedback_examples": meta.get("feedback_examples", 0),
        "training_by_class": [
            {"category": c, "label": CATEGORY_NAMES.get(c, c), "examples": by_class.get(c, 0)} for c in CATEGORIES
        ],
        "settings": meta.get("settings") or {},
        "sets": sets,
        "comparison": meta.get("comparison"),
    }


def format_card(meta: dict[str, Any]) -> str:
    """The card as plain text for the command line."""
    card = model_card(meta)
    lines = [
        f"model card: {card['version']}",
        f"trained: {card['created_at_local'] or card['created_at']} (Beijing time)",
        f"examples: {card['examples']} ({card['feedback_examples']} staff corrections)",
        "training examples by class: "
        + ", ".join(f"{row['category']} {row['examples']}" for row in card["training_by_class"]),
    ]
    settings = card["settings"]
    if settings:
        lines.append(
            f"model family: {settings.get('family')}; relevance threshold {settings.get('relevant_threshold')}"
            + (
                f" ({settings['short_threshold']} below {settings['short_length']} characters)"
                if "short_threshold" in settings
                else ""
            )
        )
    for figures in card["sets"]:
        lines += ["", f"{figures['name']}: {figures['examples']} posts"]
        lines.append(
            f"  relevance precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
            f"  category accuracy {figures['category_accuracy']:.3f}"
            f"  keyword traps flagged {figures['traps']['flagged']} of {figures['traps']['total']}"
        )
        lines += ["  " + line for line in format_confusion(figures["confusion"])]
    if not card["sets"]:
        lines.append("no figures recorded for this version")
    return "\n".join(lines)


def format_confusion(confusion: dict[str, dict[str, int]]) -> list[str]:
    """A confusion matrix as text rows (rows: expected, columns: predicted)."""
    columns = [c for c in CATEGORIES if any(c in row for row in confusion.values())]
    lines = ["confusion (rows: expected, columns: predicted)", " " * 16 + "".join(f"{c[:8]:>9}" for c in columns)]
    for gold in CATEGORIES:
        if gold in confusion:
            lines.append(f"{gold:<16}" + "".join(f"{confusion[gold].get(c, 0):>9}" for c in columns))
    return lines
