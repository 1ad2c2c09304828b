"""Sample HR exports, one per profile, made from the demo organisation (test data, and the
documentation of what each profile reads: docs/hr-import.md).

`write_samples(folder, org)` writes, byte for byte the same for the same organisation:
- `generic.csv`: UTF-8, one header row, ISO dates.
- `itrent.csv`: UTF-8 with a BOM, two header rows (system keys, then labels), day-first dates.
- `successfactors.xlsx`: a title row above the header, dates as Excel dates, a footer.
- `resourcelink.xlsx`: title rows, a heading row per department, a total row under each, a
  grand total and a footer, as printed reports are.
- `errors.csv` (generic profile): one row per rule a row or the rows together can break.

Each person holds one post; every 97th also holds a second, non-primary post. Headings and
codes are each profile's first ones (resources/hr/<name>.toml).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .profiles import profile_path

Row = dict[str, Any]  # field name -> value as LCC APR holds it
SAMPLES_AS_OF = date(2025, 11, 30)  # resources/hr/samples/ are the full demo on this day
SECOND_POST_EVERY = 97
HOURS_FULL_TIME = Decimal(37)
FIXED_TIME = datetime(2024, 1, 1, tzinfo=UTC)  # every time inside a sample workbook
SYSTEM_KEY = re.compile(r"^[A-Z0-9_]+$")
FIELDS = (
    "payroll",
    "post",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "department",
    "section",
    "job_title",
    "grade",
    "manager_payroll",
    "manager_post",
    "contract_type",
    "fte",
    "weekly_hours",
    "start_date",
    "probation_end_date",
    "leaving_date",
    "primary",
    "sex",
    "ethnicity",
    "disability",
    "age_band",
    "sexual_orientation",
    "religion",
)


def post_number(employee_id: int, second: bool = False) -> str:
    return f"{(500_000 if second else 100_000) + employee_id:08d}"


def organisation_rows(org: Any) -> list[Row]:
    """One row per post held in `org` (lcc_apr.demo.organisation.Organisation)."""
    departments = {d["id"]: d for d in org.departments}
    by_id = {e["id"]: e for e in org.employees}
    rows: list[Row] = []
    for e in org.employees:
        dept = departments[e["department_id"]]
        top = departments[dept["parent_id"]] if dept["parent_id"] else dept
        manager = by_id.get(e["line_manager_id"])
        row: Row = {
            "payroll": e["payroll_number"],
            "post": post_number(e["id"]),
            "first_name": e["first_name"],
            "last_name": e["last_name"],
            "preferred_name": e["preferred_name"],
            "email": e["email"],
            "department": top["name"],
            "section": dept["name"] if dept is not top else None,
            "job_title": e["job_title"],
            "grade": e["grade"],
            "manager_payroll": manager["payroll_number"] if manager else None,
            "manager_post": post_number(manager["id"]) if manager else None,
            "contract_type": str(e["contract_type"]),
            "fte": e["fte"],
            "weekly_hours": (HOURS_FULL_TIME * e["fte"]).quantize(Decimal("0.01")),
            "start_date": e["start_date"],
            "probation_end_date": e["probation_end_date"],
            "leaving_date": e["leaving_date"],
            "primary": "yes",
        }
        for field in ("sex", "ethnicity", "disability", "age_band", "sexual_orientation"):
            row[field] = str(e[field]) if e[field] is not None else None
        row["religion"] = str(e["religion"]) if e["religion"] is not None else None
        rows.append(row)
        if e["id"] % SECOND_POST_EVERY == 0:
            rows.append(
                {
                    **row,
                    "post": post_number(e["id"], second=True),
                    "job_title": f"{e['job_title']} (relief)",
                    "fte": Decimal("0.100"),
                    "weekly_hours": Decimal("3.70"),
                    "primary": "no",
                }
            )
    return rows


class Layout:
    """One profile's headings, codes and date format, as its samples write them."""

    def __init__(self, profile: str, date_format: str) -> None:
        data = tomllib.loads(profile_path(profile).read_text(encoding="utf-8"))
        self.columns: dict[str, list[str]] = data["columns"]
        self.codes: dict[str, dict[str, list[Any]]] = data.get("codes", {})
        self.date_format = date_format
        self.fields = [f for f in FIELDS if f in self.columns]
        self.labels = [self.columns[f][0] for f in self.fields]

    def system_keys(self) -> list[str]:
        keys = [[h for h in self.columns[f] if SYSTEM_KEY.match(h)] for f in self.fields]
        return [k[0] if k else "" for k in keys]

    def cell(self, field: str, value: Any, dates_as_text: bool = True) -> Any:
        if value is None:
            return ""
        if isinstance(value, date):
            return value.strftime(self.date_format) if dates_as_text else value
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if dates_as_text else float(value)
        codes = self.codes.get(field, {}).get(str(value))
        return str(codes[0]) if codes else str(value)

    def cells(self, row: Row, dates_as_text: bool = True) -> list[Any]:
        return [self.cell(f, row.get(f), dates_as_text) for f in self.fields]


def _csv(lines: Sequence[Sequence[Any]], encoding: str) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(lines)
    return text.getvalue().encode(encoding, errors="replace")


