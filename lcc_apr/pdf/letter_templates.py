"""Letter templates (resources/letters/*.toml): their shape, loading and checking.

A template with mistakes is refused as a whole: LetterTemplateError lists every problem
as "file:line: meaning" (the line of the first mention; every line for an unknown
placeholder), so HR can fix them in one pass. docs/letters.md documents the format.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcc_apr.forms import Catalogue, Condition
from lcc_apr.models import RecordKind
from lcc_apr.paths import resources_dir
from lcc_apr.workflow import WORKFLOWS

from .letter_values import known_names

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
LETTER_KEYS = {
    "name", "title", "kind", "applies", "dated", "wording_status", "check_notice",
    "salutation", "closing", "signature", "copies",
}  # fmt: skip
TOP_KEYS = {"letter", "inputs", "wording", "body"}
REVIEWED = "reviewed by HR"
PRODUCT_DEFAULT = "product default"


class LetterTemplateError(ValueError):
    """A letter template with mistakes; `problems` are "file:line: meaning" strings."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Part:
    """A block of the body (heading, text, bullets) or a signature line, shown when `when` holds."""

    heading: str = ""
    text: str = ""
    bullets: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Applies:
    statuses: frozenset[str]
    when: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Input:
    """A value the person printing the letter gives (a meeting's time), maybe with a default."""

    label: str
    default: str | None = None


@dataclass(frozen=True)
class Wording:
    """Text chosen by another value, e.g. the meeting's name by the capability stage."""

    by: str
    choices: dict[str, str]


@dataclass(frozen=True)
class LetterTemplate:
    name: str
    title: str
    kind: RecordKind
    applies: tuple[Applies, ...]
    dated: str  # the value that dates the letter, or "today"
    reviewed: bool
    check_notice: bool
    salutation: str
    body: tuple[Part, ...]
    closing: str
    signature: tuple[Part, ...]
    copies: tuple[str, ...]
    inputs: dict[str, Input]
    wording: dict[str, Wording]
    path: Path

    def applies_to(self, record: Any) -> bool:
        if str(record.kind) != self.kind.value:
            return False
        answers = record.answers or {}
        return any(
            record.status in a.statuses and all(c.holds(answers.get(c.field)) for c in a.when)
            for a in self.applies
        )


def letters_dir() -> Path:
    return resources_dir() / "letters"


def load_letter(path: Path, catalogue: Catalogue) -> LetterTemplate:
    """Read and check one template against the form templates (`catalogue`, the one loaded
    at start); raises LetterTemplateError listing every problem."""
    source = path.read_text(encoding="utf-8")
    reader = _Reader(path, source)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        where = f"{path.name}:{line.group(1)}" if line else path.name
        raise LetterTemplateError([f"{where}: not valid TOML: {exc}"]) from exc
    template = reader.template(data, catalogue)
    if reader.problems or template is None:
        raise LetterTemplateError(reader.problems or [f"{path.name}: cannot be read"])
    return template


def load_letters(folder: Path | None = None, *, catalogue: Catalogue) -> list[LetterTemplate]:
    """Every template in the folder; one LetterTemplateError lists the problems of all files."""
    templates, problems = [], []
    for path in sorted((folder or letters_dir()).glob("*.toml")):
        try:
            templates.append(load_letter(path, catalogue))
        except LetterTemplateError as err:
            problems += err.problems
    if problems:
        raise LetterTemplateError(problems)
    return templates


# --- checking a template ---------------------------------------------------------------


