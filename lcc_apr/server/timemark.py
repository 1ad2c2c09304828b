"""The server's countersignature of a sign-off's time: an RFC 3161 timestamp token over
the sign-off's signature bytes from the configured timestamp authority (TSA), stored with
the sign-off and sent back in the feed (SignOffWire.time_token).

A laptop's clock decides nothing; the token proves the signature existed at the TSA's
time. Without a TSA configured, or when it does not answer within
`timestamp_timeout_seconds`, the sign-off is kept without one (logged, no personal data),
and for RETRY_AFTER seconds the TSA is not asked again, so a push does not wait once per
sign-off. Sign-offs kept without one get it later from timestamp_job.py; laptops check
it with lcc_apr/signing/timetoken.py (`token_time` lives there).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from typing import Any

from lcc_apr.signing.timetoken import token_time

from .settings import ServerSettings

__all__ = ["time_token", "token_time"]

log = logging.getLogger("lcc_apr.server")
RETRY_AFTER = 60.0  # seconds a TSA that failed is not asked again (per worker process)
_down_until: dict[str, float] = {}


def _run(coroutine: Any) -> Any:
    """asyncio.run, in a helper thread when this one already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as e:  # noqa: BLE001 - handed back to the caller
            box["error"] = e

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def time_token(settings: ServerSettings, signature: bytes | None) -> bytes | None:
    """A DER timestamp token over SHA-256 of `signature`, or None (no TSA, no signature,
    or the TSA did not answer)."""
    url = settings.timestamp_authority_url
    if not signature or not url:
        return None
    if time.monotonic() < _down_until.get(url, 0.0):
        return None  # it failed a moment ago: a push does not wait for it again
    from lcc_apr.pdf.timestamps import timestamper_for

    stamper = timestamper_for(url, timeout=settings.timestamp_timeout_seconds)
    assert stamper is not None
    digest = hashlib.sha256(signature).digest()
    try:
        token = _run(stamper.async_timestamp(digest, "sha256"))
    except Exception as e:  # noqa: BLE001 - the sign-off is kept without trusted time
        _down_until[url] = time.monotonic() + RETRY_AFTER
        log.warning("timestamp authority gave no token for a sign-off: %s", type(e).__name__)
        return None
    _down_until.pop(url, None)
    return bytes(token.dump())
