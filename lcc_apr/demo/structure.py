"""The demo's departments and management chain (posts, before people fill them).

Contract: `build_structure(rng, size)` returns department rows and exactly
`size` posts in creation order, each manager before its reports (post i gets
employee id i + 1). One chief executive (post 0) has no manager; each
director reports to the chief executive; everyone else reports to someone in
their own directorate. Spans of control are at most 12 and, from about ten
people up, at least 4. Every manager is graded above all their direct reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .data import load_toml
from .profile import largest_remainder

MAX_SPAN = 12
MIN_SPAN = 4
MIN_UNIT = MIN_SPAN + 1  # a section or directorate needs a manager and 4 reports


@dataclass
class Post:
    """One job in the tree; `manager` is the index of the manager's post."""

    manager: int | None
    department_id: int
    kind: str  # chief_executive, director, support, head, manager, leader, staff
    title: str
    grade: str
    service: str
    hr: bool = False


@dataclass
class Structure:
    departments: list[dict[str, Any]]
    posts: list[Post]
    services: dict[int, str]  # department id -> phrase-bank service


def share(weights: list[int], total: int, minimum: int) -> list[int]:
    """Split total by weight; parts that would get fewer than minimum get 0.

    The smallest such part is dropped and the rest re-shared until every
    remaining part reaches the minimum (or only one part is left).
    """
    active = list(range(len(weights)))
    while True:
        alloc = largest_remainder({i: weights[i] for i in active}, total)
        small = [i for i in active if alloc[i] < minimum]
        if not small or len(active) == 1:
            return [alloc.get(i, 0) for i in range(len(weights))]
        active.remove(min(small, key=lambda i: (weights[i], -i)))


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.posts: list[Post] = []

    def add(self, post: Post) -> int:
        self.posts.append(post)
        return len(self.posts) - 1

    def staff(self, manager: int, dept: int, section: dict[str, Any]) -> int:
        """Add one member of staff; returns their grade."""
        jobs = section["jobs"]
        job = self.rng.choices(jobs, weights=[j["weight"] for j in jobs])[0]
        grade = self.rng.randint(*job["grades"])
        self.add(
            Post(manager, dept, "staff", job["title"], str(grade), section["service"], _hr(section))
        )
        return grade

    def team(self, manager: int, k: int, dept: int, section: dict[str, Any], level: int) -> int:
        """Place k people below `manager`, directly or in teams of 4-12 below leads.

        Returns the highest grade among the manager's direct reports (0 if none),
        so the caller can grade the manager above all of them.
        """
        if k <= MAX_SPAN:
            return max((self.staff(manager, dept, section) for _ in range(k)), default=0)
        span = min(self.rng.randint(7, 11), k - MIN_SPAN)
        rest = k - span
        leads = min(span, -(-rest // 11))
        top = max(j["grades"][1] for j in section["jobs"])
        kind, title, usual = (
            ("manager", section["manager"], top + 2)
            if level == 1
            else ("leader", section["leader"], top + 1)
        )
        highest = 0
        for n in range(leads):
            size = rest // leads + (1 if n < rest % leads else 0)
            lead = self.add(Post(manager, dept, kind, title, "", section["service"], _hr(section)))
            grade = max(usual, self.team(lead, size, dept, section, level + 1) + 1)
            self.posts[lead].grade = str(grade)
            highest = max(highest, grade)
        for _ in range(span - leads):
            highest = max(highest, self.staff(manager, dept, section))
        return highest


def _hr(section: dict[str, Any]) -> bool:
    return bool(section.get("hr", False))


def _departments(cfg: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    rows: list[dict[str, Any]] = []
    services: dict[int, str] = {}
    for directorate in cfg["directorates"]:
        parent = len(rows) + 1
        row = {"id": parent, "code": directorate["code"], "name": directorate["name"]}
        rows.append({**row, "parent_id": None})
        services[parent] = directorate["service"]
        for section in directorate["sections"]:
            sid = len(rows) + 1
            rows.append(
                {"id": sid, "code": section["code"], "name": section["name"], "parent_id": parent}
            )
            services[sid] = section["service"]
    return rows, services


def _directorate(b: _Builder, ceo: int, d: dict[str, Any], n: int, ids: dict[str, int]) -> None:
    """Director plus n - 1 people: support staff and sections with a head each."""
    rng, grades = b.rng, load_toml("organisation")["grades"]
    dept = ids[d["code"]]
    director = b.add(
        Post(ceo, dept, "director", d["director"], str(grades["director"]), d["service"])
    )
    rest = n - 1
    sections = d["sections"]
    weights = [s["weight"] for s in sections]
    if rest <= MAX_SPAN:  # small: the director manages everyone directly
        for section, count in zip(sections, share(weights, rest, 1), strict=True):
            for _ in range(count):
                b.staff(director, ids[section["code"]], section)
        return
    support = len(d["support"]) if rest >= 60 else 0
    hr = next((i for i, s in enumerate(sections) if _hr(s)), None)
    adviser = 0  # an HR adviser to the director when the HR section is too small to staff
    while True:
        alloc = share(weights, rest - support - adviser, MIN_UNIT)
        if hr is not None and not alloc[hr] and not adviser:
            adviser = 1
            continue
        kept = sum(1 for a in alloc if a)
        if kept + support + adviser >= MIN_SPAN:
            break
        support = MIN_SPAN - kept - adviser
    for i in range(support):
        title = d["support"][i % len(d["support"])]
        grade = str(rng.randint(*grades["support"]))
        b.add(Post(director, dept, "support", title, grade, d["service"]))
    if adviser and hr is not None:
        section = sections[hr]
        job = section["jobs"][0]
        grade = str(rng.randint(*job["grades"]))
        sid = ids[section["code"]]
        b.add(Post(director, sid, "support", job["title"], grade, section["service"], True))
    for section, count in zip(sections, alloc, strict=True):
        if not count:
            continue
        sid = ids[section["code"]]
        head = b.add(
            Post(director, sid, "head", section["head"], "", section["service"], _hr(section))
        )
        below = b.team(head, count - 1, sid, section, level=1)
        b.posts[head].grade = str(max(rng.randint(*grades["head_of_service"]), below + 1))


def build_structure(rng: random.Random, size: int) -> Structure:
    """Departments and `size` posts (see the module docstring for the contract)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    cfg = load_toml("organisation")
    departments, services = _departments(cfg)
    ids = {row["code"]: row["id"] for row in departments}
    chief = cfg["chief_executive"]
    b = _Builder(rng)
    ceo_dept = ids[chief["directorate"]]
    ceo = b.add(
        Post(None, ceo_dept, "chief_executive", chief["title"], str(chief["grade"]), "corporate")
    )
    weights = [d["weight"] for d in cfg["directorates"]]
    extra = 0  # the chief executive's own office, only when few directorates are staffed
    while True:
        alloc = share(weights, size - 1 - extra, MIN_UNIT) if size - 1 - extra > 0 else []
        active = sum(1 for a in alloc if a)
        if active + extra >= MIN_SPAN or size - 1 - extra <= 0 or extra >= size - 1:
            break
        extra = min(MIN_SPAN - active, size - 1)
    for _ in range(extra):
        b.add(Post(ceo, ceo_dept, "support", "Executive Support Officer", "7", "corporate"))
    for d, n in zip(cfg["directorates"], alloc, strict=False):
        if n:
            _directorate(b, ceo, d, n, ids)
    assert len(b.posts) == size, (len(b.posts), size)
    _ensure_hr(b.posts, cfg, ids)
    return Structure(departments, b.posts, services)


def _ensure_hr(posts: list[Post], cfg: dict[str, Any], ids: dict[str, int]) -> None:
    """If no HR section was staffed (small organisations), one of that directorate's
    director's own staff becomes its HR advisor, so someone holds the HR role."""
    if any(p.hr for p in posts):
        return
    for d in cfg["directorates"]:
        section = next((s for s in d["sections"] if _hr(s)), None)
        director = next(
            (
                i
                for i, p in enumerate(posts)
                if p.kind == "director" and p.department_id == ids[d["code"]]
            ),
            None,
        )
        if section is None or director is None:
            continue
        for post in posts:
            if post.manager == director and post.kind in ("staff", "support"):
                post.department_id = ids[section["code"]]
                post.title = section["jobs"][0]["title"]
                post.service = section["service"]
                post.hr = True
                return