def generic_csv(rows: list[Row]) -> bytes:
    layout = Layout("generic", "%Y-%m-%d")
    return _csv([layout.labels, *(layout.cells(r) for r in rows)], "utf-8")


def itrent_csv(rows: list[Row]) -> bytes:
    layout = Layout("itrent", "%d/%m/%Y")
    lines = [layout.system_keys(), layout.labels, *(layout.cells(r) for r in rows)]
    return _csv(lines, "utf-8-sig")  # Windows-1252 would lose names such as Đorđević


def successfactors_xlsx(rows: list[Row]) -> bytes:
    layout = Layout("successfactors", "%Y-%m-%d")
    lines: list[list[Any]] = [["Employee Central: organisation export"], []]
    lines += [layout.labels, *(layout.cells(r, dates_as_text=False) for r in rows)]
    lines += [[], [f"Records: {len(rows):,}"]]
    return _xlsx("Employees", lines)


def resourcelink_xlsx(rows: list[Row]) -> bytes:
    layout = Layout("resourcelink", "%d/%m/%Y")
    lines: list[list[Any]] = [["Organisation report: all appointments"], ["Run by: HR systems"]]
    lines += [[], layout.labels]
    for department in sorted({r["department"] for r in rows}):
        posts = [r for r in rows if r["department"] == department]
        lines.append([department])
        lines += [layout.cells(r, dates_as_text=False) for r in posts]
        lines.append([f"{department} Total", len(posts)])
    lines += [["Grand total", len(rows)], [], ["Page 1 of 1"]]
    return _xlsx("Appointments", lines)


def _xlsx(title: str, lines: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    from .export import save_fixed

    book = Workbook(write_only=True)
    book.properties.creator = "LCC APR samples"
    sheet = book.create_sheet(title)
    for line in lines:
        sheet.append(line)
    raw = io.BytesIO()
    save_fixed(book, raw, FIXED_TIME)  # the same bytes every run
    return raw.getvalue()


def error_rows(rows: list[Row]) -> list[tuple[str, Row]]:
    """One broken row per rule (its name first), made from good rows of `rows`."""
    a, b, c = (dict(r) for r in rows[1:4])  # these replace the good ones
    base = rows[20:40]

    def broken(rule: str, row: Row, **changes: Any) -> tuple[str, Row]:
        return rule, {**row, **changes}

    n = iter(range(90_000_001, 90_000_100))

    def fresh(row: Row) -> Row:
        number = str(next(n))
        boss = {"manager_payroll": rows[0]["payroll"], "manager_post": rows[0]["post"]}
        return {
            **row,
            **boss,
            "payroll": number,
            "post": f"9{number}",
            "email": f"x{number}@example.org",
        }

    return [
        broken("required", fresh(base[0]), last_name=None),
        broken("bad-key", fresh(base[1]), payroll="12 34"),
        broken("bad-email", fresh(base[2]), email="not an email"),
        broken("not-a-number", fresh(base[3]), fte="full"),
        broken("fte-range", fresh(base[4]), fte=Decimal("1.5")),
        broken("hours-range", fresh(base[5]), weekly_hours=Decimal(80)),
        broken("not-a-date", fresh(base[6]), start_date="soon"),
        broken("impossible-date", fresh(base[7]), start_date="2024-02-31"),
        broken("unknown-code", fresh(base[8]), contract_type="zero-hours"),
        broken("date-order", fresh(base[9]), leaving_date=date(1990, 1, 1)),
        broken("duplicate-key", dict(rows[6]), primary="no"),
        broken("unknown-manager", fresh(base[10]), manager_payroll="99999999"),
        broken("manages-self", a, manager_payroll=a["payroll"]),
        broken("manager-loop", b, manager_payroll=c["payroll"]),
        broken("manager-loop", c, manager_payroll=b["payroll"]),
        broken("two-primary-posts", dict(rows[5]), post=post_number(999_999)),
        broken("duplicate-email", fresh(base[11]), email=rows[7]["email"]),
    ]


def errors_csv(rows: list[Row]) -> bytes:
    """The error sample: good rows, then one broken row per rule; the first column names
    the rule each row breaks (a column no profile reads, so it is ignored)."""
    layout = Layout("generic", "%Y-%m-%d")
    good = [rows[0], *rows[4:12]]
    lines: list[list[Any]] = [["Breaks rule", *layout.labels]]
    lines += [["", *layout.cells(r)] for r in good]
    lines += [[rule, *layout.cells(r)] for rule, r in error_rows(rows)]
    return _csv(lines, "utf-8")


SAMPLES: dict[str, Callable[[list[Row]], bytes]] = {
    "generic.csv": generic_csv,
    "itrent.csv": itrent_csv,
    "successfactors.xlsx": successfactors_xlsx,
    "resourcelink.xlsx": resourcelink_xlsx,
    "errors.csv": errors_csv,
}


def write_samples(folder: Path, org: Any) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = organisation_rows(org)
    written = []
    for name, make in SAMPLES.items():
        path = folder / name
        path.write_bytes(make(rows))
        written.append(path)
    return written
