"""The ticket page's opinion requests, read from the ticket's history: each request with what
became of it, newest first."""

from __future__ import annotations

from gateway.console.opinion_rows import opinion_rows


def entry(at: str, action: str, **detail: object) -> dict[str, object]:
    return {"at": at, "actor": "ana", "action": action, "detail": detail}


def test_each_request_shows_whether_it_waits_was_answered_or_never_arrived() -> None:
    history = [
        entry("2026-01-01T10:00:00+00:00", "opinion_requested", request_id="r1", email="a@x.com"),
        entry("2026-01-01T11:00:00+00:00", "note", text="unrelated"),
        entry(
            "2026-01-01T12:00:00+00:00",
            "opinion_requested",
            request_id="r2",
            email="b@x.com",
            note="Procede?",
            attachments=["contrato.pdf"],
        ),
        entry("2026-01-01T13:00:00+00:00", "opinion_requested", request_id="r3", email="c@x.com"),
        entry("2026-01-02T09:00:00+00:00", "opinion_received", request_id="r1", text="Sim"),
        entry(
            "2026-01-02T10:00:00+00:00",
            "opinion_undeliverable",
            request_id="r3",
            reason="550 no such user",
        ),
    ]

    rows = opinion_rows(history)

    assert [(r.email, r.state) for r in rows] == [
        ("c@x.com", "undeliverable"),
        ("b@x.com", "waiting"),
        ("a@x.com", "answered"),
    ]
    assert rows[0].reason == "550 no such user"
    assert rows[1].note == "Procede?" and rows[1].attachments == ("contrato.pdf",)
    assert rows[1].closed_at == ""
    assert rows[2].closed_at.startswith("2026-01-02T09:00")


def test_a_ticket_without_requests_has_no_rows() -> None:
    assert opinion_rows([entry("2026-01-01T10:00:00+00:00", "note", text="x")]) == []
