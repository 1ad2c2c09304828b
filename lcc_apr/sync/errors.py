"""What can go wrong talking to the server: each str(err) is a sentence for the user.

Kept apart from transport so the window can name them without loading httpx.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base: str(err) is a complete sentence for the user."""


class NetworkError(SyncError):
    """The server could not be reached or broke off; trying again may work."""


class ServerBusy(NetworkError):
    """The server is busy (429, or 503 with Retry-After): nothing was done; wait
    `retry_after` seconds and try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(SyncError):
    """Signing in is needed (wrong details, expired or revoked session)."""


class LockedOut(AuthError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccountDisabled(SyncError):
    """The account was disabled: this computer must forget its records and tokens."""


class IncompatibleServer(SyncError):
    pass


class Refused(SyncError):
    """The server refused the request (403 outside your scope, 4xx bad request)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # the server's machine-readable code, when it gave one


class Cancelled(SyncError):
    pass


class SnapshotRefused(Exception):
    """A first sync's snapshot cannot be used (damaged, cut short, of another epoch, not
    offered): the message says why in plain words; the sync falls back to the paged pull."""
