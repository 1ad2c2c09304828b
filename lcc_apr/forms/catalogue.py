"""All shipped template versions, looked up by (id, version) or by kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lcc_apr.models import RecordKind
from lcc_apr.paths import resources_dir

from .loader import TemplateError, load_template
from .model import Template


def forms_dir() -> Path:
    return resources_dir() / "forms"


@dataclass(frozen=True)
class Catalogue:
    templates: dict[tuple[str, int], Template]

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalogue:
        """Load every <id>/v<N>.toml; one TemplateError lists the problems of all files."""
        templates: dict[tuple[str, int], Template] = {}
        problems: list[str] = []
        for path in sorted((folder or forms_dir()).glob("*/v*.toml")):
            try:
                template = load_template(path)
            except TemplateError as err:
                problems += [f"{path.parent.name}/{p}" for p in err.problems]
                continue
            templates[(template.id, template.version)] = template
        if problems:
            raise TemplateError(problems)
        return cls(templates)

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
