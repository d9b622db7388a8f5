"""Accounts through the gateway, owned by the ingestor: administrators only, credentials
write-only and encrypted at rest."""

from __future__ import annotations

from typing import Any

import httpx

from devtools.launcher import Stack
from tests.support import unique


def new_account(**overrides: Any) -> dict[str, Any]:
    return {
        "id": unique("acme"),
        "channel": "facebook",
        "network_id": unique("page"),
        "name": "Acme Brasil",
        "collect": ["comments", "direct_messages"],
        "credentials": {"page_access_token": unique("EAAB-secret")},
        **overrides,
    }


def test_an_admin_registers_reads_replaces_and_removes_an_account(gateway: httpx.Client) -> None:
    body = new_account()
    created = gateway.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["has_credentials"] is True
    assert account["health"]["state"] == "ok"
    assert account["health"]["consecutive_failures"] == 0
    assert body["credentials"]["page_access_token"] not in created.text

    read = gateway.get(f"/v1/accounts/{body['id']}")
    assert read.json() == account
    assert body["id"] in [a["id"] for a in gateway.get("/v1/accounts").json()["items"]]

    # A replace without credentials keeps them; the name changes.
    fields = {k: v for k, v in body.items() if k not in ("id", "credentials")}
    replaced = gateway.put(f"/v1/accounts/{body['id']}", json={**fields, "name": "Acme BR"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "Acme BR"
    assert replaced.json()["has_credentials"] is True

    assert gateway.delete(f"/v1/accounts/{body['id']}").status_code == 204
    assert gateway.get(f"/v1/accounts/{body['id']}").status_code == 404


def test_credentials_are_never_returned_and_never_stored_in_clear(
    gateway: httpx.Client, stack: Stack
) -> None:
    body = new_account()
    secret = body["credentials"]["page_access_token"]
    assert gateway.post("/v1/accounts", json=body).status_code == 201
    assert secret not in gateway.get("/v1/accounts").text
    assert secret not in gateway.get(f"/v1/accounts/{body['id']}").text
    for path in stack.data_dir.rglob("ingestor*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"{path} holds the secret in clear"
    for path in stack.log_dir.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), f"{path} logged the secret"


def test_one_network_profile_is_one_account(gateway: httpx.Client) -> None:
    body = new_account()
    assert gateway.post("/v1/accounts", json=body).status_code == 201
    again = gateway.post("/v1/accounts", json={**body, "id": unique("other")})
    assert again.status_code == 409
    assert body["network_id"] in again.json()["detail"]


def test_bad_accounts_are_refused_with_the_reason(gateway: httpx.Client) -> None:
    bad_channel = gateway.post("/v1/accounts", json=new_account(channel="myspace"))
    assert bad_channel.status_code == 422
    assert "channel" in bad_channel.text
    bad_collect = gateway.post("/v1/accounts", json=new_account(collect=["likes"]))
    assert bad_collect.status_code == 422
    assert gateway.get("/v1/accounts/nobody-here").status_code == 404


def test_a_refused_body_does_not_echo_the_credentials(gateway: httpx.Client) -> None:
    body = new_account(colect=["comments"])  # misspelt: the whole body is refused
    refused = gateway.post("/v1/accounts", json=body)
    assert refused.status_code == 422
    assert "colect" in refused.text
    assert body["credentials"]["page_access_token"] not in refused.text
    bad_secret = new_account()
    bad_secret["credentials"]["page_access_token"] = ["EAAB-not-a-string"]
    refused = gateway.put(f"/v1/accounts/{bad_secret['id']}", json=bad_secret)
    assert refused.status_code == 422
    assert "EAAB-not-a-string" not in refused.text


def test_only_an_admin_manages_accounts(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url("gateway")) as anonymous:
        assert anonymous.get("/v1/accounts").status_code == 401
        assert anonymous.post("/v1/accounts", json=new_account()).status_code == 401
