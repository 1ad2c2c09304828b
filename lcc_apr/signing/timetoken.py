"""A sign-off's trusted time: the server's RFC 3161 timestamp token over its signature
bytes (lcc_apr/server/timemark.py makes it; laptops receive it in the feed), checked here
against the timestamp authorities this computer trusts: the organisation's signing
authority and the outside TSA roots the server names (`Trust.timestamp_roots`).

`token_time` reads the certified time when the token is over exactly this signature
(the server's own check). `check_token` also checks the TSA's signature and its chain
(pyHanko), at the token's time. `time_words` is the line a signature list shows.
Called from read tasks (worker threads without an event loop).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from lcc_apr.models import SignOff
from lcc_apr.uk_time import time_text

from .trust import Trust

NO_TIME_YET = "No trusted time yet."
UNREADABLE = "it is damaged or unreadable"
NOT_THIS_SIGNATURE = "it was made for another signature"
BROKEN = "the timestamp authority's signature on it does not match"
UNTRUSTED = "its timestamp authority is not one your organisation trusts"


@dataclass(frozen=True)
class TimeCheck:
    """A token's certified time (None when it does not hold) and, if not, why."""

    at: datetime | None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.at is not None and not self.problem


def _signed_data(token: bytes) -> Any:
    from asn1crypto import cms

    return cms.ContentInfo.load(token)["content"]


def token_time(token: bytes, signature: bytes) -> datetime | None:
    """The time a token certifies, if it is a timestamp over exactly this signature
    (checked: the message imprint; None otherwise). Its TSA's signature is not checked
    here: `check_token` does that."""
    try:
        info = _signed_data(token)["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return None
        if imprint["hashed_message"].native != hashlib.sha256(signature).digest():
            return None
        at = info["gen_time"].native
        return at if isinstance(at, datetime) else None
    except Exception:  # noqa: BLE001 - an unreadable token certifies nothing
        return None


def check_token(token: bytes, signature: bytes, roots: Iterable[x509.Certificate]) -> TimeCheck:
    """Whether `token` certifies a time for `signature`, signed by a TSA chaining to one of
    `roots` (checked at the token's time, so a TSA certificate that expired since counts)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    try:
        signed = _signed_data(token)
        at = signed["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:  # noqa: BLE001 - not a timestamp token at all
        return TimeCheck(None, UNREADABLE)
    if token_time(token, signature) is None:
        return TimeCheck(None, NOT_THIS_SIGNATURE)
    anchors = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in roots]
    context = ValidationContext(trust_roots=anchors, allow_fetching=False, moment=at)
    try:
        found = asyncio.run(
            validate_tst_signed_data(
                signed, context, lambda algorithm: hashlib.new(algorithm, signature).digest()
            )
        )
        status = TimestampSignatureStatus(**found)
    except Exception:  # noqa: BLE001 - a token pyHanko cannot read holds nothing
        return TimeCheck(None, UNREADABLE)
    if not (status.intact and status.valid):
        return TimeCheck(None, BROKEN)
    if not status.trusted:
        return TimeCheck(None, UNTRUSTED)
    return TimeCheck(at)


def time_words(sign_off: SignOff, trust: Trust) -> str:
    """What a signature list says of a sign-off's trusted time: "Trusted time: 3 May 2026
    at 14:05.", "No trusted time yet.", "Its trusted time is not valid: <why>.", or ""
    (not digitally signed, this computer has no trust yet, or the server has no TSA)."""
    if sign_off.signature is None or not trust.known:
        return ""
    if sign_off.time_token is None:
        return NO_TIME_YET if trust.timestamp_authority else ""
    checked = check_token(
        sign_off.time_token, sign_off.signature, (*trust.authorities, *trust.timestamp_roots)
    )
    if checked.at is None:
        return f"Its trusted time is not valid: {checked.problem}."
    return f"Trusted time: {time_text(checked.at)}."
