"""Helpers the cross-service tests share: realistic interactions, waiting on conditions with
deadlines, and reading mails from the SMTP sink."""

from __future__ import annotations

import email
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any, TypeVar

import httpx

# The stack under test gets its own secrets (the services have no defaults); fixed values
# so a test can sign what a service would have signed (an expired token, an old link).
ADMIN_TOKEN = "test-admin-token-0123456789abcdef-0123456789"
INGEST_KEY = "test-ingest-key-0123456789abcdef-0123456789"
JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789"
LINK_SECRET = "test-link-secret-0123456789abcdef-0123456789"
META_APP_SECRET = "test-meta-app-secret-0123456789abcdef"
META_VERIFY_TOKEN = "test-meta-verify-token-0123456789abcdef"
X_CONSUMER_SECRET = "test-x-consumer-secret-0123456789abcdef"
ADMIN_EMAILS = "admins@socialdesk.test"
"""The stack's NOTIFIER_ADMIN_EMAILS: where account health alerts go."""
STACK_SECRETS = {
    "SOCIALDESK_INGEST_KEY": INGEST_KEY,
    "SOCIALDESK_ADMIN_TOKEN": ADMIN_TOKEN,
    "SOCIALDESK_JWT_SECRET": JWT_SECRET,
    "NOTIFIER_LINK_SECRET": LINK_SECRET,
    "INGESTOR_META_APP_SECRET": META_APP_SECRET,
    "INGESTOR_META_VERIFY_TOKEN": META_VERIFY_TOKEN,
    "INGESTOR_X_CONSUMER_SECRET": X_CONSUMER_SECRET,
    "SOCIALDESK_ENV": "test",
}
"""What every stack a test starts needs in its environment."""

T = TypeVar("T")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def interaction(
    *,
    thread: str,
    text: str,
    channel: str = "facebook",
    kind: str = "comment",
    account: str = "acme-page",
    author_id: str = "fb-user-1",
    author_name: str = "Maria Souza",
    bio: str = "",
    external_id: str | None = None,
    minutes: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    occurred = datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return {
        "channel": channel,
        "account": account,
        "external_id": external_id or unique("ext"),
        "thread_id": thread,
        "kind": kind,
        "author": {"id": author_id, "name": author_name, "bio": bio},
        "text": text,
        "occurred_at": occurred.isoformat(),
        **extra,
    }


def wait_until(
    check: Callable[[], T | None],
    *,
    timeout: float = 20.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def tickets(gateway: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    response = gateway.get("/v1/tickets", params={"page_size": 200, **filters})
    response.raise_for_status()
    return response.json()["items"]  # type: ignore[no-any-return]


def tickets_of_thread(gateway: httpx.Client, thread: str) -> list[dict[str, Any]]:
    return [t for t in tickets(gateway) if t["thread_key"].endswith(f":thread:{thread}")]


def post(ingestor: httpx.Client, payload: Any) -> dict[str, Any]:
    response = ingestor.post("/v1/interactions", json=payload)
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def mails_to(mail_dir: Path, address: str) -> list[Message]:
    if not mail_dir.exists():
        return []
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if address in (message.get("To") or ""):
            found.append(message)
    return found


def create_rule(gateway: httpx.Client, rule: dict[str, Any]) -> dict[str, Any]:
    response = gateway.post("/v1/rules", json=rule)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def invalid(response: httpx.Response) -> dict[tuple[str | int, ...], str]:
    """A 422's refused values, where each is -> why, checking the documented shape
    (FastAPI's HTTPValidationError, docs/api.md "Errors") on the way."""
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert isinstance(errors, list) and errors, errors
    for error in errors:
        assert {"loc", "msg", "type"} <= error.keys(), error
        assert error["loc"][0] in {"body", "query", "path"}, error
    return {tuple(e["loc"]): e["msg"] for e in errors}


def reasons(response: httpx.Response) -> str:
    """Every reason a 422 gives, as one text to look for words in."""
    return " ".join(invalid(response).values())
