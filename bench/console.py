"""The console benchmark: does a console page cost no more than 1.5 times the JSON API call
for the same data, under 20 concurrent signed-in clients?

Run from the workspace root: ``.venv/bin/python bench/console.py [--tickets 60]
[--clients 20] [--seconds 10] [--profile DIR]`` (or ``make bench-console``; ``PROFILE=dir`` adds
py-spy flame graphs).

One run starts its own stack (``devtools.launcher.Stack``, fresh secrets, its own RabbitMQ
vhost), opens ``--tickets`` tickets in one level through the ingestor and a routing rule,
invites an agent of that level, sets their password from the mailed link and signs them in.
Then, each for ``--seconds`` after a warm-up, with ``--clients`` closed-loop clients
(bench/_httpload.py, in a process of its own):

* inbox page ``GET /`` (the first 50 tickets, as the session's agent) against the API's
  ``GET /v1/tickets?page_size=50`` (the agent's bearer token);
* ticket page ``GET /tickets/{protocol}`` against the API's ``GET /v1/tickets/{id}``.

The clients share the one session (and the one token): what is measured is the page's work,
not sign-in. PASS when each page's p50 is at most 1.5 times its API call's p50 (and its
requests per second at least 1 / 1.5 of the API's). Figures go to bench/results/.

Beside them, each side's CPU milliseconds per request in the gateway and ticketing (from
/proc, warm-up included): the machine is shared, and when other work takes the cores the
latencies and their ratio move from run to run, while the CPU a request costs does not.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `devtools` and `bench` importable
    sys.path.insert(0, str(ROOT))

from bench import _profile as profiling  # noqa: E402
from bench._cpu import CpuMeter  # noqa: E402
from bench._httpload import LoadResult, hammer  # noqa: E402
from devtools import secretfile  # noqa: E402
from devtools.launcher import Stack  # noqa: E402
from devtools.vhost import isolated_vhost  # noqa: E402
from tests.support import mails_to  # noqa: E402

TARGET = 1.5
PORT_OFFSET = int(os.environ.get("SOCIALDESK_TEST_PORT_OFFSET", "21000"))
SECRETS = secretfile.generate()
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def wait_for(check: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what}")


def seed(stack: Stack, tickets: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A level with ``tickets`` tickets and an agent in it."""
    admin = httpx.Client(
        base_url=stack.url("gateway"),
        headers={"Authorization": f"Bearer {SECRETS['SOCIALDESK_ADMIN_TOKEN']}"},
        timeout=30,
    )
    ingestor = httpx.Client(
        base_url=stack.url("ingestor"),
        headers={"X-Api-Key": SECRETS["SOCIALDESK_INGEST_KEY"]},
        timeout=30,
    )
    marker = uuid.uuid4().hex[:8]
    level = f"bench-{marker}"
    assert admin.post("/v1/levels", json={"name": level}).status_code == 201
    rule = {
        "name": f"route-{marker}",
        "when": {"text_any": [f"kw{marker}"]},
        "then": {"open_ticket": {"level": level}},
    }
    assert admin.post("/v1/rules", json=rule).status_code == 201
    agent = {"id": f"ana-{marker}", "name": "Ana Lima", "email": f"ana-{marker}@example.com"}
    created = admin.post("/v1/agents", json={**agent, "levels": [level], "language": "en"})
    assert created.status_code == 201, created.text
    for n in range(tickets):
        payload = {
            "channel": "facebook",
            "account": "acme-page",
            "external_id": f"ext-{marker}-{n}",
            "thread_id": f"thread-{marker}-{n}",
            "kind": "comment",
            "author": {"id": f"fb-{marker}-{n % 7}", "name": "Maria Souza"},
            "text": f"Meu pedido {n} não chegou kw{marker}",
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        assert ingestor.post("/v1/interactions", json=payload).status_code == 202

    def opened() -> list[dict[str, Any]] | None:
        page = admin.get("/v1/tickets", params={"level": level, "page_size": 200}).json()
        return page["items"] if len(page["items"]) >= tickets else None

    found = wait_for(opened, f"{tickets} tickets", timeout=120)
    return {**agent, "level": level, "admin": admin}, found


def signed_in(stack: Stack, agent: dict[str, Any]) -> tuple[str, str]:
    """The agent's console cookies as their browser sends them (the session, after choosing a
    password from the mailed invitation, and the CSRF cookie the pages set) and an API token
    of theirs."""
    admin: httpx.Client = agent["admin"]
    assert admin.post(f"/v1/agents/{agent['id']}/invitations").status_code == 202

    def link() -> str | None:
        for message in mails_to(stack.mail_dir, agent["email"]):
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode()
                    match = re.search(r"/password\?token=([\w-]+)", text)
                    if match:
                        return match.group(1)
        return None

    token = wait_for(link, "the invitation mail")
    with httpx.Client(base_url=stack.url("gateway"), timeout=30) as browser:

        def csrf(path: str) -> str:
            match = CSRF.search(browser.get(path).text)
            assert match, path
            return match.group(1)

        chosen = browser.post(
            "/password", data={"csrf": csrf("/sign-in"), "token": token, "password": PASSWORD}
        )
        assert chosen.status_code == 303, chosen.text
        signed = browser.post(
            "/sign-in",
            data={"csrf": csrf("/sign-in"), "email": agent["email"], "password": PASSWORD},
        )
        assert signed.status_code == 303, signed.text
        cookie = "; ".join(f"{name}={browser.cookies[name]}" for name in BROWSER_COOKIES)
    issued = admin.post(f"/v1/agents/{agent['id']}/tokens")
    return cookie, issued.json()["token"]


BROWSER_COOKIES = ("sd_session", "sd_csrf")
"""What a signed-in browser sends back with every page: without the CSRF cookie each page
would mint and set a new one, which no browser makes it do."""

SERVED_BY = ("gateway", "ticketing")
"""The processes a page or an API call of this benchmark runs in."""


def measured(
    stack: Stack, url: str, headers: dict[str, str], profile: Path | None = None, **load: Any
) -> tuple[LoadResult, dict[str, float]]:
    """The load's figures and the CPU milliseconds per request each serving process spent
    (and, with ``profile``, py-spy's samples of those processes meanwhile)."""
    pids = {p.name: p.popen.pid for p in stack.processes if p.name in SERVED_BY}
    meter = CpuMeter(pids)
    with profiling.recording(pids, profile):
        result = hammer(url, headers=headers, **load)
    spent, _ = meter.read()
    done = max(result.requests_with_warmup, 1)
    return result, {name: round(1000 * cpu / done, 2) for name, cpu in spent.items()}


def compare(
    name: str,
    page: tuple[LoadResult, dict[str, float]],
    api: tuple[LoadResult, dict[str, float]],
) -> dict[str, Any]:
    (page_load, page_cpu), (api_load, api_cpu) = page, api
    ratio_p50 = page_load.p50_ms / api_load.p50_ms if api_load.p50_ms else float("inf")
    ratio_rate = api_load.req_per_s / page_load.req_per_s if page_load.req_per_s else float("inf")
    page_ms, api_ms = sum(page_cpu.values()), sum(api_cpu.values())
    return {
        "name": name,
        "page": {**asdict(page_load), "cpu_ms_per_request": page_cpu},
        "api": {**asdict(api_load), "cpu_ms_per_request": api_cpu},
        "p50_ratio": round(ratio_p50, 2),
        "throughput_ratio": round(ratio_rate, 2),
        "cpu_ratio": round(page_ms / api_ms, 2) if api_ms else None,
        "pass": ratio_p50 <= TARGET and ratio_rate <= TARGET,
    }


def line(measure: tuple[LoadResult, dict[str, float]]) -> str:
    result, cpu = measure
    per_process = " + ".join(f"{name} {ms:.1f}" for name, ms in cpu.items())
    return (
        f"{result.req_per_s:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
        f"  errors {result.errors}  CPU ms/req {per_process}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="directory for py-spy profiles of the gateway and ticketing during each phase "
        "(<page|api>-<name>/<process>.svg and .txt); py-spy takes CPU of its own, so the "
        "figures of a profiled run are not the ones to compare",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="socialdesk-bench-console-"))
    results: list[dict[str, Any]] = []
    with isolated_vhost("socialdesk-bench-console") as url:
        stack = Stack(
            data_dir=work / "data",
            env={**SECRETS, "RABBITMQ_URL": url, "SOCIALDESK_LOG_LEVEL": "WARNING"},
            port_offset=PORT_OFFSET,
            log_dir=work / "logs",
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            agent, opened = seed(stack, args.tickets)
            cookie, token = signed_in(stack, agent)
            base = stack.url("gateway")
            session = {"Cookie": cookie}
            bearer = {"Authorization": f"Bearer {token}"}
            ticket = opened[0]
            pairs = [
                ("inbox", f"{base}/", f"{base}/v1/tickets?page_size=50"),
                (
                    "ticket",
                    f"{base}/tickets/{ticket['protocol']}",
                    f"{base}/v1/tickets/{ticket['id']}",
                ),
            ]
            load = {"clients": args.clients, "seconds": args.seconds, "warmup": args.warmup}
            for name, page_url, api_url in pairs:
                profile = args.profile
                page = measured(
                    stack, page_url, session, profile and profile / f"page-{name}", **load
                )
                api = measured(stack, api_url, bearer, profile and profile / f"api-{name}", **load)
                results.append(compare(name, page, api))
                print(f"{name:7} page {line(page)}\n{'':7} API  {line(api)}", flush=True)
        finally:
            stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'':7} page/API p50   API/page req/s   (target ≤ {TARGET})   page/API CPU")
    for r in results:
        verdict = "PASS" if r["pass"] else "MISS"
        print(
            f"{r['name']:7} {r['p50_ratio']:11.2f}   {r['throughput_ratio']:14.2f}   {verdict:16}"
            f"   {r['cpu_ratio']}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"console-{stamp}.json"
    path.write_text(
        json.dumps({"arguments": vars(args), "results": results}, indent=2, default=str)
    )
    print(f"saved {path.relative_to(ROOT)}")
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
