"""The forms engine: templates are data (resources/forms), checked and applied here.

One template drives the on-screen form, validation, the PDF and the HR export.
"""

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
