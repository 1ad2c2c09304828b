"""The encrypted local store: keys, opening, migrations."""

from .errors import (
    CorruptStoreError,
    KeyUnavailableError,
    MissingKeyError,
    NewerSchemaError,
    NotEncryptedError,
    StoreError,
    WrongKeyError,
)
from .store import Store, open_store, plain_engine

__all__ = [
    "CorruptStoreError",
    "KeyUnavailableError",
    "MissingKeyError",
    "NewerSchemaError",
    "NotEncryptedError",
    "Store",
    "StoreError",
    "WrongKeyError",
    "open_store",
    "plain_engine",
]
