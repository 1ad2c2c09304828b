"""Reading an HR system's organisation export (lcc_apr.hr): profiles, CSV and XLSX, the
layout of real reports, each rule, each refused file, progress and cancel, 100,000 rows.

Every file is made here: CSV text, or XLSX written with openpyxl."""

import codecs
import csv
import io
import logging
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from lcc_apr.hr import (
    PROFILES,
    ProfileError,
    ReadCancelled,
    ReadRefused,
    load_profile,
    read_organisation,
    sources,
)
from lcc_apr.hr.profiles import profile_path
from lcc_apr.models.enums import ContractType, Sex

COLUMNS = [
    "Payroll number",
    "Post number",
    "First name",
    "Last name",
    "Work email",
    "Department",
    "Section",
    "Job title",
    "Grade",
    "Line manager payroll number",
    "Contract type",
    "FTE",
    "Weekly hours",
    "Start date",
    "Probation end date",
    "Leaving date",
    "Primary post",
    "Sex",
]


def person(payroll, post, first, last, manager="", **cells):
    row = {
        "Payroll number": payroll,
        "Post number": post,
        "First name": first,
        "Last name": last,
        "Work email": f"{first}.{last}@example.org".lower(),
        "Department": "Adults and Communities",
        "Section": "Care Management",
        "Job title": "Social Worker",
        "Grade": "9",
        "Line manager payroll number": manager,
        "Contract type": "P",
        "FTE": "1",
        "Weekly hours": "37",
        "Start date": "01/04/2015",
        "Primary post": "Y",
        "Sex": "F",
    }
    row.update(cells)
    return row


def staff():
    return [
        person("1001", "P1", "Ann", "Archer", Grade="18", **{"Job title": "Director"}),
        person("1002", "P2", "Ben", "Baker", "1001", Sex="M"),
        person("1003", "P3", "Cara", "Cole", "1002", FTE="0.5", **{"Contract type": "T"}),
    ]


def table(people, columns=COLUMNS):
    return [list(columns)] + [[p.get(c, "") for c in columns] for p in people]


