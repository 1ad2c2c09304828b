"""Loading form templates from TOML, reporting every problem with file, line and key.

Templates live in resources/forms/<template id>/v<version>.toml. A template
with mistakes is refused as a whole: TemplateError lists each problem as
"file:line: key path: meaning", so HR can fix all of them in one pass.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from lcc_apr.models import RecordKind, Role

from .model import (
    HEADER_ITEMS,
    Condition,
    Field,
    FieldType,
    Option,
    Scale,
    Section,
    Template,
    WarnBelow,
)

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_KEYS = {
    "key",
    "type",
    "label",
    "help",
    "required",
    "required_at",
    "editable_by",
    "visible_when",
    "print",
    "export",
    "editable_after_signoff",
    "sign_off_decision",
    "max_length",
    "min_length",
    "min",
    "max",
    "integer",
    "earliest_days",
    "latest_days",
    "options",
    "scale",
    "fields",
    "min_items",
    "max_items",
    "text",
    "warn_below",
}
TEXT_TYPES = {FieldType.SHORT_TEXT, FieldType.LONG_TEXT}
DECISION_VALUES = {"agree", "disagree"}  # the employee's sign-off decisions


class TemplateError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Reader:
    """Walks the parsed TOML, remembering where it is and what went wrong."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.problems: list[str] = []

    def fail(self, where: str, message: str, near: str | None = None) -> None:
        line = self._line_of(near) if near else None
        at = f"{self.path.name}:{line}" if line else self.path.name
        self.problems.append(f"{at}: {where}: {message}")

    def _line_of(self, text: str) -> int | None:
        """Best effort: the first line mentioning the key's quoted value."""
        needle = f'"{text}"'
        for number, line in enumerate(self.lines, start=1):
            if needle in line:
                return number
        return None

    def get(
        self,
        table: dict[str, Any],
        name: str,
        kind: type | tuple[type, ...],
        where: str,
        *,
        required: bool = False,
        default: Any = None,
        near: str | None = None,
    ) -> Any:
        if name not in table:
            if required:
                self.fail(where, f"'{name}' is required", near)
            return default
        value = table[name]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            self.fail(where, f"'{name}' must be a number, not true/false", near)
            return default
        if not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            self.fail(where, f"'{name}' must be {_article(names)}, not {value!r}", near)
            return default
        return value


def load_template(path: Path) -> Template:
    """Read and check one template file; raises TemplateError listing every problem."""
    source = path.read_text(encoding="utf-8")
    reader = _Reader(path, source)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError([f"{path.name}: not valid TOML: {exc}"]) from exc
    template = _template(reader, data)
    if reader.problems:
        raise TemplateError(reader.problems)
    assert template is not None
    return template


def _template(r: _Reader, data: dict[str, Any]) -> Template | None:
    head = r.get(data, "template", dict, "template", required=True, default={})
    tid = r.get(head, "id", str, "template", required=True, default="")
    version = r.get(head, "version", int, "template", required=True, default=0)
    kind = _enum(
        r, RecordKind, r.get(head, "kind", str, "template", required=True), "template.kind"
    )
    title = r.get(head, "title", str, "template", required=True, default="")
    expected = f"v{version}.toml"
    if tid and version and (r.path.name != expected or r.path.parent.name != tid):
        r.fail("template", f"file should be {tid}/{expected} for id {tid!r} version {version}")
    scales = {}
    for key, raw in r.get(data, "scales", dict, "scales", default={}).items():
        scales[key] = Scale(
            key, raw.get("label", key), _options(r, raw.get("options"), f"scales.{key}")
        )
    sections = []
    seen: set[str] = set()
    for i, raw in enumerate(r.get(data, "sections", list, "sections", required=True, default=[])):
        where = f"sections[{i}]"
        skey = r.get(raw, "key", str, where, required=True, default=f"section{i}")
        fields = tuple(
            f
            for j, f_raw in enumerate(r.get(raw, "fields", list, where, default=[]))
            if (f := _field(r, f_raw, f"{where}.fields[{j}]", scales, seen)) is not None
        )
        sections.append(
            Section(
                key=skey,
                title=r.get(raw, "title", str, where, required=True, default=""),
                fields=fields,
                guidance=r.get(raw, "guidance", str, where, default=""),
                visible_when=_conditions(r, raw.get("visible_when"), where, skey),
                editable_in=frozenset(_names(r, raw, "editable_in", where, skey)),
                private_in=frozenset(_names(r, raw, "private_in", where, skey)),
            )
        )
    _check_condition_targets(r, sections)
    header = _names(r, head, "print_header", "template", "print_header")
    for item in header:
        if item not in HEADER_ITEMS:
            r.fail("template.print_header", f"{item!r} is not one of: {', '.join(HEADER_ITEMS)}")
    if kind is None:
        return None
    return Template(
        id=tid,
        version=version,
        kind=kind,
        title=title,
        sections=tuple(sections),
        description=head.get("description", ""),
        source=head.get("source", ""),
        scales=scales,
        path=r.path,
        print_header=tuple(header),
    )