class _Reader:
    """Walks one parsed template, collecting every problem with its line."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.problems: list[str] = []

    def fail(self, message: str, near: str | None = None, *, every: bool = False) -> None:
        """Report at the first line mentioning `near` (every such line if `every`)."""
        lines = self._lines_of(near) if near else []
        found = [f"{self.path.name}:{n}: {message}" for n in (lines if every else lines[:1])]
        for problem in found or [f"{self.path.name}: {message}"]:
            if problem not in self.problems:
                self.problems.append(problem)

    def _lines_of(self, needle: str) -> list[int]:
        return [
            n
            for n, line in enumerate(self.lines, start=1)
            if needle in line and not line.lstrip().startswith("#")  # comments mention examples
        ]

    def _first_line(self, needle: str) -> str | None:
        return needle if self._lines_of(needle) else None

    def _near(self, value: str, position: int) -> str | None:
        """Some text around `position` that appears on one line of the file, if any."""
        for width in (12, 6, 3, 1):
            snippet = value[max(0, position - width) : position + width + 1]
            if "\n" not in snippet and self._lines_of(snippet):
                return snippet
        return None

    def text(self, table: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
        value = table.get(key, "")
        if key not in table and required:
            self.fail(f"{where}: '{key}' is required")
        if not isinstance(value, str):
            self.fail(f"{where}: '{key}' must be text", self._first_line(f"{key} ="))
            return ""
        return value

    def unknown(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            self.fail(f"{where}: unknown setting {key!r}", self._first_line(key))

    def template(self, data: dict[str, Any], catalogue: Catalogue) -> LetterTemplate | None:
        self.unknown(data, TOP_KEYS, "top level")
        head = data.get("letter")
        if not isinstance(head, dict):
            self.fail("a [letter] table is required")
            return None
        self.unknown(head, LETTER_KEYS, "letter")
        name = self.text(head, "name", "letter", required=True)
        if name and name != self.path.stem:
            self.fail(f"letter.name {name!r} must match the file name {self.path.stem!r}", name)
        try:
            kind = RecordKind(str(head.get("kind")))
        except ValueError:
            self.fail(
                f"letter.kind must be one of {', '.join(k.value for k in RecordKind)}", "kind"
            )
            return None
        states = {s.name for s in WORKFLOWS[kind].states}
        applies = tuple(self._applies(head.get("applies"), states))
        status = head.get("wording_status", PRODUCT_DEFAULT)
        if status not in (PRODUCT_DEFAULT, REVIEWED):
            self.fail(
                f"letter.wording_status must be {PRODUCT_DEFAULT!r} or {REVIEWED!r}",
                "wording_status",
            )
        inputs = self._inputs(data.get("inputs", {}))
        wording = self._wording(data.get("wording", {}))
        body = tuple(self._parts(data.get("body"), "body", body=True))
        signature = tuple(self._parts(head.get("signature", []), "letter.signature"))
        copies = head.get("copies", [])
        if not isinstance(copies, list) or not all(isinstance(c, str) for c in copies):
            self.fail("letter.copies must be a list of text", "copies")
            copies = []
        template = LetterTemplate(
            name=name,
            title=self.text(head, "title", "letter", required=True),
            kind=kind,
            applies=applies,
            dated=self.text(head, "dated", "letter", required=True),
            reviewed=status == REVIEWED,
            check_notice=head.get("check_notice", False) is True,
            salutation=self.text(head, "salutation", "letter", required=True),
            body=body,
            closing=self.text(head, "closing", "letter", required=True),
            signature=signature,
            copies=tuple(copies),
            inputs=inputs,
            wording=wording,
            path=self.path,
        )
        self._check_names(template, catalogue)
        return template

    def _applies(self, raw: Any, states: set[str]) -> list[Applies]:
        if not isinstance(raw, list) or not raw:
            self.fail("letter.applies: give at least one { statuses = [...] }", "applies")
            return []
        result = []
        for i, item in enumerate(raw):
            where = f"letter.applies[{i}]"
            if not isinstance(item, dict):
                self.fail(f"{where}: must be a table")
                continue
            self.unknown(item, {"statuses", "when"}, where)
            statuses = item.get("statuses", [])
            for status in statuses if isinstance(statuses, list) else []:
                if status not in states:
                    self.fail(
                        f"{where}: unknown status {status!r} (known: {', '.join(sorted(states))})",
                        f'"{status}"',
                    )
            result.append(
                Applies(
                    frozenset(statuses), self._conditions(item.get("when"), where, answers=True)
                )
            )
        return result

    def _conditions(self, raw: Any, where: str, *, answers: bool = False) -> tuple[Condition, ...]:
        if raw is None:
            return ()
        items = raw if isinstance(raw, list) else [raw]
        result = []
        for item in items:
            checks = (
                [k for k in ("equals", "one_of", "is_set") if k in item]
                if isinstance(item, dict)
                else []
            )
            if not isinstance(item, dict) or "field" not in item or len(checks) != 1:
                self.fail(
                    f"{where}: when needs 'field' and exactly one of equals, one_of, is_set", "when"
                )
                continue
            one_of = item.get("one_of")
            result.append(
                Condition(
                    field=str(item["field"]),
                    equals=item.get("equals"),
                    one_of=tuple(one_of) if isinstance(one_of, list) else None,
                    is_set=item.get("is_set"),
                )
            )
        return tuple(result)

    def _inputs(self, raw: Any) -> dict[str, Input]:
        result = {}
        for name, spec in (raw or {}).items():
            if not NAME.match(name) or not isinstance(spec, dict) or "label" not in spec:
                self.fail(
                    f"inputs.{name}: an input has a dotted name and a label, for example "
                    '[inputs."meeting.time"] with label = "the time of the meeting"',
                    name,
                )
                continue
            self.unknown(spec, {"label", "default"}, f"inputs.{name}")
            default = spec.get("default")
            result[name] = Input(str(spec["label"]), str(default) if default is not None else None)
        return result

    def _wording(self, raw: Any) -> dict[str, Wording]:
        result = {}
        for name, spec in (raw or {}).items():
            if not isinstance(spec, dict) or not isinstance(spec.get("by"), str):
                self.fail(
                    f"wording.{name}: needs 'by' (the value that chooses) and one text per value",
                    f"[wording.{name}]",
                )
                continue
            choices = {k: v for k, v in spec.items() if k != "by"}
            if not all(isinstance(v, str) for v in choices.values()):
                self.fail(f"wording.{name}: every choice must be text", f"[wording.{name}]")
            result[name] = Wording(spec["by"], {k: str(v) for k, v in choices.items()})
        return result

    def _parts(self, raw: Any, where: str, *, body: bool = False) -> list[Part]:
        if body and (not isinstance(raw, list) or not raw):
            self.fail('give the letter\'s text as [[body]] tables with text = "..."')
            return []
        result = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            here = f"{where}[{i}]"
            if isinstance(item, str) and not body:
                result.append(Part(text=item))
                continue
            if not isinstance(item, dict):
                self.fail(f"{here}: must be a table")
                continue
            self.unknown(
                item, {"heading", "text", "bullets", "when"} if body else {"text", "when"}, here
            )
            bullets = item.get("bullets", [])
            if not isinstance(bullets, list) or not all(isinstance(b, str) for b in bullets):
                self.fail(f"{here}: bullets must be a list of text", "bullets")
                bullets = []
            part = Part(
                heading=self.text(item, "heading", here),
                text=self.text(item, "text", here),
                bullets=tuple(bullets),
                when=self._conditions(item.get("when"), here),
            )
            if not (part.heading or part.text or part.bullets):
                self.fail(f"{here}: has no heading, text or bullets")
            result.append(part)
        return result

    def _check_names(self, t: LetterTemplate, catalogue: Catalogue) -> None:
        templates = [x for x in catalogue.templates.values() if x.kind is t.kind]
        known = known_names(t.kind, templates)
        for name in t.inputs:
            if name in known:
                self.fail(f"inputs.{name}: the record already gives this value", name)
        known |= set(t.inputs) | {f"wording.{w}" for w in t.wording}
        texts = [t.title, t.salutation, t.closing, *t.copies]
        for part in (*t.body, *t.signature):
            texts += [part.heading, part.text, *part.bullets]
        texts += [c for w in t.wording.values() for c in w.choices.values()]
        for value in texts:
            for match in TOKEN.finditer(value):
                token, name = match.group(0), match.group(1)
                if token in ("{{", "}}"):
                    continue
                if name is None:
                    self.fail(
                        f"a lone {token!r}: write {{{{ or }}}} for a brace, {{name}} for a value",
                        self._near(value, match.start()),
                    )
                elif not NAME.match(name) or name not in known:
                    self.fail(
                        f"unknown placeholder {{{name}}}{_suggest(name, known)}",
                        f"{{{name}}}",
                        every=True,
                    )
        conditions = [c for p in (*t.body, *t.signature) for c in p.when]
        for c in conditions:
            if c.field not in known:
                self.fail(
                    f"when refers to unknown value {c.field!r}{_suggest(c.field, known)}",
                    f'"{c.field}"',
                )
        for a in t.applies:
            fields = {f.key for x in templates for f in x.fields()}
            for c in a.when:
                if c.field not in fields:
                    self.fail(
                        f"letter.applies: when refers to unknown form field {c.field!r}",
                        f'"{c.field}"',
                    )
        for name, w in t.wording.items():
            if w.by not in known:
                self.fail(f"wording.{name}: 'by' refers to unknown value {w.by!r}", f'"{w.by}"')
        if t.dated != "today" and t.dated not in known:
            self.fail(f'letter.dated: unknown value {t.dated!r} (or "today")', f'"{t.dated}"')


def _suggest(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {{{close[0]}}}?)" if close else ""