def write_csv(path, rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def read_people(tmp_path, people, profile="generic", **options):
    return read_organisation(write_csv(tmp_path / "staff.csv", table(people)), profile, **options)


def found(reading):
    """(row, column, rule, value) of each problem."""
    return [(p.row, p.column, p.rule, p.value) for p in reading.problems]


def profile_like(tmp_path, base="generic", **settings):
    """A copy of a shipped profile with [profile] settings changed."""
    text = profile_path(base).read_text(encoding="utf-8")
    for name, value in settings.items():
        start = text.index(f"\n{name} = ") + 1
        end = text.index("\n", start)
        text = text[:start] + f"{name} = {value!r}".replace("'", '"') + text[end:]
    path = tmp_path / f"{base}-changed.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Profiles


@pytest.mark.parametrize("name", PROFILES)
def test_each_shipped_profile_loads_and_says_it_is_hr_configuration(name):
    profile = load_profile(name)
    assert profile.field_for("not a heading") is None
    assert {"payroll", "first_name", "last_name", "start_date"} <= set(profile.aliases.values())
    text = profile_path(name).read_text(encoding="utf-8")
    assert "CONFIGURATION HR EDITS" in text
    assert "NOT taken from Leicestershire County Council" in text.replace("\n# ", " ")


def test_a_profile_giving_one_heading_to_two_fields_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    text = profile_path("generic").read_text(encoding="utf-8")
    path.write_text(text.replace('section = ["Section"', 'section = ["Department"'), "utf-8")
    with pytest.raises(ProfileError, match="'Department' also names department"):
        load_profile(path)


def test_a_profile_code_for_a_value_lcc_apr_does_not_hold_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    text = profile_path("generic").read_text(encoding="utf-8")
    path.write_text(text.replace("casual = [", "zero_hours = ["), "utf-8")
    with pytest.raises(ProfileError, match="codes.contract_type.zero_hours: not one of"):
        load_profile(path)


@pytest.mark.parametrize("name", ["../policy/policy", "missing"])
def test_an_unknown_profile_name_is_refused(name):
    with pytest.raises(ProfileError):
        load_profile(name)


def test_each_shipped_profile_reads_a_file_with_its_own_headings(tmp_path):
    fields = ["payroll", "post", "first_name", "last_name", "department", "job_title"]
    fields += ["grade", "manager_payroll", "start_date", "contract_type", "fte", "primary"]
    data = [
        ["7", "A1", "Ann", "Archer", "Adults", "Director", "18", "", "2010-04-01", "permanent"],
        ["8", "A2", "Ben", "Baker", "Adults", "Officer", "9", "7", "2015-04-01", "fixed_term"],
    ]
    for name in PROFILES:
        profile = load_profile(name)
        header = [profile.examples(f)[0] for f in fields]
        rows = [header] + [[*row, "0.5", "yes"] for row in data]
        reading = read_organisation(write_csv(tmp_path / f"{name}.csv", rows), name)
        assert reading.problems == [], name
        manager = "7".zfill(profile.payroll_width)  # leading zeros put back where it says
        assert [r.manager_payroll for r in reading.rows] == [None, manager]


# A clean file, and encodings


def test_a_clean_csv_gives_one_checked_row_per_post(tmp_path):
    reading = read_people(tmp_path, staff())
    assert reading.problems == [] and reading.skipped == []
    assert (reading.sheet, reading.encoding, reading.header_rows) == ("staff.csv", "UTF-8", (1,))
    assert reading.columns["last_name"] == "D (Last name)"
    ann, ben, cara = reading.rows
    assert (ann.row, ann.payroll, ann.post, ann.manager_payroll) == (2, "1001", "P1", None)
    assert (ben.manager_payroll, ben.sex, ben.start_date) == ("1001", Sex.MALE, date(2015, 4, 1))
    assert (cara.contract_type, cara.fte, cara.primary) == (
        ContractType.FIXED_TERM,
        Decimal("0.500"),
        True,
    )


def test_utf8_with_bom_is_found_and_reported(tmp_path):
    path = write_csv(tmp_path / "staff.csv", table(staff()), encoding="utf-8-sig")
    reading = read_organisation(path)
    assert reading.encoding == "UTF-8 with BOM"
    assert reading.rows[0].payroll == "1001"  # the BOM is not part of the first heading


def test_windows_1252_is_found_and_reported(tmp_path):
    people = staff()
    people[0]["First name"] = "Zoë"
    people[0]["Work email"] = "zoe.archer@example.org"
    reading = read_organisation(write_csv(tmp_path / "s.csv", table(people), encoding="cp1252"))
    assert reading.encoding == "Windows-1252"
    assert reading.rows[0].first_name == "Zoë"


def test_utf16_tab_separated_text_as_excel_saves_it_is_read(tmp_path):
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(table(staff()))
    (tmp_path / "s.txt").write_bytes(out.getvalue().encode("utf-16"))  # with its BOM
    reading = read_organisation(tmp_path / "s.txt")
    assert (reading.encoding, len(reading.rows)) == ("UTF-16", 3)


def test_a_semicolon_separated_csv_is_read(tmp_path):
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(table(staff()))
    (tmp_path / "s.csv").write_text(out.getvalue(), encoding="utf-8")
    assert len(read_organisation(tmp_path / "s.csv").rows) == 3


# Layout: title rows, headings, totals, footers, two header rows


def report_rows(people, columns=COLUMNS):
    """An XLSX report as HR systems print them: title, groups, subtotals, a total, a footer."""
    header, *data = table(people, columns)
    fte_at = columns.index("FTE")
    subtotal = ["Adults and Communities Total"] + [""] * (len(columns) - 1)
    subtotal[fte_at] = 2
    total = ["Grand total"] + [""] * (len(columns) - 1)
    total[fte_at] = 2.5
    return [
        ["Leicestershire County Council"],
        ["Establishment report, run 01/05/2025"],
        [],
        header,
        ["Adults and Communities"],
        data[0],
        data[1],
        subtotal,
        ["Corporate Resources"],
        header,  # printed again at a page break
        data[2],
        total,
        [],
        ["Report produced by the HR system on 01/05/2025"],
        ["Page 1 of 1"],
    ]


def test_report_rows_that_are_not_posts_are_skipped_each_with_its_reason(tmp_path):
    path = write_xlsx(tmp_path / "report.xlsx", {"Establishment": report_rows(staff())})
    reading = read_organisation(path)
    assert (reading.sheet, reading.encoding, reading.header_rows) == ("Establishment", None, (4,))
    assert [r.row for r in reading.rows] == [6, 7, 11]
    assert reading.problems == []
    assert [(s.sheet, s.row, s.reason) for s in reading.skipped] == [
        ("Establishment", 1, "title row above the header"),
        ("Establishment", 2, "title row above the header"),
        ("Establishment", 3, "blank row"),
        ("Establishment", 5, "group heading"),
        ("Establishment", 8, "subtotal row"),
        ("Establishment", 9, "group heading"),
        ("Establishment", 10, "header repeated"),
        ("Establishment", 12, "total row"),
        ("Establishment", 13, "blank row"),
        ("Establishment", 14, "footer below the table"),
        ("Establishment", 15, "footer below the table"),
    ]


def test_blank_rows_of_a_used_range_past_the_table_are_not_reported(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"Staff": table(staff())})
    book = openpyxl.load_workbook(path)
    book["Staff"]["C5000"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    reading = read_organisation(path)
    assert len(reading.rows) == 3 and reading.skipped == [] and reading.problems == []


def test_a_row_without_a_payroll_number_but_full_of_data_is_a_problem_not_skipped(tmp_path):
    people = staff()
    people[2]["Payroll number"] = ""
    reading = read_people(tmp_path, people)
    assert found(reading) == [(4, "A (Payroll number)", "required", None)]
    assert reading.skipped == []


ITRENT_KEYS = ["EMP_NO", "POST_NO", "FORENAME", "SURNAME", "ORG_LEVEL_2", "POST_TITLE", "GRADE"]
ITRENT_KEYS += ["MGR_EMP_NO", "POST_START_DT", "PRIMARY_POST"]
ITRENT_LABELS = ["Employee Number", "Post Number", "Forename", "Surname", "Directorate"]
ITRENT_LABELS += ["Post Title", "Grade", "Line Manager Employee Number", "Post Start Date"]
ITRENT_LABELS += ["Primary Post"]


def test_two_header_rows_system_keys_then_labels_stripped_zeros_and_serial_dates(tmp_path):
    rows = [
        ["Organisation report"],
        ITRENT_KEYS,
        ITRENT_LABELS,
        [1234, "P1", "Ann", "Archer", "Adults", "Director", 18, None, datetime(2010, 4, 1), "Y"],
        [1235.0, "P2", "Ben", "Baker", "Adults", "Social Worker", 9, 1234, 45292, "Y"],
        ["1236", "P3", "Cara", "Cole", "Adults", "Social Worker", 9, "1235", "45293", "Y"],
    ]
    reading = read_organisation(write_xlsx(tmp_path / "itrent.xlsx", {"Sheet1": rows}), "itrent")
    assert reading.problems == []
    assert reading.header_rows == (2, 3)
    assert reading.columns["payroll"] == "A (Employee Number)"
    assert [(s.row, s.reason) for s in reading.skipped] == [
        (1, "title row above the header"),
        (3, "second header row"),
    ]
    ann, ben, cara = reading.rows
    assert [r.payroll for r in reading.rows] == ["00001234", "00001235", "00001236"]
    assert (ben.manager_payroll, cara.manager_payroll) == ("00001234", "00001235")
    assert (ann.start_date, ben.start_date, cara.start_date) == (
        date(2010, 4, 1),
        date(2024, 1, 1),
        date(2024, 1, 2),
    )
    assert ann.grade == "18"


def test_a_date_excel_made_of_a_grade_is_not_text(tmp_path):
    rows = table(staff())
    rows[3][COLUMNS.index("Grade")] = datetime(2025, 8, 7)  # "7-8" typed into Excel
    reading = read_organisation(write_xlsx(tmp_path / "s.xlsx", {"Staff": rows}))
    assert found(reading) == [(4, "I (Grade)", "not-text", "2025-08-07 00:00:00")]


def test_stripped_leading_zeros_come_back_in_a_csv_too(tmp_path):
    profile = profile_like(tmp_path, payroll_width=6)
    people = staff()
    people[0]["Payroll number"], people[1]["Line manager payroll number"] = "1001", "001001"
    reading = read_people(tmp_path, people, profile)
    assert reading.problems == []
    assert [r.payroll for r in reading.rows] == ["001001", "001002", "001003"]
    assert reading.rows[1].manager_payroll == "001001"


def test_csv_and_xlsx_of_the_same_people_agree(tmp_path):
    rows = table(staff())
    from_csv = read_organisation(write_csv(tmp_path / "s.csv", rows))
    from_xlsx = read_organisation(write_xlsx(tmp_path / "s.xlsx", {"Staff": rows}))
    assert [r.model_dump() for r in from_csv.rows] == [r.model_dump() for r in from_xlsx.rows]


def test_several_candidate_sheets_are_refused_by_name_and_one_can_be_chosen(tmp_path):
    sheets = {
        "Notes": [["How this report was made"]],
        "Staff": table(staff()),
        "Leavers": table(staff()[:1]),
        "Lookup": table(staff()[:1]),  # hidden below: never a candidate
    }
    path = write_xlsx(tmp_path / "s.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    book["Lookup"].sheet_state = "hidden"
    book.save(path)
    with pytest.raises(ReadRefused, match="s.xlsx: has several sheets .*'Staff', 'Leavers'"):
        read_organisation(path)
    assert len(read_organisation(path, sheet="Staff").rows) == 3
    assert len(read_organisation(path, sheet="Lookup").rows) == 1
    with pytest.raises(ReadRefused, match="no sheet called 'Posts'"):
        read_organisation(path, sheet="Posts")


# Dates


def test_day_first_profile_reads_an_order_it_fixes(tmp_path):
    people = staff()
    people[0]["Start date"] = "03/04/2024"
    assert read_people(tmp_path, people).rows[0].start_date == date(2024, 4, 3)


def test_a_date_two_formats_read_differently_is_ambiguous(tmp_path):
    people = staff()
    people[0]["Start date"] = "03/04/2024"
    people[1]["Start date"] = "12/25/2024"  # only month-first reads it: not ambiguous
    people[2]["Start date"] = "2015-04-01"
    # the SuccessFactors-style profile's date formats (both orders), generic headings
    formats = list(load_profile("successfactors").date_formats)
    reading = read_people(tmp_path, people, profile_like(tmp_path, date_formats=formats))
    assert found(reading) == [(2, "N (Start date)", "ambiguous-date", "03/04/2024")]
    assert reading.rows[0].start_date == date(2024, 12, 25)


def test_a_us_order_date_in_a_day_first_file_is_an_impossible_date(tmp_path):
    people = staff()
    people[0]["Start date"] = "04/13/2024"
    assert found(read_people(tmp_path, people)) == [
        (2, "N (Start date)", "impossible-date", "04/13/2024")
    ]


def test_excel_serial_day_numbers_are_dates_in_a_csv(tmp_path):
    people = staff()
    people[0]["Start date"] = "45292"
    assert read_people(tmp_path, people).rows[0].start_date == date(2024, 1, 1)


# Each rule on one row


@pytest.mark.parametrize(
    ("column", "value", "rule", "letter"),
    [
        ("Last name", "", "required", "D"),
        ("Contract type", "Z", "unknown-code", "K"),
        ("FTE", "0", "fte-range", "L"),
        ("FTE", "1.5", "fte-range", "L"),
        ("FTE", "full", "not-a-number", "L"),
        ("Weekly hours", "90", "hours-range", "M"),
        ("Start date", "31/02/2024", "impossible-date", "N"),
        ("Start date", "1/1/1850", "impossible-date", "N"),
        ("Start date", "soon", "not-a-date", "N"),
        ("Work email", "ann at example", "bad-email", "E"),
        ("Payroll number", "10 01", "bad-key", "A"),
        ("Job title", "x" * 201, "too-long", "H"),
        ("Primary post", "maybe", "unknown-code", "Q"),
    ],
)
def test_each_cell_rule_names_row_column_and_value(tmp_path, column, value, rule, letter):
    people = staff()
    people[2][column] = value  # the last row: no one names it as their manager
    shown = value or None
    assert found(read_people(tmp_path, people)) == [(4, f"{letter} ({column})", rule, shown)]


def test_a_leaving_date_before_the_start_date_is_refused(tmp_path):
    people = staff()
    people[2]["Leaving date"] = "01/01/2015"
    assert found(read_people(tmp_path, people)) == [
        (4, "P (Leaving date)", "date-order", "2015-01-01")
    ]


def test_a_repeated_payroll_and_post_is_a_duplicate_key(tmp_path):
    people = [*staff(), person("1003", "P3", "Cara", "Cole", "1002", **{"Primary post": "N"})]
    assert found(read_people(tmp_path, people)) == [
        (5, "A (Payroll number)", "duplicate-key", "1003 / P3")
    ]


def test_a_manager_no_one_in_the_file_has_is_unknown(tmp_path):
    people = staff()
    people[2]["Line manager payroll number"] = "9999"
    assert found(read_people(tmp_path, people)) == [
        (4, "J (Line manager payroll number)", "unknown-manager", "9999")
    ]


def test_a_manager_held_already_is_known(tmp_path):
    people = staff()
    people[2]["Line manager payroll number"] = "9999"
    assert read_people(tmp_path, people, known_payrolls={"9999"}).problems == []


def test_a_manager_whose_own_row_failed_is_not_also_unknown(tmp_path):
    people = staff()
    people[1]["FTE"] = "2"
    assert [p.rule for p in read_people(tmp_path, people).problems] == ["fte-range"]


def test_a_manager_chain_that_loops_is_found(tmp_path):
    people = staff()
    people[0]["Line manager payroll number"] = "1003"  # 1001 -> 1003 -> 1002 -> 1001
    assert {(r, rule) for r, _, rule, _ in found(read_people(tmp_path, people))} == {
        (2, "manager-loop"),
        (3, "manager-loop"),
        (4, "manager-loop"),
    }


def test_a_chain_into_a_loop_only_reports_the_loop(tmp_path):
    people = [*staff(), person("1004", "P4", "Dev", "Dale", "1002")]
    people[1]["Line manager payroll number"] = "1003"  # 1002 <-> 1003; 1004 reports into it
    assert [(p.row, p.rule) for p in read_people(tmp_path, people).problems] == [
        (3, "manager-loop"),
        (4, "manager-loop"),
    ]


def test_a_person_managing_themself_is_refused(tmp_path):
    people = staff()
    people[1]["Line manager payroll number"] = "1002"
    assert found(read_people(tmp_path, people)) == [
        (3, "J (Line manager payroll number)", "manages-self", "1002")
    ]


def test_managers_by_post_number_resolve_and_self_is_found(tmp_path):
    columns = [c if c != "Line manager payroll number" else "Manager post number" for c in COLUMNS]
    people = staff()
    for p, manager in zip(people, ["", "P1", "P3"], strict=True):
        p["Manager post number"] = manager
    reading = read_organisation(write_csv(tmp_path / "s.csv", table(people, columns)))
    assert found(reading) == [(4, "J (Manager post number)", "manages-self", "P3")]
    assert reading.rows[1].manager_post == "P1"


def test_two_posts_one_primary_is_fine_two_primaries_are_not(tmp_path):
    second = person("1003", "P4", "Cara", "Cole", "1001", **{"Primary post": "N"})
    assert read_people(tmp_path, [*staff(), second]).problems == []
    second["Primary post"] = "Y"
    assert found(read_people(tmp_path, [*staff(), second])) == [
        (5, "Q (Primary post)", "two-primary-posts", "yes")
    ]


def test_two_posts_and_neither_primary_is_reported(tmp_path):
    people = [*staff(), person("1003", "P4", "Cara", "Cole", "1001")]
    people[2]["Primary post"] = people[3]["Primary post"] = "N"
    assert found(read_people(tmp_path, people)) == [
        (4, "Q (Primary post)", "no-primary-post", None)
    ]


def test_one_person_named_two_ways_is_inconsistent(tmp_path):
    people = [*staff(), person("1003", "P4", "Cara", "Coles", "1001", **{"Primary post": "N"})]
    people[3]["Work email"] = "cara.cole@example.org"
    assert found(read_people(tmp_path, people)) == [
        (5, "D (Last name)", "inconsistent-person", "Coles")
    ]


def test_two_people_with_one_email_are_refused(tmp_path):
    people = staff()
    people[2]["Work email"] = "ben.baker@example.org"
    assert found(read_people(tmp_path, people)) == [
        (4, "E (Work email)", "duplicate-email", "ben.baker@example.org")
    ]


# Equality data is never echoed, and nothing is logged


def test_equality_values_are_never_shown_in_problems_reprs_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    people = staff()
    people[0]["Sex"] = "Kestrel"
    reading = read_people(tmp_path, people)
    assert found(reading) == [(2, "R (Sex)", "unknown-code", None)]
    words = " ".join(p.words() for p in reading.problems)
    assert "Kestrel" not in words
    assert "female" not in repr(reading.rows[0]) and "sex" not in repr(reading.rows[0])
    assert "Kestrel" not in caplog.text and "Archer" not in caplog.text


# Refused files


def refused(path, match, **options):
    with pytest.raises(ReadRefused, match=match) as caught:
        read_organisation(path, **options)
    assert str(caught.value).startswith(f"{path.name}: ")
    return str(caught.value)


def test_an_old_xls_workbook_is_refused(tmp_path):
    path = tmp_path / "staff.xls"
    path.write_bytes(sources.OLE + b"\0" * 1016)
    refused(path, r"Excel 97-2003 workbook \(.xls\): save it as .xlsx or CSV")


def test_an_encrypted_workbook_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(sources.OLE + b"\0" * 500 + sources.ENCRYPTED + b"\0" * 500)
    refused(path, "password-protected workbook")


def test_a_renamed_pdf_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    refused(path, "is a PDF, not a spreadsheet")


def test_text_named_xlsx_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_text("Payroll number,First name\n", encoding="utf-8")
    refused(path, r"named .xlsx but is not an Excel workbook \(not a zip file\)")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(path, "a zip file but not an Excel .xlsx workbook")


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_opened(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "staff.xlsx", {"Staff": table(staff())})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.bin", b"\0" * (2 * 2**20))
    monkeypatch.setattr(sources, "MAX_UNCOMPRESSED", 2**20)

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    assert path.stat().st_size < 2**20  # small on disk, large unpacked
    refused(path, r"would unpack to more than 1 MB \(a zip bomb\?\)")


ENTITIES = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
)


def with_entities(tmp_path, part):
    """An XLSX whose part declares entities (the start of a "billion laughs")."""
    plain = write_xlsx(tmp_path / "plain.xlsx", {"Staff": table(staff())})
    path = tmp_path / "staff.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == part:
                body = data.decode("utf-8")
                body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
                data = (ENTITIES + body).encode("utf-8")
            out.writestr(item, data)
    return path


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]
)
def test_xml_entity_declarations_are_refused_before_openpyxl_opens_the_file(tmp_path, part):
    refused(with_entities(tmp_path, part), "XML document type or entity declarations")


