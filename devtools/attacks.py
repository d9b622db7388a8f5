"""The attacks of issue 15, each a function of a running stack returning ``(refused, what was
seen)``: run by ``make security`` (devtools/security.py) and tests/test_security.py.

The rate-limit attacks come from an address of their own (127.0.0.2, 127.0.0.3...: all of
127/8 is this machine), so they neither depend on nor disturb what other clients did from
127.0.0.1."""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

MIB = 1024 * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_addresses = itertools.count(2)


def own_address() -> str:
    """A loopback address no other attack used, so per-address limits start from zero."""
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


@dataclass
class Target:
    gateway: str
    ingestor: str
    admin_token: str
    ingest_key: str
    opinion_limit: int = 60
    auth_failure_limit: int = 20
    stream_limit: int = 5
    made: dict[str, Any] = field(default_factory=dict)

    def client(self, token: str | None = None, address: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.HTTPTransport(local_address=address) if address else None
        return httpx.Client(base_url=self.gateway, headers=headers, timeout=30, transport=transport)

    def admin(self) -> httpx.Client:
        return self.client(self.admin_token)


Attack = Callable[[Target], tuple[bool, str]]


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _wait(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise TimeoutError(f"no {what} after {timeout} s")


def setup(target: Target) -> None:
    """Two levels with an agent each (alice in A, bob in B), a ticket in each, and an
    interaction with no ticket."""
    with (
        target.admin() as admin,
        httpx.Client(
            base_url=target.ingestor, headers={"X-Api-Key": target.ingest_key}, timeout=30
        ) as ingest,
    ):
        for name in ("A", "B"):
            level, agent, keyword = _unique(f"level{name}"), _unique(f"agent{name}"), _unique("kw")
            admin.post("/v1/levels", json={"name": level}).raise_for_status()
            person = {"id": agent, "name": agent, "email": f"{agent}@example.com"}
            admin.post("/v1/agents", json={**person, "levels": [level]}).raise_for_status()
            token = admin.post(f"/v1/agents/{agent}/tokens").json()["token"]
            rule = {"name": keyword, "when": {"text_any": [keyword]}}
            rule["then"] = {"open_ticket": {"level": level}}
            admin.post("/v1/rules", json=rule).raise_for_status()
            sent = ingest.post("/v1/interactions", json=_interaction(f"{keyword} secret {name}"))
            sent.raise_for_status()
            target.made[name] = {"level": level, "agent": agent, "token": token, "kw": keyword}
        loose = _unique("loose")
        ingest.post("/v1/interactions", json=_interaction(f"{loose} no ticket")).raise_for_status()
        target.made["loose"] = loose

        def of_level(level: str) -> dict[str, Any] | None:
            page = admin.get("/v1/tickets", params={"level": level}).json()["items"]
            return page[0] if page else None

        for name in ("A", "B"):
            level = target.made[name]["level"]
            target.made[name]["ticket"] = _wait(lambda lv=level: of_level(lv), f"ticket in {name}")

        def loose_id() -> str | None:
            found = admin.get("/v1/interactions", params={"text": loose}).json()["items"]
            return found[0]["id"] if found else None

        target.made["loose_id"] = _wait(loose_id, "the unticketed interaction")


def _interaction(text: str) -> dict[str, Any]:
    return {
        "channel": "facebook",
        "account": "acme-page",
        "external_id": _unique("ext"),
        "thread_id": _unique("thread"),
        "kind": "comment",
        "author": {"id": _unique("author"), "name": "Maria"},
        "text": text,
        "occurred_at": datetime.now(UTC).isoformat(),
    }


# --- access (issue 15 part 1) ---------------------------------------------------------------


def _texts(response: httpx.Response) -> str:
    return response.text if response.status_code == 200 else ""


def interactions_of_other_levels(t: Target) -> tuple[bool, str]:
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.get("/v1/interactions", params={"text": t.made["B"]["kw"]})
    leaked = t.made["B"]["kw"] in _texts(seen)
    return not leaked, f"{seen.status_code}, B's text {'returned' if leaked else 'not returned'}"


def unticketed_interactions(t: Target) -> tuple[bool, str]:
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.get(
            "/v1/interactions", params={"has_ticket": "false", "text": t.made["loose"]}
        )
    leaked = t.made["loose"] in _texts(seen)
    return not leaked, f"{seen.status_code}, {'returned' if leaked else 'not returned'}"


def catch_all_backtest(t: Target) -> tuple[bool, str]:
    with t.admin() as admin:
        rule_id = admin.get("/v1/rules").json()["items"][0]["id"]
    now = datetime.now(UTC)
    body = {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(minutes=1)).isoformat(),
        "rule": {"name": "all", "when": {"text_regex": ["."]}, "then": {"add_tags": ["x"]}},
    }
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.post(f"/v1/rules/{rule_id}/backtest", json=body)
    leaked = t.made["B"]["kw"] in _texts(seen)
    return not leaked, f"{seen.status_code}, B's text {'returned' if leaked else 'not returned'}"


def ticket_in_another_level(t: Target) -> tuple[bool, str]:
    body = {"interaction_id": t.made["loose_id"], "level": t.made["B"]["level"]}
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.post("/v1/tickets", json=body)
    return seen.status_code in (403, 404, 422), str(seen.status_code)


def child_in_another_level(t: Target) -> tuple[bool, str]:
    parent = t.made["A"]["ticket"]["id"]
    body = {"title": "escape", "level": t.made["B"]["level"]}
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.post(f"/v1/tickets/{parent}/children", json=body)
    return seen.status_code in (403, 422), str(seen.status_code)


def other_levels_ticket_by_id(t: Target) -> tuple[bool, str]:
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.get(f"/v1/tickets/{t.made['B']['ticket']['id']}")
    return seen.status_code == 403, str(seen.status_code)


def agents_emails(t: Target) -> tuple[bool, str]:
    with t.client(t.made["A"]["token"]) as alice:
        seen = alice.get("/v1/agents")
    leaked = f"{t.made['B']['agent']}@example.com" in _texts(seen)
    return not leaked, f"{seen.status_code}, bob's e-mail {'listed' if leaked else 'not listed'}"


def deactivated_agent(t: Target) -> tuple[bool, str]:
    agent = _unique("leaver")
    with t.admin() as admin:
        person = {"id": agent, "name": agent, "email": f"{agent}@example.com"}
        admin.post("/v1/agents", json={**person, "levels": [t.made["A"]["level"]]})
        token = admin.post(f"/v1/agents/{agent}/tokens").json()["token"]
        admin.put(f"/v1/agents/{agent}", json={**person, "active": False, "levels": []})
    with t.client(token) as leaver:
        statuses = [
            leaver.get(p).status_code for p in ("/v1/rules", "/v1/me/notification-settings")
        ]
    return all(s in (401, 403) for s in statuses), ", ".join(map(str, statuses))


# --- tokens ---------------------------------------------------------------------------------


def _claims(agent: str, **extra: Any) -> dict[str, Any]:
    return {"sub": agent, "role": "agent", "aud": "socialdesk-gateway", "exp": 2**40, **extra}


def forged_tokens(t: Target) -> tuple[bool, str]:
    agent = t.made["A"]["agent"]
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(_claims(agent)).encode())
    tokens = {
        "alg=none": f"{header}.{body.rstrip(b'=').decode()}.",
        "wrong secret": jwt.encode(_claims(agent), "x" * 40, "HS256"),
        "expired": jwt.encode(_claims(agent, exp=1), "x" * 40, "HS256"),
        "role=admin": jwt.encode(_claims(agent, role="admin"), "x" * 40, "HS256"),
    }
    seen = {}
    address = own_address()
    for name, token in tokens.items():
        with t.client(token, address) as forger:
            seen[name] = forger.get("/v1/tickets").status_code
    return all(s == 401 for s in seen.values()), ", ".join(f"{k} {v}" for k, v in seen.items())


