"""Answer paths and answers as nested data: 'objectives[2].evidence' and the dicts and
lists it points into. Used by the editing session; plain functions, no state."""

from __future__ import annotations

import copy
import re
from typing import Any

_TOKEN = re.compile(r"\.?([a-z][a-z0-9_]*)|\[(\d+)\]")
PROBE = object()  # a value equal to nothing: "could this person change this?"

Path = tuple[str | int, ...]


def parse_path(path: str) -> Path:
    """'g[2].sub' -> ('g', 2, 'sub'); raises ValueError for anything else."""
    parts: list[str | int] = []
    end = 0
    for match in _TOKEN.finditer(path):
        if match.start() != end or (not parts and match.group(1) is None):
            break
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        end = match.end()
    if not parts or end != len(path) or path.startswith("."):
        raise ValueError(f"not an answer path: {path!r}")
    return tuple(parts)


def item_path(group: str, index: int, key: str | None = None) -> str:
    return f"{group}[{index}]" + (f".{key}" if key else "")


def get_at(data: Any, parts: Path) -> Any:
    for part in parts:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and 0 <= part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def with_value(answers: dict[str, Any], parts: Path, value: Any) -> dict[str, Any]:
    """A copy of `answers` with the value at `parts` replaced (None removes it)."""
    result = copy.deepcopy(answers)
    holder: Any = result
    for i, part in enumerate(parts[:-1]):
        nxt = holder.get(part) if isinstance(holder, dict) else holder[part]
        if nxt is None:
            nxt = [] if isinstance(parts[i + 1], int) else {}
            holder[part] = nxt
        holder = nxt
    last = parts[-1]
    if value is None and isinstance(holder, dict):
        holder.pop(last, None)
    else:
        holder[last] = value
    return result


def clean(value: Any) -> Any:
    """Empty text and empty lists are no answer; group entries lose their empty answers."""
    if value is PROBE:
        return value
    if isinstance(value, list):
        value = [
            {k: clean(v) for k, v in item.items() if clean(v) is not None}
            if isinstance(item, dict)
            else item
            for item in value
        ]
    if value in ("", []):
        return None
    return value


def top_key(path: str) -> str:
    return str(parse_path(path)[0])


def changed_answers(base: dict[str, Any], working: dict[str, Any]) -> dict[str, Any]:
    """The top-level answers that differ (None: removed), as a save writes them."""
    return {k: working.get(k) for k in {**base, **working} if base.get(k) != working.get(k)}


def with_changes(answers: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The answers with top-level changes applied (None removes), copied."""
    return {k: copy.deepcopy(v) for k, v in {**answers, **changes}.items() if v is not None}
