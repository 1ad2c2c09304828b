"""The sample HR exports in resources/hr/samples/ (issue 14, section 3): made from the full
demo organisation byte for byte, read by their profiles without a problem, all four holding
the same posts, and the error sample reporting each row's rule."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lcc_apr.cli import main
from lcc_apr.hr import read_organisation
from lcc_apr.hr.samples import SAMPLES
from lcc_apr.paths import resources_dir

SAMPLES_DIR = resources_dir() / "hr" / "samples"
PROFILE_SAMPLES = [name for name in SAMPLES if not name.startswith("errors")]


@pytest.fixture(scope="module")
def readings():
    return {
        name: read_organisation(SAMPLES_DIR / name, profile=Path(name).stem)
        for name in PROFILE_SAMPLES
    }


def test_the_samples_are_made_again_byte_for_byte(tmp_path, capsys):
    assert main(["demo", "--hr-export", str(tmp_path)]) == 0
    for name in SAMPLES:
        assert (tmp_path / name).read_bytes() == (SAMPLES_DIR / name).read_bytes(), name


def test_every_profile_sample_reads_without_a_problem(readings):
    for name, reading in readings.items():
        assert reading.problems == [], name
        assert len(reading.rows) > 6000, name


def test_the_four_samples_hold_the_same_posts(readings):
    def posts(reading):
        return sorted(
            (r.payroll, r.post, r.last_name, r.manager_payroll or "", r.fte, r.start_date, r.grade)
            for r in reading.rows
        )

    first, *others = readings.values()
    for reading in others:
        assert posts(reading) == posts(first)


def test_reports_show_their_skipped_rows(readings):
    reasons = {s.reason for s in readings["resourcelink.xlsx"].skipped}
    assert {"group heading", "subtotal row", "total row", "footer below the table"} <= reasons
    assert readings["itrent.csv"].encoding == "UTF-8 with BOM"


def test_the_error_sample_reports_each_rows_rule():
    path = SAMPLES_DIR / "errors.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        expected = {n: row[0] for n, row in enumerate(csv.reader(handle), start=1) if row[0]}
    expected.pop(1)  # the header
    reading = read_organisation(path, profile="generic")
    found: dict[int, set[str]] = {}
    for problem in reading.problems:
        found.setdefault(problem.row, set()).add(problem.rule)
    assert {row: {rule} for row, rule in expected.items()} == found
    assert len(set(expected.values())) >= 15
