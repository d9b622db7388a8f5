"""Approvals (F21) and canned responses (F20), through the real services against the fake
Graph API: a moderated level's reply waits for an approver, is rejected with a reason (its
author mailed), resubmitted, edited and approved, then sent once; a canned response's
placeholders arrive filled at the network."""

from __future__ import annotations

from typing import Any

import httpx

from devtools.launcher import Stack
from tests.people import agent, as_agent
from tests.support import mails_to, unique, wait_until
from tests.test_replies import Desk, page_comment_on, sent_to_graph, text_of
from tests.test_webhooks_meta import fake_meta  # noqa: F401  (a fixture)


def moderate(gateway: httpx.Client, desk: Desk, approvers: list[str]) -> None:
    settings = {k: v for k, v in desk.level.items() if k != "agents"}
    changed = gateway.put(
        f"/v1/levels/{desk.level['name']}",
        json={**settings, "moderation_required": True, "approvers": approvers},
    )
    assert changed.status_code == 200, changed.text


def reply_on(gateway: httpx.Client, ticket: dict[str, Any], reply_id: str) -> dict[str, Any]:
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    return next(i for i in detail["interactions"] if i["id"] == reply_id)  # type: ignore[no-any-return]


def test_a_moderated_reply_waits_is_rejected_resubmitted_then_approved_and_sent_once(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
    stack: Stack,
) -> None:
    desk = Desk(gateway)
    supervisor = agent(gateway, levels=[desk.level["name"]])
    colleague = agent(gateway, levels=[desk.level["name"]])
    # The author approves too: others' replies, never their own.
    moderate(gateway, desk, approvers=[supervisor["id"], desk.agent["id"]])
    _comment, ticket = page_comment_on(desk, fake_meta, "Quero meu dinheiro de volta")
    draft = f"Devolvemos amanhã {unique('r')}"

    held = desk.reply(ticket, text=draft, status_after="pending")

    assert held.status_code == 202, held.text
    reply_id = held.json()["id"]
    assert held.json()["delivery"]["state"] == "pending_approval"
    assert reply_on(gateway, ticket, reply_id)["delivery"]["state"] == "pending_approval"
    with as_agent(gateway, supervisor["id"]) as boss, as_agent(gateway, colleague["id"]) as peer:
        listed = boss.get("/v1/approvals", params={"level": desk.level["name"]}).json()
        assert [(a["reply_id"], a["text"], a["protocol"]) for a in listed] == [
            (reply_id, draft, ticket["protocol"])
        ]
        assert peer.get("/v1/approvals").json() == []  # in the level, but not an approver
        assert peer.post(f"/v1/approvals/{reply_id}/approve").status_code == 403
        own = desk.session.post(f"/v1/approvals/{reply_id}/approve")
        assert own.status_code == 403, own.text
        assert "your own" in own.json()["detail"]

        reason = "Não prometa data de devolução"
        rejected = boss.post(f"/v1/approvals/{reply_id}/reject", json={"reason": reason})
        assert rejected.status_code == 200, rejected.text
        assert (rejected.json()["state"], rejected.json()["reason"]) == ("rejected", reason)
        shown = reply_on(gateway, ticket, reply_id)["delivery"]
        assert (shown["state"], shown["reason"]) == ("rejected", reason)
        assert boss.post(f"/v1/approvals/{reply_id}/approve").status_code == 409
        [mail] = wait_until(
            lambda: (
                [m for m in mails_to(stack.mail_dir, desk.agent["email"]) if reason in text_of(m)]
                or None
            ),
            timeout=30,
            what="the rejection mail to the author",
        )
        assert ticket["protocol"] in mail["Subject"]
        assert draft in text_of(mail)
        mine = desk.session.get("/v1/approvals", params={"state": "rejected"}).json()
        assert [a["reply_id"] for a in mine] == [reply_id]

        second = f"Devolvemos em até 7 dias úteis {unique('r')}"
        again = desk.session.post(f"/v1/approvals/{reply_id}/resubmit", json={"text": second})
        assert again.status_code == 200, again.text
        assert again.json()["state"] == "pending_approval"
        final = f"{second} Obrigado!"
        edited = boss.put(f"/v1/approvals/{reply_id}", json={"text": final})
        assert edited.status_code == 200, edited.text
        assert not sent_to_graph(fake_meta, second)  # nothing left before the approval

        approved = boss.post(f"/v1/approvals/{reply_id}/approve")
        assert approved.status_code == 202, approved.text
        assert boss.post(f"/v1/approvals/{reply_id}/approve").status_code == 404

    sent = desk.settled(ticket, reply_id)
    assert sent["delivery"]["state"] == "sent", sent
    [call] = sent_to_graph(fake_meta, second)
    assert call["body"] == {"message": final}
    assert not sent_to_graph(fake_meta, draft)
    history = desk.history(ticket)
    actions = [(e["action"], e["actor"]) for e in history if e["action"].startswith("reply_")]
    author, approver = f"agent:{desk.agent['id']}", f"agent:{supervisor['id']}"
    for expected in [
        ("reply_written", author),
        ("reply_rejected", approver),
        ("reply_resubmitted", author),
        ("reply_edited", approver),
        ("reply_approved", approver),
        ("reply_sent", "network:facebook"),
    ]:
        assert expected in actions, (expected, actions)
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["status"] == "pending"


