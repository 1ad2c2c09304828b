"""Checks across rows: what no single row shows.

Each problem names the row and column to fix; the rule names are listed in
docs/hr-import.md. Equality fields never appear here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from .report import Problem
from .rows import PostRow


def check_rows(
    rows: Sequence[PostRow],
    sheet: str,
    labels: dict[str, str],
    *,
    known_payrolls: Collection[str] = (),
    known_posts: Collection[str] = (),
) -> list[Problem]:
    """Problems across rows. known_payrolls and known_posts are managers that exist
    elsewhere (rows of this file that failed their own checks, or people already held)."""
    problems: list[Problem] = []

    def add(row: PostRow, field: str, rule: str, value: object, message: str) -> None:
        shown = None if value is None else str(value)
        problems.append(Problem(sheet, row.row, labels.get(field, field), rule, shown, message))

    for row in rows:
        for field in ("probation_end_date", "leaving_date"):
            day = getattr(row, field)
            if day is not None and day < row.start_date:
                add(row, field, "date-order", day.isoformat(), "before the start date")

    by_person: dict[str, list[PostRow]] = defaultdict(list)
    holders: dict[str, set[str]] = defaultdict(set)  # post -> payroll numbers holding it
    for row in rows:
        by_person[row.payroll].append(row)
        if row.post is not None:
            holders[row.post].add(row.payroll)

    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.key in seen:
            shown = row.payroll if row.post is None else f"{row.payroll} / {row.post}"
            add(row, "payroll", "duplicate-key", shown, "this payroll and post number came before")
        seen.add(row.key)

    edges: dict[str, set[str]] = defaultdict(set)  # person -> their managers
    resolved: list[tuple[PostRow, str, str, set[str]]] = []
    for row in rows:
        field, ref = _manager_ref(row)
        if ref is None:
            continue
        if field == "manager_payroll":
            managers = {ref} if ref in by_person or ref in known_payrolls else set()
            themself = ref == row.payroll
        else:
            managers = holders.get(ref, set())
            themself = ref == row.post or managers == {row.payroll}
            if not managers and ref in known_posts:
                managers = {""}  # a post held outside this file
        if themself:
            add(row, field, "manages-self", ref, "a person cannot be their own line manager")
        elif not managers:
            add(row, field, "unknown-manager", ref, "no one in the file has this number")
        else:
            managers = managers - {"", row.payroll}
            edges[row.payroll] |= managers
            resolved.append((row, field, ref, managers))
    loops = _loops(edges)
    for row, field, ref, managers in resolved:
        loop = loops.get(row.payroll)
        if loop is not None and any(loops.get(m) == loop for m in managers):
            add(row, field, "manager-loop", ref, "the line manager chain comes back round")

    has_primary = "primary" in labels
    for person_rows in by_person.values():
        primary = [r for r in person_rows if r.primary]
        for extra in primary[1:]:
            add(extra, "primary", "two-primary-posts", "yes", "this person's primary post is above")
        if has_primary and len(person_rows) > 1 and not primary:
            add(person_rows[0], "primary", "no-primary-post", None, "mark one post as primary")
        first = person_rows[0]
        for other in person_rows[1:]:
            for field in ("first_name", "last_name", "email"):
                if getattr(other, field) != getattr(first, field):
                    add(
                        other,
                        field,
                        "inconsistent-person",
                        getattr(other, field),
                        f"differs from row {first.row} for the same payroll number",
                    )

    emails: dict[str, str] = {}
    for row in rows:
        if row.email is not None and emails.setdefault(row.email, row.payroll) != row.payroll:
            add(row, "email", "duplicate-email", row.email, "another person has this email")
    problems.sort(key=lambda p: p.row)
    return problems


def _manager_ref(row: PostRow) -> tuple[str, str | None]:
    if row.manager_payroll is not None:
        return "manager_payroll", row.manager_payroll
    return "manager_post", row.manager_post


def _loops(edges: dict[str, set[str]]) -> dict[str, int]:
    """The people on a cycle of line managers, each with their cycle's number (Tarjan's
    strongly connected components, without recursion: a chain of 100,000 managers must not
    overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    looping: dict[str, int] = {}
    for start in list(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    looping.update(dict.fromkeys(component, index[node]))
    return looping
