"""The forms engine: templates are data (resources/forms), checked and applied here.

One template drives the on-screen form, validation, the PDF and the HR export.
Each name loads its module when first asked for: a catalogue made with
`Catalogue.later()` reads the templates (tomllib, the checks) in the worker that first
needs them, so the main window's frame shows without them (issue 17).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogue import Catalogue, forms_dir
    from .loader import TemplateError, load_template
    from .model import (
        Condition,
        Field,
        FieldType,
        Option,
        Scale,
        Section,
        Template,
        WarnBelow,
        is_visible,
    )
    from .validate import Problem, edit_problems, editors, validate, warnings

_WHERE = {
    "catalogue": ("Catalogue", "forms_dir"),
    "loader": ("TemplateError", "load_template"),
    "model": (
        "Condition",
        "Field",
        "FieldType",
        "Option",
        "Scale",
        "Section",
        "Template",
        "WarnBelow",
        "is_visible",
    ),
    "validate": ("Problem", "edit_problems", "editors", "validate", "warnings"),
}


def __getattr__(name: str) -> Any:
    """A name of the engine: the catalogue's alone, any other with all the engine's modules
    (then `validate` is the function, not its module)."""
    wanted = ("catalogue",) if name in _WHERE["catalogue"] else tuple(_WHERE)
    if not any(name in _WHERE[module] for module in wanted):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in wanted:
        loaded = import_module(f".{module}", __name__)
        globals().update({n: getattr(loaded, n) for n in _WHERE[module]})
    return globals()[name]


__all__ = [
    "Catalogue",
    "Condition",
    "Field",
    "FieldType",
    "Option",
    "Problem",
    "Scale",
    "Section",
    "Template",
    "TemplateError",
    "WarnBelow",
    "edit_problems",
    "editors",
    "forms_dir",
    "is_visible",
    "load_template",
    "validate",
    "warnings",
]
