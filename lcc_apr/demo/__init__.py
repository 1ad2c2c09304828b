"""The deterministic demo organisation: staff, structure and record history.

profile: the council's published 2020 workforce figures and the targets.
organisation: build_organisation() -> rows for departments, employees, users.
history: generate_history() -> streamed (record row, change row) pairs whose
    answers (answers.py; capability cases in cases.py) follow the form templates
    and whose statuses follow the workflows.
validity: record_problems() -> how a record falls short of its template at its status.
load: load_demo() inserts it all; summarise() / format_summary() report it.
"""

from .history import GENERATED_KINDS, generate_history
from .load import DemoSummary, format_summary, load_demo, summarise
from .organisation import Organisation, build_organisation

__all__ = [
    "DemoSummary",
    "Organisation",
    "build_organisation",
    "format_summary",
    "GENERATED_KINDS",
    "generate_history",
    "load_demo",
    "summarise",
]
