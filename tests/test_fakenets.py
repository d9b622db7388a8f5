"""The fake networks themselves: what the replies issue will lean on (Graph API answers and the
record of every call), in process, without the services."""

from __future__ import annotations

from fastapi.testclient import TestClient

from devtools.fakenets import meta
from devtools.fakenets.app import create_app


def test_the_fake_graph_api_answers_as_documented_and_records_every_call() -> None:
    with TestClient(create_app()) as client:
        sent = client.post(
            "/v21.0/100/messages",
            json={
                "recipient": {"id": "psid-9"},
                "messaging_type": "RESPONSE",
                "message": {"text": "oi"},
            },
        ).json()
        assert sent["recipient_id"] == "psid-9"
        assert sent["message_id"].startswith("m_")
        reply = client.post("/v21.0/c-1/comments", json={"message": "Obrigado!"}).json()
        assert reply["id"].startswith("c-1_")
        subscribed = client.post("/v21.0/100/subscribed_apps?subscribed_fields=feed,messages")
        assert subscribed.json() == {"success": True}
        records = client.get("/_fake/requests", params={"network": "meta"}).json()
        assert [r["path"] for r in records] == [
            "/v21.0/100/messages",
            "/v21.0/c-1/comments",
            "/v21.0/100/subscribed_apps",
        ]
        assert records[0]["body"]["message"] == {"text": "oi"}
        assert records[2]["query"] == {"subscribed_fields": "feed,messages"}


def test_a_multi_entry_delivery_is_signed_over_its_escaped_bytes() -> None:
    payload = meta.delivery(
        "page",
        [
            meta.page_comment(
                page_id="1", comment_id="c1", post_id="p", from_id="u", message="ação"
            ),
            meta.direct_message(account_id="1", customer_id="9", mid="m1", text="olá"),
        ],
    )
    body = meta.encode(payload)
    assert b"a\\u00e7\\u00e3o" in body
    assert meta.sign(body, "s") == meta.sign(meta.encode(payload), "s")
    assert meta.sign(body, "s") != meta.sign(body, "t")
