"""The encrypted local store: keys, opening, migrations."""

from .errors import (
    CorruptStoreError,
    KeyUnavailableError,
    MissingKeyError,
    NewerSchemaError,
    NotEncryptedError,
    StoreError,
    StoreInUseError,
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
    "StoreInUseError",
    "WrongKeyError",
    "open_store",
    "plain_engine",
]
