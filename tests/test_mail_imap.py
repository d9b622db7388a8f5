"""Existing mailboxes read over IMAP: the real ingestor polls the fake IMAP server
(devtools.fakenets.imap) and keeps each new mail once, from a cursor (UIDVALIDITY + UID) that
survives a restart of the ingestor."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from devtools.launcher import Stack
from tests.conftest import TEST_PORT_OFFSET
from tests.fakenets_process import fake_networks
from tests.support import unique, wait_until
from tests.test_webhooks_meta import interactions_of

FAKE_PORT, IMAP_PORT = 8093, 8094


@pytest.fixture(scope="module")
def fake(stack: Stack) -> Iterator[httpx.Client]:
    with fake_networks(stack, FAKE_PORT + TEST_PORT_OFFSET, IMAP_PORT + TEST_PORT_OFFSET) as c:
        yield c


def imap_mailbox(gateway: httpx.Client, user: str, password: str) -> dict[str, Any]:
    body = {
        "id": unique("caixa"),
        "channel": "email",
        "network_id": f"{user}@acme.test",
        "name": "Caixa Acme",
        "collect": ["emails"],
        "credentials": {
            "imap_host": "127.0.0.1",
            "imap_port": str(IMAP_PORT + TEST_PORT_OFFSET),
            "imap_ssl": "false",
            "username": user,
            "password": password,
        },
    }
    created = gateway.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def put(fake: httpx.Client, user: str, password: str, text: str) -> int:
    message = EmailMessage()
    message["From"] = "Joana <joana@cliente.test>"
    message["To"] = f"{user}@acme.test"
    message["Subject"] = text
    message["Message-ID"] = f"<{unique('imap')}@cliente.test>"
    message.set_content(text)
    answer = fake.post(
        f"/_fake/imap/{user}/messages", content=message.as_bytes(), params={"password": password}
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["uid"])


def fetches(fake: httpx.Client, user: str) -> list[str]:
    """The UID FETCH commands the ingestor sent for ``user``'s mailbox, oldest first."""
    records = fake.get("/_fake/requests", params={"network": "imap"}).json()
    return [r["body"] for r in records if r["path"] == user and r["method"] == "UID FETCH"]


def restart_ingestor(stack: Stack) -> None:
    [old] = [p for p in stack.processes if p.name == "ingestor"]
    stack.stop_process(old)
    stack.processes.remove(old)
    process = stack.start_replica("ingestor")

    def healthy() -> bool:
        assert process.popen.poll() is None, "the ingestor exited"
        try:
            return httpx.get(stack.url("ingestor") + "/readyz", timeout=1).is_success
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=60, what="the restarted ingestor")


def test_new_mail_is_read_once_across_an_ingestor_restart(
    fake: httpx.Client, gateway: httpx.Client, stack: Stack
) -> None:
    user, password = unique("sac"), unique("senha")
    first_uid = put(fake, user, password, "Primeira mensagem")
    account = imap_mailbox(gateway, user, password)
    [first] = interactions_of(gateway, account["id"], 1)
    assert first["interaction"]["text"] == "Primeira mensagem"
    assert first["interaction"]["author"]["id"] == "joana@cliente.test"

    restart_ingestor(stack)
    read_before = len(fetches(fake, user))
    second_uid = put(fake, user, password, "Segunda mensagem")
    stored = interactions_of(gateway, account["id"], 2)
    assert sorted(s["interaction"]["text"] for s in stored) == [
        "Primeira mensagem",
        "Segunda mensagem",
    ]
    # The restarted ingestor asked only for what came after its cursor: the first mail was
    # never fetched again (not merely de-duplicated after a second read).
    after_restart = fetches(fake, user)[read_before:]
    assert after_restart, "the restarted ingestor fetched nothing"
    assert all(f.split()[0] == str(second_uid) for f in after_restart), after_restart
    assert all(f.split()[0] != str(first_uid) for f in after_restart)


def test_a_mailbox_with_a_wrong_password_does_not_stop_the_others(
    fake: httpx.Client, gateway: httpx.Client
) -> None:
    user, password = unique("errado"), unique("senha")
    put(fake, user, password, "nunca lida")
    wrong = imap_mailbox(gateway, user, "palpite")
    good_user, good_password = unique("certo"), unique("senha")
    put(fake, good_user, good_password, "lida")
    good = imap_mailbox(gateway, good_user, good_password)
    [stored] = interactions_of(gateway, good["id"], 1)
    assert stored["interaction"]["text"] == "lida"
    assert fetches(fake, user) == []
    # The refused login shows in the mailbox's health like any network's failure.
    failing = wait_until(
        lambda: health if (health := health_of(gateway, wrong))["state"] == "failing" else None,
        timeout=30,
        what="the mailbox with the wrong password failing",
    )
    assert "IMAP" in failing["last_error"] and failing["consecutive_failures"] >= 3
    assert health_of(gateway, good)["state"] == "ok"
    assert health_of(gateway, good)["last_poll_at"] is not None


def health_of(gateway: httpx.Client, account: dict[str, Any]) -> dict[str, Any]:
    return gateway.get(f"/v1/accounts/{account['id']}").json()["health"]  # type: ignore[no-any-return]