def test_defusedxml_inside_openpyxl_refuses_entities_in_a_sheet_too(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "_declares_a_doctype", lambda archive, entry: False)
    refused(with_entities(tmp_path, "xl/worksheets/sheet1.xml"), "XML document type or entity")


def test_an_empty_workbook_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "staff.xlsx", {"Sheet1": []})
    refused(path, "is empty")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "staff.csv", table(staff()))
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 2**20)
    path.write_bytes(path.read_bytes() + b" " * 2**20)
    refused(path, "is larger than 1 MB")


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"")
    refused(path, "is empty")


def test_a_header_with_no_people_under_it_is_refused(tmp_path):
    path = write_csv(tmp_path / "staff.csv", table([]))
    refused(path, r"has a header \(row 1\) but no rows of people")


def test_a_missing_header_is_refused_saying_what_was_looked_for(tmp_path):
    path = write_csv(tmp_path / "staff.csv", [["Name", "Team"], ["Ann", "Care"]])
    refused(path, "no header row in its first 30 rows: .*'Payroll number'")


def test_a_missing_required_column_is_refused(tmp_path):
    columns = [c for c in COLUMNS if c != "Last name"]
    path = write_csv(tmp_path / "staff.csv", table(staff(), columns))
    refused(path, r"the header \(row 1\) has no column for: last name")


