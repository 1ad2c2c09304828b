"""The client's transport: plain-English errors, protocol negotiation, retry with backoff."""

import json
import threading

import httpx
import pytest

from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.protocol import PROTOCOL, PROTOCOL_HEADER
from lcc_apr.sync.transport import (
    AuthError,
    Cancelled,
    Connection,
    IncompatibleServer,
    LockedOut,
    NetworkError,
    Refused,
    Tokens,
)


def connection(handler) -> Connection:
    return Connection(
        "https://apr.example.gov.uk", tokens=Tokens(None), transport=httpx.MockTransport(handler)
    )


def answer(status, body=None):
    return lambda request: httpx.Response(status, json=body or {})


def version_reply(protocol=PROTOCOL, min_protocol=1, **more):
    return {
        "server_version": "1.0",
        "protocol": protocol,
        "min_protocol": min_protocol,
        "templates": [["apr", 1]],
        "epoch": "e",
        **more,
    }


def test_every_request_names_the_protocol():
    seen = []

    def handler(request):
        seen.append(request.headers.get(PROTOCOL_HEADER))
        return httpx.Response(200, json=version_reply())

    connection(handler).version()
    assert seen == [str(PROTOCOL)]


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (version_reply(PROTOCOL + 1, PROTOCOL + 1), "newer version of this app"),
        (version_reply(0, 0), "ask IT to update the server"),
    ],
)
def test_a_server_too_new_or_too_old_is_refused_in_plain_words(reply, words):
    with pytest.raises(IncompatibleServer, match=words):
        connection(answer(200, reply)).version()


def test_replies_are_read_through_the_wire_models():
    info = connection(answer(200, version_reply(added_later="ignored"))).version()
    assert info.templates == [("apr", 1)] and info.epoch == "e"  # unknown keys are ignored
    for broken in ({"protocol": PROTOCOL}, version_reply(protocol="one"), [1, 2]):
        with pytest.raises(IncompatibleServer, match="does not understand"):
            connection(answer(200, broken)).version()


def test_a_426_says_who_must_update():
    with pytest.raises(IncompatibleServer, match="newer version of this app"):
        connection(
            answer(
                426,
                {"detail": "Update.", "min_protocol": PROTOCOL + 1, "max_protocol": PROTOCOL + 1},
            )
        ).version()


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (401, {"detail": "Wrong username or password."}, AuthError, "Wrong username"),
        (423, {"detail": "Locked for 15 minutes.", "retry_after": 900}, LockedOut, "Locked"),
        (403, {"detail": "Not your team."}, Refused, "Not your team"),
        (500, {"detail": "Traceback..."}, NetworkError, "nothing was lost"),
    ],
)
def test_server_answers_become_sentences(status, body, error, words):
    with pytest.raises(error, match=words):
        connection(answer(status, body)).login("sam", "wrong")


def test_network_failures_and_untrusted_certificates_are_explained():
    def refused(request):
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    with pytest.raises(NetworkError, match="certificate is not trusted"):
        connection(refused).version()

    def down(request):
        raise httpx.ConnectError("Connection refused")

    with pytest.raises(NetworkError, match="Your work is saved"):
        connection(down).version()


def test_network_errors_are_retried_with_growing_waits():
    waits, calls = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise NetworkError("down")
        return "ok"

    engine = SyncEngine.__new__(SyncEngine)
    engine.sleep, engine.retries = waits.append, 3
    assert engine._retrying(flaky, threading.Event()) == "ok"
    assert waits == [0.5, 1.0]

    def always_down():
        raise NetworkError("Cannot reach the server.")

    waits.clear()
    with pytest.raises(NetworkError):
        engine._retrying(always_down, threading.Event())
    assert waits == [0.5, 1.0]  # three tries, then the error reaches the person
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        engine._retrying(flaky, cancel)


def token_reply(refresh):
    user = {
        "id": 1,
        "username": "sam",
        "display_name": "Sam",
        "roles": [],
        "employee_id": None,
        "active": True,
    }
    return {"access_token": "a", "refresh_token": refresh, "expires_in": 900, "user": user}


def test_a_refresh_whose_reply_is_lost_is_sent_again_with_the_same_token():
    sent = []

    def handler(request):
        sent.append(json.loads(request.content)["refresh_token"])
        if len(sent) == 1:  # the server spent the token; its answer was lost
            raise httpx.ReadError("connection dropped")
        return httpx.Response(200, json=token_reply("second"))

    signed_in = connection(handler)
    signed_in.tokens.save("refresh:https://apr.example.gov.uk:sam", "first")
    assert signed_in.resume("sam")
    assert sent == ["first", "first"] and signed_in.user.username == "sam"
    assert signed_in.tokens.load(signed_in._entry()) == "second"


def test_a_refresh_that_cannot_connect_is_not_repeated_at_once():
    sent = []

    def handler(request):
        sent.append(1)
        raise httpx.ConnectError("Connection refused")

    signed_in = connection(handler)
    signed_in.tokens.save("refresh:https://apr.example.gov.uk:sam", "first")
    with pytest.raises(NetworkError):
        signed_in.resume("sam")
    assert sent == [1]  # nothing reached the server: the engine's own retries wait first
    assert signed_in.tokens.load(signed_in._entry()) == "first"  # kept for the next try


def test_two_threads_refused_at_once_refresh_once():
    """The sync's thread and the ready-made cache's download both find the access token
    expired: one refresh is sent, and the other thread takes its new access token (the
    spent refresh token sent again would look stolen)."""
    refreshes, both_refused = [], threading.Barrier(2, timeout=5)

    def handler(request):
        if request.url.path == "/auth/refresh":
            refreshes.append(json.loads(request.content)["refresh_token"])
            return httpx.Response(200, json=token_reply(f"new-{len(refreshes)}"))
        if request.headers["Authorization"] == "Bearer expired":
            both_refused.wait()  # each thread has sent the expired token
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(200, json=version_reply())

    signed_in = connection(handler)
    signed_in.username, signed_in._access = "sam", "expired"
    signed_in.tokens.save(signed_in._entry(), "first")
    errors = []

    def ask():
        try:
            signed_in._request("GET", "/sync/feed-end")
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and refreshes == ["first"]
    assert signed_in._access == "a" and signed_in.tokens.load(signed_in._entry()) == "new-1"
