"""The architecture's rules: the core never imports Qt, the UI or the server; the server
never imports the UI; the UI never touches the database (it asks lcc_apr.ops)."""

import ast
from pathlib import Path

from .conftest import python_prints

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "lcc_apr"
SERVER = CORE / "server"
UI = ROOT / "ui"
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")
FORBIDDEN = (*QT, "ui")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def offenders(folder: Path, forbidden, *, skip: Path | None = None) -> dict[str, list[str]]:
    """Modules under `folder` importing anything `forbidden(module name)` says yes to."""
    found = {}
    for path in folder.rglob("*.py"):
        if skip is not None and path.is_relative_to(skip):
            continue
        bad = sorted(m for m in imported_modules(path) if forbidden(m))
        if bad:
            found[str(path.relative_to(folder.parent))] = bad
    return found


def test_no_core_module_imports_qt_or_ui():
    assert offenders(CORE, lambda m: m.split(".")[0] in FORBIDDEN) == {}


def test_no_core_module_outside_the_server_imports_the_server():
    server = lambda m: m == "lcc_apr.server" or m.startswith("lcc_apr.server.")  # noqa: E731
    assert offenders(CORE, server, skip=SERVER) == {}


def test_the_server_never_imports_the_ui_or_qt():
    assert offenders(SERVER, lambda m: m.split(".")[0] in FORBIDDEN) == {}


def test_the_ui_never_touches_the_database():
    """No SQLAlchemy in ui/, and no store session opened there: screens ask lcc_apr.ops."""
    assert offenders(UI, lambda m: m.split(".")[0] == "sqlalchemy") == {}
    sessions = [str(p.relative_to(ROOT)) for p in UI.rglob("*.py") if ".session()" in p.read_text()]
    assert sessions == []


def test_the_rules_catch_what_they_are_for(tmp_path):
    """The checks above can fail: a module importing what it must not is named."""
    (tmp_path / "bad.py").write_text("from sqlalchemy import select\nimport lcc_apr.server.app\n")
    found = offenders(tmp_path, lambda m: m.startswith("sqlalchemy"))
    assert found == {f"{tmp_path.name}/bad.py": ["sqlalchemy"]}


def test_importing_the_whole_core_loads_no_qt():
    modules = [
        "lcc_apr." + ".".join(p.relative_to(CORE).with_suffix("").parts)
        for p in CORE.rglob("*.py")
        if p.name != "__init__.py" and "migrations" not in p.parts
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    )
    assert python_prints(code) == "[]"


def test_the_ui_package_imports_with_qt(qapp):
    from ui.qt import QtWidgets

    assert isinstance(QtWidgets.QApplication.instance(), QtWidgets.QApplication)
