"""The operations the app performs: one home for what a screen may ask of the core.

Each module holds plain, keyword-only functions for one domain (people, records, inbox,
status, conflicts, printing, sync). Every function is either

- a read: takes the store (and what it needs), returns plain frozen values, never
  writes; the UI runs it through `runner.read`; or
- a write: changes the store and returns a `Changes` (alone, or as the `changes`
  of its result) saying what changed; the UI runs it through `runner.write`, and
  the runner hands the Changes to every screen, which refreshes only what it shows.

Rules are not decided here: ops call the forms engine, the workflow's rights, history
and signing. Nothing here imports Qt; every op runs on a worker thread.
"""

from .changes import NOTHING, Changes, changes_of

__all__ = ["NOTHING", "Changes", "changes_of"]
