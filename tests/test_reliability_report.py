"""docs/reliability.md is generated from bench/results, and every proof it names exists."""

from __future__ import annotations

import ast
from pathlib import Path

from bench import reliability_report as report

ROOT = Path(__file__).resolve().parents[1]


def _defined(path: Path) -> set[str]:
    """'name' and 'Class::name' for every test function of a module."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)
            )
    return names


def test_every_promise_names_tests_that_exist():
    assert report.PROMISES
    for promise in report.PROMISES:
        assert promise.tests, promise.text
        for node in promise.tests:
            file, _, name = node.partition("::")
            assert (ROOT / file).is_file(), node
            assert name.split("[")[0] in _defined(ROOT / file), node


def test_every_quoted_figure_is_in_its_result():
    results = report.load_results()
    for promise in report.PROMISES:
        if promise.result and promise.result in results:
            figures = report.figures_of(results[promise.result])
            missing = [k for k in promise.figures if k not in figures]
            assert not missing, (promise.result, missing)


def test_the_page_is_what_the_results_make():
    assert report.PAGE.read_text() == report.render(report.load_results()), (
        "docs/reliability.md is out of date: run `make reliability-report`"
    )


def test_render_quotes_figures_with_date_and_mode(tmp_path):
    (tmp_path / "load-x.json").write_text(
        '{"date": "2026-12-04", "mode": "long", "figures": {"p99_ms": {"push": 812.5}}}'
    )
    promise = report.Promise(
        "Pushes stay quick.", ("tests/x.py::test_y",), "load-x", ("p99_ms.push",)
    )
    results = report.load_results(tmp_path)
    old = report.PROMISES
    report.PROMISES = (promise,)
    try:
        page = report.render(results)
    finally:
        report.PROMISES = old
    assert (
        "| Pushes stay quick. | `tests/x.py::test_y` | p99_ms.push 812 (2026-12-04, long) |" in page
    )
    assert "- p99_ms.push: 812" in page