# --- limits ---------------------------------------------------------------------------------


def _chunks(total: int, counter: list[int]) -> Iterator[bytes]:
    for _ in range(total // MIB):
        counter[0] += MIB
        yield b" " * MIB


def huge_unauthenticated_body(t: Target) -> tuple[bool, str]:
    sent = [0]
    with t.client() as anonymous:
        try:
            seen = anonymous.post("/v1/opinions/x.y", content=_chunks(200 * MIB, sent))
            status = str(seen.status_code)
            refused = seen.status_code == 413
        except httpx.HTTPError as exc:  # the server closed while we were still sending
            status, refused = f"closed ({type(exc).__name__})", True
    return refused and sent[0] < 200 * MIB, f"{status} after {sent[0] // MIB} MiB of 200"


def chunked_ingest_body(t: Target) -> tuple[bool, str]:
    sent = [0]
    with httpx.Client(
        base_url=t.ingestor, headers={"X-Api-Key": t.ingest_key}, timeout=60
    ) as ingest:
        try:
            seen = ingest.post("/v1/interactions", content=_chunks(40 * MIB, sent))
            status, refused = str(seen.status_code), seen.status_code == 413
        except httpx.HTTPError as exc:
            status, refused = f"closed ({type(exc).__name__})", True
    return refused, f"{status} after {sent[0] // MIB} MiB of 40 (chunked, no Content-Length)"


def deep_json(t: Target) -> tuple[bool, str]:
    body = b"[" * 200_000 + b"]" * 200_000
    headers = {"Content-Type": "application/json"}
    with t.admin() as admin:
        gateway = admin.post("/v1/rules", content=body, headers=headers).status_code
    with httpx.Client(base_url=t.ingestor, timeout=30) as ingest:
        ingested = ingest.post(
            "/v1/interactions", content=body, headers={**headers, "X-Api-Key": t.ingest_key}
        ).status_code
    return gateway in (400, 422) and ingested in (
        400,
        422,
    ), f"gateway {gateway}, ingestor {ingested}"


def huge_page_number(t: Target) -> tuple[bool, str]:
    with t.admin() as admin:
        seen = {
            path: admin.get(path, params={"page": "10000000000000000000"}).status_code
            for path in ("/v1/tickets", "/v1/interactions")
        }
    return all(s == 422 for s in seen.values()), ", ".join(f"{k} {v}" for k, v in seen.items())


def _until_429(send: Callable[[], httpx.Response], attempts: int) -> tuple[bool, str]:
    statuses: list[int] = []
    retry_after = None
    for _ in range(attempts):
        response = send()
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After")
            break
    refused = statuses[-1] == 429 and retry_after is not None
    return refused, f"429 after {len(statuses) - 1} tries, Retry-After {retry_after}"


def wrong_tokens(t: Target) -> tuple[bool, str]:
    with t.client("wrong-token", own_address()) as guesser:
        return _until_429(lambda: guesser.get("/v1/tickets"), t.auth_failure_limit + 5)


def wrong_ingest_keys(t: Target) -> tuple[bool, str]:
    transport = httpx.HTTPTransport(local_address=own_address())
    with httpx.Client(base_url=t.ingestor, transport=transport, timeout=30) as guesser:
        send = lambda: guesser.post("/v1/interactions", json={}, headers={"X-Api-Key": "no"})  # noqa: E731
        return _until_429(send, t.auth_failure_limit + 5)


def opinion_link_flood(t: Target) -> tuple[bool, str]:
    with t.client(address=own_address()) as anyone:
        return _until_429(lambda: anyone.get("/v1/opinions/x.y"), t.opinion_limit + 5)


def too_many_streams(t: Target) -> tuple[bool, str]:
    with t.client(t.made["A"]["token"]) as alice:
        with ExitStack() as open_streams:
            for _ in range(t.stream_limit):
                stream = open_streams.enter_context(alice.stream("GET", "/v1/events"))
                if stream.status_code != 200:
                    return False, f"stream refused early: {stream.status_code}"
            extra = alice.get("/v1/events", timeout=5)

        # Closed streams give their places back: one more opens once the gateway noticed.
        def reopens() -> bool:
            with alice.stream("GET", "/v1/events") as again:
                return again.status_code == 200

        reopened = _wait(reopens, "a stream after closing the others", timeout=20)
    seen = f"stream {t.stream_limit + 1}: {extra.status_code}; after closing: 200"
    return extra.status_code == 429 and reopened, seen


# --- attachments ----------------------------------------------------------------------------


def _share(t: Target, name: str, kind: str, content: bytes) -> httpx.Response:
    upload = {
        "filename": name,
        "content_type": kind,
        "content_base64": base64.b64encode(content).decode(),
    }
    ticket = t.made["A"]["ticket"]["id"]
    with t.admin() as admin:
        return admin.post(
            f"/v1/tickets/{ticket}/opinion-requests",
            json={"email": "perito@example.com", "attachments": [upload]},
        )


def executable_as_image(t: Target) -> tuple[bool, str]:
    seen = _share(t, "photo.png", "image/png", EXE)
    return seen.status_code == 422, f"{seen.status_code} {seen.text[:80]}"


def path_in_filename(t: Target) -> tuple[bool, str]:
    seen = _share(t, "../../report.png", "image/png", PNG)
    names = seen.json().get("attachments", []) if seen.status_code == 201 else []
    return names == ["report.png"], f"{seen.status_code}, kept as {names}"


def line_break_in_filename(t: Target) -> tuple[bool, str]:
    seen = _share(t, "re\r\nport.png", "image/png", PNG)
    return seen.status_code == 422, str(seen.status_code)


ATTACKS: list[tuple[str, str, Attack]] = [
    ("access", "agent lists B's interactions by text", interactions_of_other_levels),
    ("access", "agent lists interactions with no ticket", unticketed_interactions),
    ("access", "agent backtests a catch-all draft", catch_all_backtest),
    ("access", "agent opens a ticket in B", ticket_in_another_level),
    ("access", "agent opens a child ticket in B", child_in_another_level),
    ("access", "agent reads B's ticket by id", other_levels_ticket_by_id),
    ("access", "agent lists every agent's e-mail", agents_emails),
    ("access", "deactivated agent keeps using the API", deactivated_agent),
    ("tokens", "alg=none, wrong secret, expired, role=admin", forged_tokens),
    ("limits", "200 MiB chunked POST without credentials", huge_unauthenticated_body),
    ("limits", "40 MiB chunked POST to the ingestor", chunked_ingest_body),
    ("limits", "200,000-deep JSON array", deep_json),
    ("limits", "?page=10000000000000000000", huge_page_number),
    ("limits", "wrong bearer tokens, one address", wrong_tokens),
    ("limits", "wrong ingest keys, one address", wrong_ingest_keys),
    ("limits", "opinion link flood, one address", opinion_link_flood),
    ("limits", "live streams beyond the cap, one agent", too_many_streams),
    ("attachments", "Windows executable declared image/png", executable_as_image),
    ("attachments", "file name ../../report.png", path_in_filename),
    ("attachments", "file name with a line break", line_break_in_filename),
]