def _names(r: _Reader, table: dict[str, Any], name: str, where: str, near: str) -> list[str]:
    """An optional list of names (workflow states, header items)."""
    found = r.get(table, name, list, where, default=[], near=near)
    if not all(isinstance(x, str) and KEY.match(x) for x in found):
        r.fail(where, f"'{name}' must be a list of lower_case_with_underscores names", near)
        return []
    return list(found)


def _field(
    r: _Reader, raw: Any, where: str, scales: dict[str, Scale], seen: set[str]
) -> Field | None:
    if not isinstance(raw, dict):
        r.fail(where, "each field must be a table")
        return None
    key = r.get(raw, "key", str, where, required=True, default="")
    near = key or None
    where = f"{where} ({key})" if key else where
    if key and not KEY.match(key):
        r.fail(where, "keys are lower_case_with_underscores, starting with a letter", near)
    if key in seen:
        r.fail(where, f"the key {key!r} is used twice at this level", near)
    seen.add(key)
    for unknown in sorted(set(raw) - FIELD_KEYS):
        r.fail(where, f"unknown setting {unknown!r}", near)
    ftype = _enum(
        r, FieldType, r.get(raw, "type", str, where, required=True, near=near), where, near
    )
    if ftype is None:
        return None
    label = r.get(
        raw, "label", str, where, required=ftype is not FieldType.GUIDANCE, default="", near=near
    )

    def get(name: str, kind: Any, default: Any = None) -> Any:
        return r.get(raw, name, kind, where, default=default, near=near)

    roles = None
    if "editable_by" in raw:
        found = (_enum(r, Role, v, where, near) for v in get("editable_by", list, []))
        roles = frozenset(x for x in found if x is not None)
    field = Field(
        key=key,
        type=ftype,
        label=label,
        help=get("help", str, ""),
        required=get("required", bool, False),
        required_at=frozenset(get("required_at", list, [])),
        editable_by=roles,
        visible_when=_conditions(r, raw.get("visible_when"), where, near),
        prints=get("print", bool, True),
        exports=get("export", bool, True),
        editable_after_signoff=get("editable_after_signoff", bool, False),
        sign_off_decision=get("sign_off_decision", bool, False),
        max_length=get("max_length", int),
        min_length=get("min_length", int),
        minimum=get("min", (int, float)),
        maximum=get("max", (int, float)),
        integer=get("integer", bool, False),
        earliest_days=get("earliest_days", int),
        latest_days=get("latest_days", int),
        min_items=get("min_items", int, 0),
        max_items=get("max_items", int),
        text=get("text", str, ""),
        options=_options(r, raw["options"], where, near) if "options" in raw else (),
        scale=_scale(r, raw, where, scales, near),
        fields=_group_fields(r, raw, where, scales, near, ftype),
        warn_below=_warn_below(r, raw.get("warn_below"), where, near),
    )
    _check_field(r, field, where, near, scale_named="scale" in raw)
    return field


def _check_field(r: _Reader, f: Field, where: str, near: str | None, scale_named: bool) -> None:
    needs = {
        FieldType.CHOICE: bool(f.options),
        FieldType.MULTI_CHOICE: bool(f.options),
        FieldType.RATING: scale_named,  # an unknown name is reported where it is read
        FieldType.GROUP: bool(f.fields),
        FieldType.GUIDANCE: bool(f.text),
    }
    what = {
        FieldType.CHOICE: "options",
        FieldType.MULTI_CHOICE: "options",
        FieldType.RATING: "a scale",
        FieldType.GROUP: "fields",
        FieldType.GUIDANCE: "text",
    }
    if not needs.get(f.type, True):
        r.fail(where, f"a {f.type} field needs {what[f.type]}", near)
    if f.sign_off_decision and (
        f.type is not FieldType.CHOICE or not {o.value for o in f.options} <= DECISION_VALUES
    ):
        r.fail(where, "'sign_off_decision' needs a choice of 'agree' and 'disagree'", near)
    if f.options and f.type not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        r.fail(where, f"'options' only applies to choice fields, not {f.type}", near)
    limits = {"max_length": f.max_length, "min_length": f.min_length}
    if any(v is not None for v in limits.values()) and f.type not in TEXT_TYPES:
        r.fail(where, "length limits only apply to text fields", near)
    if (f.minimum is not None or f.maximum is not None) and f.type is not FieldType.NUMBER:
        r.fail(where, "'min' and 'max' only apply to number fields", near)
    if f.warn_below is not None and f.type is not FieldType.NUMBER:
        r.fail(where, "'warn_below' only applies to number fields", near)
    if (f.earliest_days is not None or f.latest_days is not None) and f.type is not FieldType.DATE:
        r.fail(where, "date windows only apply to date fields", near)
    for low, high, name in (
        (f.min_length, f.max_length, "length"),
        (f.minimum, f.maximum, "range"),
        (f.earliest_days, f.latest_days, "date window"),
        (f.min_items, f.max_items, "number of items"),
    ):
        if low is not None and high is not None and low > high:
            r.fail(where, f"the {name} is empty: minimum {low} is above maximum {high}", near)