def test_a_canned_response_arrives_at_the_network_with_its_placeholders_filled(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    _comment, ticket = page_comment_on(desk, fake_meta, "Obrigada pela ajuda")
    shortcut = unique("thanks").replace("-", "").lower()
    made = desk.session.post(
        "/v1/canned-responses",
        json={
            "shortcut": shortcut,
            "title": "Agradecer",
            "text": "Olá {{ customer_name }}, obrigado! Protocolo {{protocol}} ({{ level }}), "
            "{{ agent_name }}.",
            "scope": "level",
            "scope_key": desk.level["name"],
        },
    )
    assert made.status_code == 201, made.text
    canned = made.json()
    assert canned["placeholders"] == ["customer_name", "protocol", "level", "agent_name"]
    found = desk.session.get("/v1/canned-responses", params={"shortcut": f"/{shortcut[:5]}"})
    assert canned["id"] in [c["id"] for c in found.json()]
    extra = unique("extra")

    answer = desk.reply(ticket, canned_response=canned["id"], text=extra)

    assert answer.status_code == 202, answer.text
    expected = (
        f"Olá Maria Souza, obrigado! Protocolo {ticket['protocol']} ({desk.level['name']}), "
        f"{desk.agent['name']}.\n\n{extra}"
    )
    assert answer.json()["interaction"]["text"] == expected
    assert desk.settled(ticket, answer.json()["id"])["delivery"]["state"] == "sent"
    [call] = sent_to_graph(fake_meta, extra)
    assert call["body"] == {"message": expected}
    [written] = [e for e in desk.history(ticket) if e["action"] == "reply_written"]
    assert written["detail"]["canned_response"] == canned["id"]


def test_canned_responses_refuse_unknown_placeholders_and_keep_shortcuts_unique_by_scope(
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    outsider = agent(gateway)
    unknown = desk.session.post(
        "/v1/canned-responses", json={"shortcut": "oi", "text": "Olá {{ cpf }}"}
    )
    assert unknown.status_code == 422, unknown.text
    assert "{{ cpf }}" in str(unknown.json())
    code = desk.session.post(
        "/v1/canned-responses", json={"shortcut": "oi", "text": "{% if x %}oi{% endif %}"}
    )
    assert code.status_code == 422, code.text
    shared = {"text": "Oi!", "scope": "level", "scope_key": desk.level["name"]}
    first = desk.session.post("/v1/canned-responses", json={"shortcut": "oi", **shared})
    assert first.status_code == 201, first.text
    twice = desk.session.post("/v1/canned-responses", json={"shortcut": "oi", **shared})
    assert twice.status_code == 409, twice.text
    personal = desk.session.post("/v1/canned-responses", json={"shortcut": "oi", "text": "Oi"})
    assert personal.status_code == 201, personal.text  # another scope: its own shortcuts
    global_ = desk.session.post(
        "/v1/canned-responses", json={"shortcut": "oi", "text": "Oi", "scope": "global"}
    )
    assert global_.status_code == 403, global_.text
    with as_agent(gateway, outsider["id"]) as other:
        listed = {c["id"] for c in other.get("/v1/canned-responses").json()}
        assert not listed & {first.json()["id"], personal.json()["id"]}
        assert other.get(f"/v1/canned-responses/{first.json()['id']}").status_code == 404
    renamed = desk.session.put(
        f"/v1/canned-responses/{first.json()['id']}", json={"shortcut": "ola", **shared}
    )
    assert renamed.status_code == 200, renamed.text
    again = desk.session.post("/v1/canned-responses", json={"shortcut": "oi", **shared})
    assert again.status_code == 201, again.text  # the old shortcut is free again
    searched = desk.session.get("/v1/canned-responses", params={"q": "OI!"}).json()
    assert {c["shortcut"] for c in searched} >= {"ola", "oi"}
    gone = desk.session.delete(f"/v1/canned-responses/{again.json()['id']}")
    assert gone.status_code == 204
    assert desk.session.get(f"/v1/canned-responses/{again.json()['id']}").status_code == 404
