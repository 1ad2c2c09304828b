"""What can go wrong opening the local store, each with what to do about it.

Messages name files and actions, never personal data. None of these errors
is raised after anything was written to an existing store file.
"""

from pathlib import Path


class StoreError(Exception):
    """Base class: `str(err)` is a complete sentence for the user."""

    def __init__(self, path: Path, problem: str, advice: str) -> None:
        self.path = path
        self.problem = problem
        self.advice = advice
        super().__init__(f"{problem} ({path}). {advice}")


class WrongKeyError(StoreError):
    pass


class MissingKeyError(StoreError):
    pass


class KeyUnavailableError(StoreError):
    pass


class CorruptStoreError(StoreError):
    pass


class NotEncryptedError(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


class StoreInUseError(StoreError):
    """Another process (a second window of the app) has the store open."""
