"""The one server-address rule (lcc_apr.sync.address), as the connection applies it."""

from __future__ import annotations

import pytest

from lcc_apr.sync.address import AddressError, check_server_url
from lcc_apr.sync.errors import SyncError
from lcc_apr.sync.transport import Connection, Tokens


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://apr.example.gov.uk", "https://apr.example.gov.uk"),
        ("  https://APR.Example.gov.uk/  ", "https://apr.example.gov.uk"),
        ("https://apr.example.gov.uk:8443/apr/", "https://apr.example.gov.uk:8443/apr"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ],
)
def test_https_addresses_are_accepted_and_normalised(given, expected):
    assert check_server_url(given) == expected
    assert check_server_url(given, allow_plain_local=True) == expected


@pytest.mark.parametrize(
    "local", ["http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000"]
)
def test_plain_http_to_this_computer_only_when_allowed(local):
    assert check_server_url(local, allow_plain_local=True) == local.rstrip("/")
    with pytest.raises(AddressError, match="https://"):
        check_server_url(local)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("http://apr.example.gov.uk", "must start with https://"),
        ("http://192.168.1.5:8000", "must start with https://"),
        ("ftp://apr.example.gov.uk", "is not a server address"),
        ("apr.example.gov.uk", "is not a server address"),
        ("not a url", "is not a server address"),
        ("", "is not a server address"),
        ("https://", "is not a server address"),
        ("https://apr.example.gov.uk:99999", "is not a server address"),
        ("https://apr.example.gov.uk/?x=1", "is not a server address"),
        ("https://sam:secret@apr.example.gov.uk", "Leave your user name and password out"),
    ],
)
def test_other_addresses_are_refused_with_a_sentence(given, says):
    with pytest.raises(AddressError, match=says) as refused:
        check_server_url(given, allow_plain_local=True)
    assert str(refused.value).endswith(".")
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, SyncError)


def test_the_connection_applies_the_rule():
    assert Connection("https://apr.example.gov.uk/", tokens=Tokens(None)).url == (
        "https://apr.example.gov.uk"
    )
    with pytest.raises(AddressError, match="https://"):
        Connection("http://apr.example.gov.uk", tokens=Tokens(None))
    with pytest.raises(AddressError, match="https://"):
        Connection("http://127.0.0.1:8000", tokens=Tokens(None))
    local = Connection("http://127.0.0.1:8000", tokens=Tokens(None), allow_plain_local=True)
    assert local.url == "http://127.0.0.1:8000"
