"""Cross-service test harness: the real services as separate processes on the real RabbitMQ
(an isolated vhost per run), with an SMTP sink whose mails the tests read."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from faststream.rabbit import RabbitBroker

from devtools.launcher import ROOT, Stack
from devtools.vhost import isolated_vhost
from servicekit.service import new_broker
from tests.bus import TRANSPORT_NAMES, transport_broker
from tests.support import ADMIN_EMAILS, ADMIN_TOKEN, INGEST_KEY, STACK_SECRETS

TEST_PORT_OFFSET = int(os.environ.get("SOCIALDESK_TEST_PORT_OFFSET", "10000"))
"""Tests listen on 18000+, so they run beside a `make run` on the usual ports; set
SOCIALDESK_TEST_PORT_OFFSET to run two checkouts' tests side by side (e.g. 12000, 14000)."""

FAKENETS_PORT = 8090
"""The fake networks' port before the offset (devtools.fakenets)."""

EPHEMERAL_PORTS_START = 32768
"""Linux hands out ports from here on to outgoing connections, so a service listening there
can find its port taken by some client's socket at random."""

if not 0 <= TEST_PORT_OFFSET <= EPHEMERAL_PORTS_START - 8000 - 400:
    raise pytest.UsageError(
        f"SOCIALDESK_TEST_PORT_OFFSET={TEST_PORT_OFFSET} puts the services' ports (8000-8400 + "
        f"offset) outside 0-{EPHEMERAL_PORTS_START - 1}, where they fail to bind or collide "
        "with outgoing connections; choose an offset up to 24,000"
    )


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    subprocess.run(["bash", str(ROOT / "devtools" / "rabbitmq.sh")], check=True)
    with isolated_vhost() as url:
        yield url


@pytest.fixture
async def bare_broker(rabbitmq_url: str) -> AsyncIterator[RabbitBroker]:
    """A bare servicekit broker for tests that consume nothing through ``tests.bus`` (or
    only on FastStream's subscriber): they run once, not once per transport, and so do not
    find in the session's vhost what the other transport's run left in a queue."""
    broker = new_broker(rabbitmq_url, prefetch=10)
    yield broker
    await broker.stop()


@pytest.fixture(params=TRANSPORT_NAMES)
async def broker(rabbitmq_url: str, request: pytest.FixtureRequest) -> AsyncIterator[RabbitBroker]:
    """A bare servicekit broker, for tests of consuming and publishing without the services;
    ``tests.bus.start_consumer`` consumes on a ``servicekit.event_consumer`` (what the
    services run) or on FastStream's subscriber (the handler tests' path)."""
    async with transport_broker(rabbitmq_url, request.param) as broker:
        yield broker


@pytest.fixture(scope="session")
def stack(
    rabbitmq_url: str, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("socialdesk")
    env = {
        "RABBITMQ_URL": rabbitmq_url,
        **STACK_SECRETS,
        "SOCIALDESK_LOG_LEVEL": "INFO",
        # Digest windows of 3 s (a unit only tests can use), looked for twice a second.
        "RULES_DIGEST_TEST_WINDOW_SECONDS": "3",
        "RULES_DIGEST_CHECK_SECONDS": "0.5",
        "TICKETING_AUTO_CLOSE_EVERY_SECONDS": "1",  # idle tickets close within a test's wait
        "INGESTOR_IMAP_POLL_SECONDS": "0.5",  # mailboxes read within a test's wait
        # SLA clocks: read twice a second, on a clock the tests move (tests/sla_clock.py).
        "TICKETING_SLA_SCAN_EVERY_SECONDS": "0.5",
        "TICKETING_CLOCK_OFFSET_FILE": str(data_dir / "clock-offset"),
        # The rules service reads the same file: an interaction is received (and a rule's
        # business hours judged) at the time ticketing dates it by.
        "RULES_CLOCK_OFFSET_FILE": str(data_dir / "clock-offset"),
        # Raised from 60: every test reaches opinion links from this one address, the 20
        # parallel answers of test_opinions among them. The other limits stay at their
        # defaults; tests/test_security.py trips them from an address of its own.
        "GATEWAY_OPINION_REQUESTS_PER_MINUTE": "1000",
        # The stack's ingestor polls no network (its accounts' networks are fakes that only
        # some modules start); tests/test_pollers.py starts replicas that do.
        "INGESTOR_POLLING": "false",
        # Replies go to the fake Graph API the Meta tests start (tests/test_replies.py), and
        # back off for fractions of a second so a 429 without Retry-After costs no wait.
        "INGESTOR_META_GRAPH_URL": f"http://127.0.0.1:{FAKENETS_PORT + TEST_PORT_OFFSET}/v21.0",
        # X, YouTube and Google replies go to the same fake (tests/test_replies_networks.py);
        # polling is off, so these URLs are only ever used for replies here.
        "INGESTOR_X_API_URL": f"http://127.0.0.1:{FAKENETS_PORT + TEST_PORT_OFFSET}",
        "INGESTOR_YOUTUBE_BASE_URL": f"http://127.0.0.1:{FAKENETS_PORT + TEST_PORT_OFFSET}",
        "INGESTOR_GOOGLE_BASE_URL": f"http://127.0.0.1:{FAKENETS_PORT + TEST_PORT_OFFSET}",
        "INGESTOR_REPLY_BACKOFF_SECONDS": "0.2",
        # Who hears of accounts that fail and recover (tests/test_pollers.py).
        "NOTIFIER_ADMIN_EMAILS": ADMIN_EMAILS,
    }
    stack = Stack(
        data_dir=data_dir,
        env=env,
        replicas={"ticketing": 2, "notifier": 2},
        port_offset=TEST_PORT_OFFSET,
        log_dir=Path(os.environ.get("SOCIALDESK_TEST_LOGS", data_dir / "logs")),
    )
    stack.start()
    try:
        stack.wait_healthy(timeout=120)
        backend = httpx.get(f"{stack.url('ticketing')}/healthz").json()["store"]
        capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print(
                f"\n[socialdesk] services are up; store backend: {backend}; RabbitMQ vhost: "
                f"{rabbitmq_url.rsplit('/', 1)[-1]}; logs: {stack.log_dir}"
            )
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=stack.url("gateway"),
        timeout=30,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as client:
        yield client


@pytest.fixture
def ingestor(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=stack.url("ingestor"), timeout=30, headers={"X-Api-Key": INGEST_KEY}
    ) as client:
        yield client
