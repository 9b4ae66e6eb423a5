"""The layout's rules, checked on the source instead of remembered (docs/architecture.md says why).

- Imports go one way: ``core`` ← ``crawlers``, ``nlp``, ``alerts`` ← ``api``, ``web`` ← ``cli`` (the
  composition root). ``core`` imports no domain; the three domains do not import each other; ``api`` and
  ``web`` do not import each other; nothing but ``cli`` (and tests, benches) imports ``cli``.
- A sub-domain's service is the only writer of its tables: no ``session.add``/``delete``/``merge``, no
  ``insert``/``update``/``delete`` statement and no table row built under ``api/`` or ``web/``.
- No function longer than 80 lines outside the migrations (complexity over 25 is ruff's C901, in ``make lint``).
- ``alerts/`` keeps at its top only what spans its rooms; each room is a folder with its ``service.py``, and
  docs/architecture.md names every room.
- A page form commits through ``web.pages.committing`` (which rolls back and shows the form's page on a refusal):
  no ``rollback`` in an ``except`` of a page route.
- Word and Excel files get their text only through ``core.officedoc`` and ``core.cells`` (which drop what XML
  cannot hold and keep formula-like text as text): no ``add_run``/``add_heading``/``add_paragraph(text)``,
  no ``append`` to a worksheet and no ``cell(row, column, value)`` anywhere else.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "crawlers", "nlp", "alerts", "api", "web", "cli")
# Which top-level packages each package may import (besides itself and third-party code).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "crawlers": {"core"},
    "nlp": {"core"},
    "alerts": {"core"},
    "api": {"core", "crawlers", "nlp", "alerts"},
    "web": {"core", "crawlers", "nlp", "alerts"},
    "cli": {"core", "crawlers", "nlp", "alerts", "api", "web"},
}
WRITES = {"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"}
STATEMENTS = {"insert", "update", "delete"}
MAX_LINES = 80
SKIPPED = ("core/migrations/versions/", "tests/fixtures/")


def _files(*roots: str) -> Iterator[Path]:
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(SKIPPED):
                yield path


def _imported(tree: ast.AST, path: Path) -> Iterator[tuple[int, str]]:
    """Every module an import statement names, wherever it stands (functions and TYPE_CHECKING included)."""
    package = path.relative_to(ROOT).parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                yield node.lineno, f"{base}.{node.module}" if node.module else base
            elif node.module:
                yield node.lineno, node.module


def _violations_of_layers() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in _files(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, module in _imported(tree, path):
                top = module.split(".")[0]
                if top in PACKAGES and top != package and top not in ALLOWED[package]:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {package} imports {module}")
    return found


def test_imports_go_one_way() -> None:
    assert _violations_of_layers() == []


def _table_classes() -> dict[str, set[str]]:
    """Mapped class names by the module that defines them (every domain's, as the composition root lists)."""
    from cli.modules import MODEL_MODULES
    from core.models import Base

    for module in MODEL_MODULES:
        importlib.import_module(module)
    by_module: dict[str, set[str]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        by_module.setdefault(cls.__module__, set()).add(cls.__name__)
    return by_module


def _rows_changed(function: ast.FunctionDef | ast.AsyncFunctionDef, tables: set[str]) -> Iterator[str]:
    """Attribute assignments to a row: a name read through the session, or a parameter typed as a table."""
    rows = {
        arg.arg
        for arg in (*function.args.args, *function.args.kwonlyargs)
        if isinstance(arg.annotation, ast.Name) and arg.annotation.id in tables
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            called = node.value.func
            while isinstance(called, ast.Attribute) and isinstance(called.value, ast.Call):
                called = called.value.func  # session.scalars(...).one()
            if (
                isinstance(called, ast.Attribute)
                and isinstance(called.value, ast.Name)
                and called.value.id == "session"
            ):
                rows |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(function):
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        )
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id in rows:
                    yield f"{item.lineno}: sets {item.value.id}.{item.attr}"


def _writes_in(path: Path, tables: dict[str, set[str]]) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported_tables: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.asname or alias.name for alias in node.names}
            imported_tables |= names & tables.get(node.module, set())
            if node.module.startswith("sqlalchemy") and names & STATEMENTS:
                yield f"{node.lineno}: imports {sorted(names & STATEMENTS)} from {node.module}"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _rows_changed(node, imported_tables)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in WRITES:
            owner = function.value
            if isinstance(owner, ast.Name) and owner.id in ("session", "db"):
                yield f"{node.lineno}: session.{function.attr}(…)"
        if isinstance(function, ast.Name) and function.id in imported_tables:
            yield f"{node.lineno}: builds a {function.id} row"


def test_routes_only_parse_call_commit_and_render() -> None:
    tables = _table_classes()
    found = [f"{path.relative_to(ROOT)}:{where}" for path in _files("api", "web") for where in _writes_in(path, tables)]
    assert found == [], "writes belong in a sub-domain's service.py"


# What spans the rooms of alerts/ (docs/architecture.md, "The rooms"); any other module belongs in a room.
ALERTS_TOP = {"__init__", "cli", "config_models", "defaults", "seed", "stats_cli", "sweep", "tasks"}


def _alerts_rooms() -> list[Path]:
    return sorted(path for path in (ROOT / "alerts").iterdir() if path.is_dir() and (path / "__init__.py").exists())


def test_alerts_keeps_only_cross_room_modules_at_its_top() -> None:
    top = {path.stem for path in (ROOT / "alerts").glob("*.py")}
    assert top - ALERTS_TOP == set(), "a room's module goes in its folder (alerts/<room>/service.py …)"


def test_every_alerts_room_has_its_service_and_is_documented() -> None:
    rooms = _alerts_rooms()
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "privacy" in {room.name for room in rooms}
    assert [room.name for room in rooms if not (room / "service.py").exists()] == []
    assert [room.name for room in rooms if f"`alerts/{room.name}/`" not in architecture] == []
    folders = [path.name for path in (ROOT / "alerts").iterdir() if path.is_dir() and path.name != "__pycache__"]
    assert sorted(folders) == [room.name for room in rooms], "every folder under alerts/ is a package"


# Page modules that still roll back by hand; they move to web.pages.committing once their edit-form masking lands.
ROLLBACK_BY_HAND = {"web/routes/cases.py", "web/routes/disclosure.py"}
COMMITTING = "web/pages.py"  # where committing itself rolls back


def _rollbacks_in_except(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "rollback":
                    yield f"{call.lineno}: {ast.unparse(call.func)}() in an except"


def test_page_forms_commit_through_committing() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in _files("web")
        if path.relative_to(ROOT).as_posix() not in {*ROLLBACK_BY_HAND, COMMITTING}
        for where in _rollbacks_in_except(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == [], "wrap a form's writes in web.pages.committing"
    assert list(_rollbacks_in_except(ast.parse("try:\n    x()\nexcept E:\n    session.rollback()\n")))


def _long_functions() -> Iterator[str]:
    for path in _files(*PACKAGES, "tests", "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    yield f"{path.relative_to(ROOT)}:{node.lineno}: {node.name} has {length} lines"


def test_no_function_is_longer_than_80_lines() -> None:
    assert list(_long_functions()) == []


OFFICE_WRITERS = ("core/officedoc.py", "core/cells.py", "core/masked_files.py")
DOCX_TEXT = {"add_run", "add_heading", "insert_paragraph_before"}
SHEET_MAKERS = {"active", "create_sheet", "get_sheet_by_name"}


def _sheets(tree: ast.AST) -> set[str]:
    """Names bound to a worksheet: ``x = book.active``, ``x = book.create_sheet(…)``, ``x: Worksheet``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value.func if isinstance(node.value, ast.Call) else node.value
            if isinstance(value, ast.Attribute) and value.attr in SHEET_MAKERS:
                names.add(node.targets[0].id)
        elif isinstance(node, ast.arg) and node.annotation is not None and "Worksheet" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names


def _office_writes(tree: ast.AST) -> Iterator[str]:
    """Text written into a Word or Excel file without the helpers of ``core.officedoc`` and ``core.cells``."""
    sheets = _sheets(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        on_sheet = isinstance(receiver, ast.Name) and receiver.id in sheets
        if (
            name in DOCX_TEXT
            or (name == "add_paragraph" and (node.args or any(k.arg == "text" for k in node.keywords)))
            or (on_sheet and name == "append")
            or (on_sheet and name == "cell" and (len(node.args) > 2 or any(k.arg == "value" for k in node.keywords)))
        ):
            yield f"{node.lineno}: {ast.unparse(node.func)}(…)"


def test_office_files_get_their_text_through_the_core_helpers() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{where}"
        for path in _files(*PACKAGES)
        if path.relative_to(ROOT).as_posix() not in OFFICE_WRITERS
        for where in _office_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == [], "write DOCX text through core.officedoc and XLSX cells through core.cells"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("sheet = book.active\nsheet.append([title])\n", True),
        ("def f(sheet: Worksheet) -> None:\n    sheet.cell(1, 1, title)\n", True),
        ("s = book.create_sheet('x')\ns.cell(row=1, column=1, value=title)\n", True),
        ("paragraph.add_run(title)\n", True),
        ("document.add_paragraph(title)\n", True),
        ("sheet = book.active\nxlsx_append(sheet, [title])\nsheet.cell(1, 1).font = bold\n", False),
        ("rows.append(title)\ndocument.add_paragraph()\n", False),
    ],
)
def test_the_office_rule_sees_what_it_must(source: str, expected: bool) -> None:
    assert bool(list(_office_writes(ast.parse(source)))) is expected


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from alerts.cases.models import Alert\n", "core", True),
        ("def f():\n    import nlp.analyze\n", "crawlers", True),
        ("from web.pages import done\n", "api", True),
        ("from core.models import Post\n", "alerts", False),
        ("import sqlalchemy\n", "core", False),
    ],
)
def test_the_import_rule_sees_what_it_must(source: str, package: str, expected: bool, tmp_path: Path) -> None:
    path = ROOT / package / "example.py"
    tree = ast.parse(source)
    names = [module for _, module in _imported(tree, path)]
    refused = any(
        name.split(".")[0] in PACKAGES and name.split(".")[0] not in ALLOWED[package] | {package} for name in names
    )
    assert refused is expected
