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


def test_the_polled_fakes_page_as_documented_and_answer_queued_faults() -> None:
    with TestClient(create_app()) as client:
        for n in range(3):
            client.post(
                "/_fake/youtube/comments",
                json={
                    "channel_id": "UC1",
                    "video_id": "v1",
                    "comment_id": f"c{n}",
                    "text": f"oi {n}",
                    "author_channel_id": "UC-fan",
                    "published_at": f"2026-11-30T12:00:0{n}Z",
                },
            )
        params = {"allThreadsRelatedToChannelId": "UC1", "maxResults": 2}
        first = client.get("/youtube/v3/commentThreads", params=params).json()
        assert [t["id"] for t in first["items"]] == ["c2", "c1"]  # newest first
        rest = client.get(
            "/youtube/v3/commentThreads", params={**params, "pageToken": first["nextPageToken"]}
        ).json()
        assert [t["id"] for t in rest["items"]] == ["c0"] and "nextPageToken" not in rest

        location = "accounts/1/locations/2"
        client.post(
            "/_fake/google/reviews",
            json={"location": location, "review_id": "r1", "comment": "ruim", "stars": 2},
        )
        client.patch("/_fake/google/reviews/r1", json={"comment": "melhorou", "stars": 4})
        [review] = client.get(f"/v4/{location}/reviews").json()["reviews"]
        assert (review["comment"], review["starRating"]) == ("melhorou", "FOUR")
        client.delete("/_fake/google/reviews/r1")
        assert client.get(f"/v4/{location}/reviews").json()["reviews"] == []

        client.post(
            "/_fake/reclameaqui/faults",
            params={"account": "acme"},
            json={"status": 429, "retry_after": "3"},
        )
        limited = client.post(
            "/api/auth/oauth/token",
            params={"grant_type": "client_credentials"},
            auth=("acme", "secret"),
        )
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
        token = client.post(
            "/api/auth/oauth/token",
            params={"grant_type": "client_credentials"},
            auth=("acme", "secret"),
        ).json()["access_token"]
        tickets = client.get(
            "/api/ticket/v1/tickets",
            params={"last_modification_date[gte]": "2026-01-01", "page[number]": 1},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert tickets == {"data": [], "meta": {"page": 1, "page_size": 50, "total_pages": 1}}

        records = client.get("/_fake/requests", params={"account": "acme"}).json()
        assert [r["status"] for r in records] == [429, 200, 200]
        assert not any(r["overlapped"] for r in records)
