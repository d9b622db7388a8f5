"""Console sessions without a browser (httpx): for the access tests that walk every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from devtools.launcher import Stack
from tests.support import mails_to, wait_until

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(client: httpx.Client, path: str = "/sign-in") -> str:
    """The form token of a page (its cookie is kept by the client)."""
    page = client.get(path)
    match = CSRF.search(page.text)
    assert match, f"no form token on {path}: {page.status_code}"
    return match.group(1)


def mailed_link(stack: Stack, address: str) -> str:
    def found() -> str | None:
        for message in reversed(mails_to(stack.mail_dir, address)):
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode()
                    match = re.search(r"https?://\S+/password\?token=[\w-]+", text)
                    if match:
                        return match.group(0)
        return None

    return wait_until(found, timeout=30, what=f"a password link mailed to {address}")


@contextmanager
def console_session(
    gateway: httpx.Client, stack: Stack, agent: dict[str, Any]
) -> Iterator[httpx.Client]:
    """A client signed in to the console as ``agent``: invited, password chosen, signed in."""
    invited = gateway.post(f"/v1/agents/{agent['id']}/invitations")
    assert invited.status_code == 202, invited.text
    token = mailed_link(stack, agent["email"]).rsplit("=", 1)[1]
    with httpx.Client(base_url=stack.url("gateway"), timeout=30) as client:
        yield _signed_in(client, agent, token)


def _signed_in(client: httpx.Client, agent: dict[str, Any], token: str) -> httpx.Client:
    chosen = client.post(
        "/password", data={"csrf": csrf_of(client), "token": token, "password": PASSWORD}
    )
    assert chosen.status_code == 303, chosen.text
    signed = client.post(
        "/sign-in",
        data={"csrf": csrf_of(client), "email": agent["email"], "password": PASSWORD},
    )
    assert signed.status_code == 303 and "sd_session" in client.cookies, signed.text
    return client
