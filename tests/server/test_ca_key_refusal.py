"""A server whose signing authority's key cannot be used (a wrong passphrase, no HSM token)
refuses to sign (503 with a code saying why) yet serves sync of unsigned work: pushes and
pulls go on, and the trust list still carries the authority's certificate."""

from __future__ import annotations

import logging

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.signing.certs import b64, certificate_request, new_private_key

from .harness import wire_of


def plain_subject(server, kind, status):
    plain = {u.employee_id for u in server.people.employees}
    return next(r for r in server.records(kind=kind, status=status) if r.subject_id in plain)


@pytest.mark.parametrize(
    "code",
    ["ca_passphrase_wrong", "ca_token_unavailable"],
)
def test_signing_is_refused_but_sync_goes_on(live_server_factory, tmp_path, caplog, code):
    if code == "ca_passphrase_wrong":
        wrong = tmp_path / "wrong.passphrase"
        wrong.write_text("not the passphrase at all\n")
        server = live_server_factory(ca_passphrase_file=wrong)
    else:  # the token's module is not there (an HSM unplugged, a driver not installed)
        pytest.importorskip("pkcs11")
        pin = tmp_path / "pin"
        pin.write_text("1234\n")
        server = live_server_factory(
            ca_pkcs11_module=tmp_path / "no-such-module.so",
            ca_pkcs11_token="lcc-ca",
            ca_pkcs11_pin_file=pin,
        )
    people = server.people
    employee = people.employees[0]
    me = server.login(employee.username)
    csr = b64(certificate_request(new_private_key(), employee.username))
    with caplog.at_level(logging.ERROR, logger="lcc_apr.server"):
        refused = me.client.post("/certificates", json={"csr": csr})
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == code
    assert "cannot issue signing certificates" in refused.json()["detail"]
    assert "passphrase at all" not in refused.text
    assert any("signing refused" in r.getMessage() for r in caplog.records)
    trust = me.client.get("/certificates/trust")
    assert trust.status_code == 200 and len(trust.json()["ca_certificates"]) == 1

    record = plain_subject(server, RecordKind.APR, "shared")
    manager = server.login(people.manager_of(record.subject_id).username)
    reply = manager.push([wire_of(record, status="draft")])
    assert reply.status_code == 200, reply.text
    assert reply.json()["results"][0]["outcome"] == "applied"
    items, _ = manager.pull_all()
    pulled = [i["record"] for i in items if "record" in i and i["record"]["id"] == record.id]
    assert pulled and pulled[-1]["status"] == "draft"
