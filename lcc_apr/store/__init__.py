"""The encrypted local store: keys, opening, migrations.

The errors load at once; `Store`, `open_store` and `plain_engine` (and SQLAlchemy) when
first asked for: a later start reads the page it last showed (lcc_apr.store.glance)
before SQLAlchemy has loaded.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from .store import Store, open_store, plain_engine


def __getattr__(name: str) -> Any:
    if name not in ("Store", "open_store", "plain_engine"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import store

    return getattr(store, name)


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
