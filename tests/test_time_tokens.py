"""A sign-off's trusted time checked on the laptop (lcc_apr.signing.timetoken): a token
from a TSA under a trusted root holds; one made for another signature, one whose bytes
were altered, one from a TSA nobody trusts and one that is not a token do not, each with
its reason; and the words a signature list shows for each case."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from lcc_apr.signing.timetoken import (
    BROKEN,
    NO_TIME_YET,
    NOT_THIS_SIGNATURE,
    UNREADABLE,
    UNTRUSTED,
    check_token,
    time_words,
    token_time,
)
from lcc_apr.signing.trust import Trust
from tests.pdf_tools import Identity, dummy_timestamper, make_ca, make_tsa

SIGNATURE = b"the sign-off's ECDSA signature bytes"


def at_of(tsa: Identity) -> datetime:
    """The time its tokens certify: within the test TSA certificate's dates (made when
    the module's first test runs, valid from an hour before; not the run's start, which
    a long run leaves before them)."""
    start = tsa.certificate.not_valid_before_utc.replace(second=0, microsecond=0)
    return start + timedelta(minutes=30)


@pytest.fixture(scope="module")
def root() -> Identity:
    return make_ca("Test timestamp root")


@pytest.fixture(scope="module")
def tsa(root) -> Identity:
    return make_tsa(root)


def stamp(tsa: Identity, signature: bytes = SIGNATURE) -> bytes:
    stamper = dummy_timestamper(tsa)
    stamper.fixed_dt = at_of(tsa)
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(signature).digest(), "sha256"))
    return bytes(token.dump())


def tampered(token: bytes) -> bytes:
    """The last byte flipped: it lies in the TSA's signature value."""
    return token[:-1] + bytes([token[-1] ^ 0x01])


def test_a_token_from_a_trusted_tsa_certifies_its_time(root, tsa):
    token = stamp(tsa)
    checked = check_token(token, SIGNATURE, [root.certificate])
    assert checked.valid and checked.at == at_of(tsa) and checked.problem == ""
    assert token_time(token, SIGNATURE) == at_of(tsa)


def test_tokens_that_do_not_hold_say_why(root, tsa):
    token = stamp(tsa)
    assert check_token(token, SIGNATURE + b"x", [root.certificate]).problem == NOT_THIS_SIGNATURE
    assert check_token(tampered(token), SIGNATURE, [root.certificate]).problem == BROKEN
    assert check_token(token, SIGNATURE, [make_ca("Someone else").certificate]).problem == (
        UNTRUSTED
    )
    assert check_token(token, SIGNATURE, []).problem == UNTRUSTED
    assert check_token(b"not a token", SIGNATURE, [root.certificate]).problem == UNREADABLE
    assert not check_token(tampered(token), SIGNATURE, [root.certificate]).valid


def sign_off(token: bytes | None, signature: bytes | None = SIGNATURE):
    return SimpleNamespace(signature=signature, time_token=token)


def test_what_a_signature_list_says(root, tsa):
    trust = Trust(
        (make_ca("Organisation CA").certificate,),
        timestamp_authority="http://tsa.example/",
        timestamp_roots=(root.certificate,),
    )
    token = stamp(tsa)
    local = at_of(tsa).astimezone(ZoneInfo("Europe/London"))
    uk = f"{local.day} {local:%B %Y} at {local:%H:%M}"
    assert time_words(sign_off(token), trust) == f"Trusted time: {uk}."
    assert time_words(sign_off(None), trust) == NO_TIME_YET == "No trusted time yet."
    assert time_words(sign_off(tampered(token)), trust) == (
        f"Its trusted time is not valid: {BROKEN}."
    )
    assert time_words(sign_off(token, b"another signature"), trust) == (
        f"Its trusted time is not valid: {NOT_THIS_SIGNATURE}."
    )
    assert time_words(sign_off(token, None), trust) == ""  # not digitally signed
    assert time_words(sign_off(token), Trust()) == ""  # no trust fetched yet: nothing to say
    no_tsa = Trust(trust.authorities)
    assert time_words(sign_off(None), no_tsa) == ""  # a server without a TSA: never "yet"
    assert time_words(sign_off(token), no_tsa).startswith("Its trusted time is not valid")