def test_a_heading_repeated_in_the_header_is_refused(tmp_path):
    columns = [*COLUMNS, "Employee number"]
    path = write_xlsx(tmp_path / "staff.xlsx", {"Staff": table(staff(), columns)})
    refused(path, "sheet 'Staff': the header .* two payroll number columns: A and S")


def test_bytes_that_are_not_text_are_refused(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"Payroll number,\x81\x8d\x8f\n")
    refused(path, "not text in UTF-8 or Windows-1252")


# Progress, cancel and size


def many(count):
    """count people in a tree of teams of ten, as CSV text."""
    lines = [",".join(COLUMNS[:14])]
    for i in range(1, count + 1):
        manager = str(1001 + (i - 2) // 10) if i > 1 else ""
        lines.append(
            f"{1000 + i},P{i},First{i},Last{i},p{i}@example.org,Dept {i % 7},Team {i % 50},"
            f"Officer,{5 + i % 9},{manager},P,1,37,01/04/2015"
        )
    return "\r\n".join(lines) + "\r\n"


def test_progress_is_reported_and_cancel_stops_the_read(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(many(2500), encoding="utf-8")
    steps = []
    reading = read_organisation(path, progress=steps.append)
    assert len(reading.rows) == 2500
    assert [s.done for s in steps] == [1000, 2000, 2501]
    assert all(s.total == 2502 for s in steps)
    asked = []
    with pytest.raises(ReadCancelled):
        read_organisation(path, cancelled=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2


def test_a_hundred_thousand_rows_are_read(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(codecs.BOM_UTF8 + many(100_000).encode("utf-8"))
    steps = []
    reading = read_organisation(path, progress=steps.append)
    assert len(reading.rows) == 100_000 and reading.problems == []
    assert reading.rows[-1].manager_payroll == "11000"
    assert len(steps) == 101 and steps[-1].done == 100_001  # every 1,000 rows, then the end
