"""The layer rules, checked on the code itself (AST): no ORM outside store/, records out of the application layer.

- no module of workflow/, api/, cli/, connectors/ or web/ imports sqlalchemy or store.tables (the ORM room is
  store/, and the unit of work hands out repositories that return records);
- none of them opens a raw session (`.session()`), or names an ORM row class (`...Row`), so no ORM row is returned;
- every repository method in store/repositories/ is annotated, and no annotation names a `...Row` class, so the
  records that leave store/ are frozen dataclasses or domain objects.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_STORE = ("workflow", "api", "cli", "connectors", "web")
FORBIDDEN_MODULES = ("sqlalchemy", "store.tables", "store.db")
# The composition root builds the Database (store.db) for the unit of work; nothing else outside store/ may.
MAY_BUILD_THE_DATABASE = {"api/bootstrap.py", "workflow/services.py"}


def _modules(*folders: str) -> Iterator[tuple[str, ast.Module]]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _forbidden(name: str, relative: str) -> bool:
    for module in FORBIDDEN_MODULES:
        if name == module or name.startswith(module + "."):
            return not (module == "store.db" and relative in MAY_BUILD_THE_DATABASE)
    return False


def _row_names(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Names (and attributes) that look like ORM row classes: `MessageRow`, `tables.GuideRow`."""
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name and name.endswith("Row") and name[:1].isupper():
            yield node.lineno, name


def _session_calls(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "session":
            yield node.lineno


def test_nothing_outside_store_imports_the_orm() -> None:
    found = [
        f"{relative}:{line} imports {name}"
        for relative, tree in _modules(*OUTSIDE_STORE)
        for line, name in _imports(tree)
        if _forbidden(name, relative)
    ]
    assert found == [], "the ORM stays in store/; use services.uow() and its repositories:\n" + "\n".join(found)


def test_nothing_outside_store_opens_a_session_or_handles_rows() -> None:
    found = [
        f"{relative}:{line} {what}"
        for relative, tree in _modules(*OUTSIDE_STORE)
        for line, what in [*((n, "opens a session") for n in _session_calls(tree)), *_row_names(tree)]
    ]
    assert found == [], "workflow and entrypoints see records, never rows or sessions:\n" + "\n".join(found)


def _repository_methods() -> Iterator[tuple[str, ast.FunctionDef]]:
    for relative, tree in _modules("store/repositories"):
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("Repository")):
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    yield f"{relative}:{cls.name}.{item.name}", item


def test_repositories_return_records_never_rows() -> None:
    methods = list(_repository_methods())
    assert len(methods) > 50, "the repositories were found"
    unannotated = [where for where, fn in methods if fn.returns is None]
    rows = [where for where, fn in methods if fn.returns is not None and "Row" in ast.unparse(fn.returns)]
    assert unannotated == [], "every repository method says what it returns"
    assert rows == [], "repository methods return records, never ORM rows"


def test_repositories_are_composed_not_inherited() -> None:
    bases = [
        f"{relative}:{cls.name}({', '.join(ast.unparse(b) for b in cls.bases)})"
        for relative, tree in _modules("store/repositories")
        for cls in tree.body
        if isinstance(cls, ast.ClassDef) and cls.name.endswith("Repository") and cls.bases
    ]
    assert bases == []


@pytest.mark.parametrize(
    ("source", "offence"),
    [
        ("from sqlalchemy import select\n", "imports sqlalchemy"),
        ("import store.tables\n", "imports store.tables"),
        ("from store.tables import MessageRow\n", "imports store.tables"),
        ("def f(services):\n    with services.db.session() as s:\n        return s\n", "opens a session"),
        ("def f(repo) -> GuideRow:\n    return repo.get_guide_row('g')\n", "names a row"),
    ],
)
def test_the_checks_catch_what_they_are_for(source: str, offence: str) -> None:
    """The rules above are not vacuous: each flags the code it is meant to refuse."""
    tree = ast.parse(source)
    flagged = {
        "imports sqlalchemy": any(_forbidden(n, "workflow/x.py") for _, n in _imports(tree)),
        "imports store.tables": any(_forbidden(n, "workflow/x.py") for _, n in _imports(tree)),
        "opens a session": any(True for _ in _session_calls(tree)),
        "names a row": any(True for _ in _row_names(tree)),
    }
    assert flagged[offence]