def _group_fields(
    r: _Reader,
    raw: dict[str, Any],
    where: str,
    scales: dict[str, Scale],
    near: str | None,
    ftype: FieldType,
) -> tuple[Field, ...]:
    if "fields" not in raw:
        return ()
    if ftype is not FieldType.GROUP:
        r.fail(where, "only group fields have their own 'fields'", near)
        return ()
    seen: set[str] = set()
    items = [
        _field(r, sub, f"{where}.fields[{k}]", scales, seen) for k, sub in enumerate(raw["fields"])
    ]
    return tuple(f for f in items if f is not None)


def _warn_below(r: _Reader, raw: Any, where: str, near: str | None) -> WarnBelow | None:
    if raw is None:
        return None
    setting = raw.get("setting") if isinstance(raw, dict) else None
    message = raw.get("message") if isinstance(raw, dict) else None
    if (
        not isinstance(setting, str)
        or not isinstance(message, str)
        or not setting
        or not message
        or set(raw) != {"setting", "message"}
    ):
        r.fail(where, "'warn_below' needs exactly a text 'setting' and a text 'message'", near)
        return None
    try:
        message.format(limit=1)
    except (KeyError, IndexError, ValueError):
        r.fail(where, "a 'warn_below' message may name only {limit} in braces", near)
        return None
    return WarnBelow(setting, message)


def _scale(
    r: _Reader, raw: dict[str, Any], where: str, scales: dict[str, Scale], near: str | None
) -> Scale | None:
    name = raw.get("scale")
    if name is None:
        return None
    if name not in scales:
        known = ", ".join(sorted(scales)) or "none are declared"
        r.fail(where, f"unknown scale {name!r} (declared scales: {known})", near)
        return None
    return scales[name]


def _options(r: _Reader, raw: Any, where: str, near: str | None = None) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        r.fail(where, "'options' must be a non-empty list of {value, label}", near)
        return ()
    options = []
    for k, item in enumerate(raw):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("value"), str)
            or not item.get("label")
        ):
            r.fail(f"{where}.options[{k}]", "each option needs a text 'value' and a 'label'", near)
            continue
        options.append(Option(item["value"], item["label"]))
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        r.fail(where, "two options share a value", near)
    return tuple(options)


def _conditions(r: _Reader, raw: Any, where: str, near: str | None) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    conditions = []
    for item in items:
        tests = {"equals", "one_of", "is_set"} & set(item if isinstance(item, dict) else {})
        if not isinstance(item, dict) or "field" not in item or len(tests) != 1:
            r.fail(
                where, "visible_when needs 'field' and exactly one of equals, one_of, is_set", near
            )
            continue
        one_of = item.get("one_of")
        conditions.append(
            Condition(
                field=item["field"],
                equals=item.get("equals"),
                one_of=tuple(one_of) if one_of is not None else None,
                is_set=item.get("is_set"),
            )
        )
    return tuple(conditions)


def _check_condition_targets(r: _Reader, sections: list[Section]) -> None:
    top = {f.key for s in sections for f in s.fields}
    for s in sections:
        for c in s.visible_when:
            if c.field not in top:
                r.fail(
                    f"section {s.key}", f"visible_when refers to unknown field {c.field!r}", c.field
                )
        for f in s.fields:
            for scope, owner in [(top, f)] + [
                (top | {x.key for x in f.fields}, sub) for sub in f.fields
            ]:
                for c in owner.visible_when:
                    if c.field not in scope:
                        r.fail(
                            f"field {owner.key}",
                            f"visible_when refers to unknown field {c.field!r}",
                            owner.key,
                        )


def _enum(r: _Reader, enum: Any, value: Any, where: str, near: str | None = None) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        r.fail(where, f"{value!r} is not one of: {allowed}", near)
        return None


def _article(name: str) -> str:
    words = {
        "str": "text",
        "int": "whole number",
        "float": "number",
        "bool": "true or false",
        "list": "list",
        "dict": "table",
    }
    name = " or ".join(words.get(n, n) for n in name.split(" or "))
    return ("an " if name[0] in "aeiou" else "a ") + name
