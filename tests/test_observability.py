"""What an operator sees of a real run, across the service processes: the Prometheus series
every service serves after an interaction flowed, one trace per interaction from the ingestor
to the notifier exported over OTLP (to a collector this test runs), and JSON log lines that
carry that trace's id."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

from devtools.launcher import Stack
from devtools.vhost import isolated_vhost
from tests.conftest import TEST_PORT_OFFSET
from tests.support import (
    ADMIN_TOKEN,
    INGEST_KEY,
    STACK_SECRETS,
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)

SERVICES = ("gateway", "ingestor", "rules", "ticketing", "notifier")


# Prometheus


def scrape(stack: Stack, service: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of every replica of ``service``, summed over the replicas."""
    replicas = {"ticketing": 2, "notifier": 2}.get(service, 1)
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for replica in range(replicas):
        response = httpx.get(f"{stack.url(service, replica)}/metrics", timeout=10)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        for family in text_string_to_metric_families(response.text):
            for s in family.samples:
                key = (s.name, frozenset(s.labels.items()))
                samples[key] = samples.get(key, 0.0) + s.value
    return samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def test_every_service_serves_the_series_of_an_interaction_that_flowed(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    recipient = f"{unique('metrics')}@example.com"
    marker = unique("metrics")
    create_rule(
        gateway,
        {
            "name": marker,
            "when": {"text_any": [marker]},
            "then": {"open_ticket": {"priority": "high"}, "alert_emails": [recipient]},
        },
    )
    before = {service: scrape(stack, service) for service in SERVICES}
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"{marker}: my order never came"))
    wait_until(lambda: mails_to(stack.mail_dir, recipient), what="the alert mail")
    wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    after = {service: scrape(stack, service) for service in SERVICES}

    def grew(service: str, name: str, **labels: str) -> float:
        return value(after[service], name, **labels) - value(before[service], name, **labels)

    # HTTP by route template and exact status, on both HTTP services.
    assert grew("ingestor", "http_requests_total", handler="/v1/interactions", status="202") == 1
    assert grew("gateway", "http_requests_total", handler="/v1/tickets", status="200") >= 1
    # Every hop of the interaction: published, handled per queue, timed.
    assert (
        grew("ingestor", "socialdesk_events_published_total", routing_key="interaction.received.v1")
        == 1
    )
    assert grew("rules", "socialdesk_events_handled_total", queue="rules.interactions") == 1
    assert grew("rules", "socialdesk_event_handler_seconds_count", queue="rules.interactions") == 1
    assert (
        grew("rules", "socialdesk_events_published_total", routing_key="interaction.triaged.v1")
        == 1
    )
    assert grew("ticketing", "socialdesk_events_handled_total", queue="ticketing.interactions") == 1
    assert (
        grew("ticketing", "socialdesk_events_published_total", routing_key="ticket.opened.v1") == 1
    )
    assert grew("notifier", "socialdesk_events_handled_total", queue="notifier.notifications") == 1
    assert grew("notifier", "socialdesk_mails_sent_total") == 1
    # FastStream's per-message series, labelled with the service.
    assert grew("rules", "faststream_received_processed_messages_total", app_name="rules") >= 1
    # The gateway's reads went to ticketing over request/reply, timed on both sides.
    assert (
        grew("gateway", "socialdesk_rpc_client_seconds_count", queue="ticketing.rpc", outcome="ok")
        >= 1
    )
    assert grew("ticketing", "socialdesk_rpc_server_seconds_count", status="200") >= 1
    # Nothing failed, and the outboxes are sampled (and empty once everything is published).
    for service in ("rules", "ticketing", "notifier"):
        assert grew(service, "socialdesk_events_dead_lettered_total") == 0
    for service in ("ingestor", "ticketing", "notifier"):
        wait_until(
            lambda s=service: value(scrape(stack, s), "socialdesk_outbox_backlog") == 0,  # type: ignore[misc]
            what=f"{service}'s outbox backlog sampled as empty",
        )
        assert ("socialdesk_outbox_oldest_age_seconds", frozenset()) in after[service]


# OpenTelemetry


@dataclass(frozen=True)
class ExportedSpan:
    service: str
    name: str
    trace_id: str


