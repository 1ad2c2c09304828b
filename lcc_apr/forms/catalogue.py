"""All shipped template versions, looked up by (id, version) or by kind."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from lcc_apr.models import RecordKind
from lcc_apr.paths import resources_dir

if TYPE_CHECKING:  # the loader (tomllib, the checks) loads when the templates are read
    from .model import Template


def forms_dir() -> Path:
    return resources_dir() / "forms"


class Catalogue:
    """The templates, read and checked by `load()` at once, or by `later()` on first use."""

    def __init__(
        self,
        templates: dict[tuple[str, int], Template] | None = None,
        *,
        folder: Path | None = None,
    ) -> None:
        self._templates = templates
        self._folder = folder
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalogue:
        """Load every <id>/v<N>.toml; one TemplateError lists the problems of all files."""
        return cls(_read(folder or forms_dir()))

    @classmethod
    def later(cls, folder: Path | None = None) -> Catalogue:
        """The same catalogue, its files read and checked when first used (any thread; a
        TemplateError then): handed to the main window, they load in the worker that
        first needs them, not before its frame shows."""
        return cls(folder=folder)

    @property
    def templates(self) -> dict[tuple[str, int], Template]:
        if self._templates is None:
            with self._lock:
                if self._templates is None:
                    self._templates = _read(self._folder or forms_dir())
        return self._templates

    def __getstate__(self) -> dict[str, object]:  # pickled to the PDF pool's processes
        return {"templates": self.templates, "folder": self._folder}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["templates"], folder=state["folder"])  # type: ignore[misc]

    def get(self, template_id: str, version: int) -> Template:
        try:
            return self.templates[(template_id, version)]
        except KeyError:
            raise KeyError(
                f"No form template {template_id!r} version {version}: this record needs a newer "
                "version of LCC APR."
            ) from None

    def current(self, kind: RecordKind) -> Template:
        """The newest version for a kind: new records are written with it."""
        kind = RecordKind(kind)
        versions = [t for t in self.templates.values() if t.kind is kind]
        if not versions:
            raise KeyError(f"No form template for {kind.value} records")
        return max(versions, key=lambda t: t.version)


def _read(folder: Path) -> dict[tuple[str, int], Template]:
    from .loader import TemplateError, load_template

    templates: dict[tuple[str, int], Template] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*/v*.toml")):
        try:
            template = load_template(path)
        except TemplateError as err:
            problems += [f"{path.parent.name}/{p}" for p in err.problems]
            continue
        templates[(template.id, template.version)] = template
    if problems:
        raise TemplateError(problems)
    return templates
