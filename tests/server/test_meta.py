"""Health, version, OpenAPI, protocol negotiation, tokens everywhere, safe errors."""

import logging

import httpx
import jwt
import pytest

from lcc_apr.server import create_app
from lcc_apr.sync.protocol import PROTOCOL_HEADER

from .harness import ThreadedUvicorn

PROTECTED = [
    ("GET", "/org"),
    ("GET", "/sync/pull"),
    ("POST", "/sync/push"),
    ("POST", "/auth/logout"),
]


def test_health_and_version_are_open_and_name_the_protocol_templates_and_epoch(live_server):
    with httpx.Client(base_url=live_server.url) as bare:  # no protocol header, no token
        assert bare.get("/health").json() == {"status": "ok"}
        version = bare.get("/version").json()
    assert version["protocol"] == 1 and version["min_protocol"] == 1
    assert ["apr", 1] in version["templates"] and ["capability", 1] in version["templates"]
    assert len(version["epoch"]) == 36 and version["server_version"]


JSON = "application/json"


def test_openapi_document_and_docs_are_served(live_server):
    with httpx.Client(base_url=live_server.url) as bare:
        spec = bare.get("/openapi.json").json()
        assert bare.get("/docs").status_code == 200
    for path in (
        "/auth/login",
        "/auth/refresh",
        "/auth/logout",
        "/org",
        "/sync/push",
        "/sync/pull",
    ):
        assert path in spec["paths"], path
    # Bodies and answers are documented with the wire models of lcc_apr.sync.protocol.
    documented = {
        ("get", "/version"): (None, "VersionReply"),
        ("post", "/auth/login"): ("LoginBody", "TokenReply"),
        ("post", "/auth/refresh"): ("RefreshBody", "TokenReply"),
        ("get", "/org"): (None, "OrgReply"),
        ("post", "/sync/push"): ("PushBody", "PushReply"),
        ("get", "/sync/pull"): (None, "PullPage"),
        ("post", "/certificates"): ("CertificateBody", "CertificateReply"),
        ("get", "/certificates/trust"): (None, "TrustReply"),
    }
    for (method, path), (body, answer) in documented.items():
        operation = spec["paths"][path][method]
        sent = operation.get("requestBody", {}).get("content", {}).get(JSON, {})
        got = operation["responses"]["200"]["content"][JSON]["schema"]
        assert sent.get("schema", {}).get("$ref", "").split("/")[-1] == (body or ""), path
        assert got["$ref"].split("/")[-1] == answer, path


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_route_needs_a_valid_token(live_server, method, path):
    anonymous = live_server.client()
    body = {"key": "k", "records": []} if path == "/sync/push" else {"refresh_token": "x"}
    kwargs = {"json": body} if method == "POST" else {}
    assert anonymous.request(method, path, **kwargs).status_code == 401
    forged = jwt.encode(
        {
            "sub": "3",
            "sid": "s",
            "aud": "lcc-apr",
            "iss": "lcc-apr-server",
            "exp": 4102444800,
            "jti": "j",
        },
        "not-the-server-key-" + "y" * 30,
        algorithm="HS256",
    )
    reply = live_server.client(forged).request(method, path, **kwargs)
    assert reply.status_code == 401
    assert reply.json()["detail"]
    assert live_server.client("garbage").request(method, path, **kwargs).status_code == 401


@pytest.mark.parametrize("header", [None, "0", "2", "one"])
def test_a_request_without_a_protocol_this_server_speaks_gets_426(live_server, header):
    headers = {PROTOCOL_HEADER: header} if header is not None else {}
    with httpx.Client(base_url=live_server.url, headers=headers) as client:
        for reply in (
            client.post("/auth/login", json={"username": "x", "password": "y"}),
            client.get("/sync/pull"),
        ):
            assert reply.status_code == 426
            body = reply.json()
            assert body["min_protocol"] == 1 and body["max_protocol"] == 1 and body["detail"]
    if header == "2":
        assert "update the server" in body["detail"]
    if header == "0":
        assert "update the app" in body["detail"]


def test_personal_data_is_marked_no_store(live_server):
    hr = live_server.login(live_server.people.hr[0].username)
    for reply in (hr.client.get("/org"), hr.client.get("/sync/pull", params={"limit": 5})):
        assert reply.status_code == 200
        assert reply.headers["cache-control"] == "no-store"
    assert live_server.client().get("/health").headers["cache-control"] == "no-store"


def test_invalid_requests_name_the_problem_but_never_echo_the_values(live_server):
    secret = "Jane Q Smith, disciplinary 2024"
    reply = live_server.client().post(
        "/auth/login", json={"username": secret, "password": [secret], "device": "x"}
    )
    assert reply.status_code == 422
    assert "password" in reply.json()["detail"]
    assert secret not in reply.text


def test_an_unexpected_error_is_a_generic_500_and_the_log_has_no_details(
    live_server, caplog, capfd
):
    app = create_app(live_server.settings, live_server.engine)

    person = "".join(["Ja", "ne Q Smi", "th"])  # data, not code: tracebacks show code lines

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"{person} failed her probation")

    runner = ThreadedUvicorn(app)
    url = runner.start()
    try:
        with caplog.at_level(logging.ERROR), httpx.Client(base_url=url) as client:
            reply = client.get("/boom")
    finally:
        runner.stop()
    assert reply.status_code == 500
    assert reply.json() == {"detail": reply.json()["detail"]} and "logged" in reply.json()["detail"]
    assert "Jane" not in reply.text and "Traceback" not in reply.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "/boom" in logged
    assert "Jane" not in logged
    printed = capfd.readouterr()
    assert "Jane" not in printed.out + printed.err  # nor in uvicorn's own log


def test_an_oversized_request_is_refused_before_it_is_read(live_server_factory):
    server = live_server_factory(max_request_mb=1)
    signed_in = server.login(server.people.employees[0].username)
    big = {"key": "k", "records": [], "padding": "x" * (1024 * 1024 + 1)}
    reply = signed_in.client.post("/sync/push", json=big)
    assert reply.status_code == 413 and "too large" in reply.json()["detail"]