class OtlpSink(ThreadingHTTPServer):
    """A collector's OTLP/HTTP trace endpoint, keeping what the services export."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OtlpHandler)
        self.spans: list[ExportedSpan] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def of_trace(self, trace_id: str) -> list[ExportedSpan]:
        with self.lock:
            return [s for s in self.spans if s.trace_id == trace_id]


class _OtlpHandler(BaseHTTPRequestHandler):
    server: OtlpSink

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ExportedSpan(attributes["service.name"], span.name, span.trace_id.hex())
                    )
        with self.server.lock:
            self.server.spans.extend(received)
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the spans, not the requests."""


@pytest.fixture(scope="module")
def otlp() -> Iterator[OtlpSink]:
    sink = OtlpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()


@pytest.fixture(scope="module")
def traced(otlp: OtlpSink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The five services with tracing on and JSON logs, on a vhost and ports of their own (the
    session's stack runs as operators run it by default: tracing off)."""
    data_dir = tmp_path_factory.mktemp("traced")
    with isolated_vhost() as rabbitmq_url:
        stack = Stack(
            data_dir=data_dir,
            env={
                "RABBITMQ_URL": rabbitmq_url,
                **STACK_SECRETS,
                "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "200",  # milliseconds: spans reach the test quickly
                "SOCIALDESK_LOG_FORMAT": "json",
            },
            port_offset=TEST_PORT_OFFSET + 300,
            log_dir=Path(os.environ.get("SOCIALDESK_TEST_LOGS", data_dir / "logs")) / "traced",
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            yield stack
        finally:
            stack.stop()


def traceparent() -> tuple[str, str]:
    """A caller's W3C trace context (as a connector or a browser's tracing would send)."""
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


HOPS = ("rules.interactions", "ticketing.interactions", "notifier.notifications")


def test_one_interaction_is_one_trace_from_the_ingestor_to_the_notifier(
    traced: Stack, otlp: OtlpSink
) -> None:
    good, refused = f"{unique('legal')}@example.com", f"refused-{unique('x')}@example.com"
    marker = unique("traced")
    with (
        httpx.Client(base_url=traced.url("gateway"), timeout=30) as gateway,
        httpx.Client(base_url=traced.url("ingestor"), timeout=30) as ingestor,
    ):
        gateway.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        ingestor.headers["X-Api-Key"] = INGEST_KEY
        create_rule(
            gateway,
            {
                "name": marker,
                "when": {"text_any": [marker]},
                "then": {"open_ticket": {"priority": "high"}, "alert_emails": [good, refused]},
            },
        )
        trace_id, header = traceparent()
        response = ingestor.post(
            "/v1/interactions",
            json=interaction(thread=unique("post"), text=f"{marker}: Vou reclamar na Anatel"),
            headers={"traceparent": header},
        )
        assert response.status_code == 202, response.text
        wait_until(lambda: mails_to(traced.mail_dir, good), what="the alert mail")

        hops = {f"{hop} handle" for hop in HOPS}

        def services_in_trace() -> set[str] | None:
            # Each service exports its spans in batches, so a service can appear in the trace
            # before every span of it has arrived (rules also handle the person.changed
            # event of this interaction's author): wait for every hop's span.
            spans = otlp.of_trace(trace_id)
            services, names = {s.service for s in spans}, {s.name for s in spans}
            every = {"ingestor", "rules", "ticketing", "notifier"} <= services and hops <= names
            return services if every else None

        wait_until(services_in_trace, what="spans of every hop in the interaction's trace")
        names = {s.name for s in otlp.of_trace(trace_id)}
        for hop in HOPS:
            assert f"{hop} handle" in names

        # The read an agent makes is one trace too: gateway -> ticketing over request/reply.
        read_trace, header = traceparent()
        assert gateway.get("/v1/tickets", headers={"traceparent": header}).status_code == 200
        wait_until(
            lambda: {"gateway", "ticketing"} <= {s.service for s in otlp.of_trace(read_trace)},
            what="the gateway's and ticketing's spans of one read",
        )

    # Every line every service wrote is JSON (uvicorn's and FastStream's included) ...
    assert traced.log_dir is not None
    for service in SERVICES:
        text = (traced.log_dir / f"{service}.log").read_text()
        assert all(json.loads(line)["service"] == service for line in text.splitlines())
    # ... and the notifier's warning about the refused address is in that same trace.
    log = traced.log_dir / "notifier.log"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    [warning] = [line for line in lines if refused in line["message"]]
    assert warning["service"] == "notifier"
    assert warning["trace_id"] == trace_id
    assert warning["correlation_id"]
    assert warning["level"] == "WARNING"
