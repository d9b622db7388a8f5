"""Writes the Grafana dashboard dashboards/socialdesk.json from the panel list below.

The JSON is what Grafana provisions (provisioning/dashboards/socialdesk.yaml); this script is
its source, because a panel here is four lines and in Grafana's JSON model forty. After a
change: ``uv run --frozen python deploy/monitoring/grafana/dashboard.py``; ``make
validate-deploy`` fails while the committed JSON differs from what this writes, and checks
every query with promtool when it is installed."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).parent / "dashboards" / "socialdesk.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# The consuming purposes' queues are <service>.<purpose>; dead-letter queues add ".dlq" and
# the shared retry queues are socialdesk.retry.<n>s (contracts/topology.py).
CONSUMER_QUEUES = r'vhost=~"$vhost", queue=~"(rules|ticketing|notifier)\\.[a-z_]+"'
DEAD_LETTER_QUEUES = r'vhost=~"$vhost", queue=~".+\\.dlq"'
RETRY_QUEUES = r'vhost=~"$vhost", queue=~"socialdesk\\.retry\\..+"'
SERVICES = 'service=~"gateway|ingestor|rules|ticketing|notifier"'


@dataclass
class Panel:
    title: str
    description: str
    targets: list[tuple[str, str]]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 8
    extra: dict[str, Any] = field(default_factory=dict)


def rate(by: str, metric: str) -> str:
    return f"sum by ({by}) (rate({metric}[$__rate_interval]))"


def p95(by: str, histogram: str) -> str:
    return f"histogram_quantile(0.95, {rate(by + ', le', histogram + '_bucket')})"


ROWS: list[tuple[str, list[Panel]]] = [
    (
        "Services",
        [
            Panel(
                "Up",
                "1 while Prometheus can scrape the instance's /metrics.",
                [(f"up{{{SERVICES}}}", "{{service}} {{instance}}")],
                kind="stat",
                width=12,
            ),
            Panel(
                "SLA warnings due and not sent",
                "Gauge the SLA issue (#12) is to add to ticketing; empty until then.",
                [("sum(socialdesk_sla_warnings_pending)", "pending")],
                kind="stat",
                width=12,
            ),
        ],
    ),
    (
        "Pipeline (per event)",
        [
            Panel(
                "Events handled",
                "Events each consumer handled successfully, per queue.",
                [(rate("queue", "socialdesk_events_handled_total"), "{{queue}}")],
                unit="ops",
            ),
            Panel(
                "Events retried and dead-lettered",
                "Failed events sent to a retry queue, and those given up on (dead-lettered).",
                [
                    (rate("queue", "socialdesk_events_retried_total"), "retried {{queue}}"),
                    (rate("queue", "socialdesk_events_dead_lettered_total"), "dead {{queue}}"),
                ],
                unit="ops",
            ),
            Panel(
                "Handler latency p95",
                "95th percentile of one event's handling time, per queue.",
                [(p95("queue", "socialdesk_event_handler_seconds"), "{{queue}}")],
                unit="s",
            ),
            Panel(
                "Events published",
                "Events RabbitMQ confirmed, per routing key.",
                [(rate("routing_key", "socialdesk_events_published_total"), "{{routing_key}}")],
                unit="ops",
            ),
            Panel(
                "Outbox backlog",
                "Events stored but not yet published, per instance.",
                [("max by (service, instance) (socialdesk_outbox_backlog)", "{{instance}}")],
            ),
            Panel(
                "Outbox oldest event age",
                "How long the oldest unpublished event has waited; alert above 60 s.",
                [
                    (
                        "max by (service, instance) (socialdesk_outbox_oldest_age_seconds)",
                        "{{instance}}",
                    )
                ],
                unit="s",
            ),
            Panel(
                "AMQP messages handled (FastStream)",
                "Messages (a batch is one) each subscriber processed, by status.",
                [
                    (
                        rate(
                            "app_name, handler, status",
                            "faststream_received_processed_messages_total",
                        ),
                        "{{app_name}} {{handler}} {{status}}",
                    )
                ],
                unit="ops",
                width=24,
            ),
        ],
    ),
    (
        "Queues (RabbitMQ)",
        [
            Panel(
                "Ready messages",
                "Messages waiting for a consumer; KEDA scales rules, ticketing and notifier "
                "on this.",
                [
                    (
                        f"sum by (queue) (rabbitmq_queue_messages_ready{{{CONSUMER_QUEUES}}})",
                        "{{queue}}",
                    )
                ],
            ),
            Panel(
                "Unacknowledged messages",
                "Messages delivered and being handled (at most SOCIALDESK_PREFETCH per replica).",
                [
                    (
                        f"sum by (queue) (rabbitmq_queue_messages_unacked{{{CONSUMER_QUEUES}}})",
                        "{{queue}}",
                    )
                ],
            ),
            Panel(
                "Consumers",
                "Consumers per queue: one per replica (0 = the service is not consuming).",
                [(f"sum by (queue) (rabbitmq_queue_consumers{{{CONSUMER_QUEUES}}})", "{{queue}}")],
            ),
            Panel(
                "Dead letters",
                "Messages in each dead-letter queue; anything above 0 needs an operator.",
                [
                    (
                        f"sum by (queue) (rabbitmq_queue_messages{{{DEAD_LETTER_QUEUES}}})",
                        "{{queue}}",
                    )
                ],
                kind="bargauge",
                width=12,
                extra={"thresholds": [(None, "green"), (1, "red")]},
            ),
            Panel(
                "Waiting for a retry",
                "Failed messages in the back-off queues (1 s, 5 s, 30 s).",
                [(f"sum by (queue) (rabbitmq_queue_messages{{{RETRY_QUEUES}}})", "{{queue}}")],
                width=12,
            ),
        ],
    ),
    (
        "Requests (RPC and HTTP)",
        [
            Panel(
                "RPC latency p95",
                "Request/reply calls as the caller saw them, per queue and method.",
                [(p95("queue, method", "socialdesk_rpc_client_seconds"), "{{queue}} {{method}}")],
                unit="s",
                width=12,
            ),
            Panel(
                "RPC calls by outcome",
                "ok, error (the service refused or failed) or timeout.",
                [
                    (
                        rate("queue, outcome", "socialdesk_rpc_client_seconds_count"),
                        "{{queue}} {{outcome}}",
                    )
                ],
                unit="reqps",
                width=12,
            ),
            Panel(
                "RPC answer time p95 (services)",
                "Time ticketing, rules and the notifier took to answer, per method.",
                [
                    (
                        p95("service, method", "socialdesk_rpc_server_seconds"),
                        "{{service}} {{method}}",
                    )
                ],
                unit="s",
                width=12,
            ),
            Panel(
                "RPC timeouts",
                "Calls nobody answered in time (the gateway answered 504).",
                [(rate("queue, method", "socialdesk_rpc_timeouts_total"), "{{queue}} {{method}}")],
                unit="reqps",
                width=12,
            ),
            Panel(
                "HTTP requests by status",
                "Gateway and ingestor requests per route template and status.",
                [
                    (
                        rate("service, handler, status", "http_requests_total"),
                        "{{service}} {{handler}} {{status}}",
                    )
                ],
                unit="reqps",
                width=12,
            ),
            Panel(
                "HTTP latency p95",
                "95th percentile per route template (a live stream: to its first byte).",
                [
                    (
                        p95("service, handler", "http_request_duration_seconds"),
                        "{{service}} {{handler}}",
                    )
                ],
                unit="s",
                width=12,
            ),
        ],
    ),
    (
        "Mail",
        [
            Panel(
                "Mails sent and failed",
                "Mails the SMTP server accepted, and those it did not take, by reason "
                "(refused: for good; error: retried).",
                [
                    ("sum(rate(socialdesk_mails_sent_total[$__rate_interval]))", "sent"),
                    (rate("reason", "socialdesk_mails_failed_total"), "failed {{reason}}"),
                ],
                unit="ops",
                width=24,
            ),
        ],
    ),
]


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    steps = panel.extra.get("thresholds", [(None, "green")])
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(panel.targets)
        ],
        "fieldConfig": {
            "defaults": {
                "unit": panel.unit,
                "thresholds": {
                    "mode": "absolute",
                    "steps": [{"value": value, "color": color} for value, color in steps],
                },
            },
            "overrides": [],
        },
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
    }


def dashboard() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y = 0
    for title, row in ROWS:
        panels.append(
            {
                "id": len(panels) + 1,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        y += 1
        x = 0
        for panel in row:
            if x + panel.width > 24:
                x, y = 0, y + 8
            panels.append(_panel(panel, len(panels) + 1, x, y))
            x += panel.width
        y += 8
    vhost_query = "label_values(rabbitmq_queue_messages, vhost)"
    return {
        "uid": "socialdesk",
        "title": "Socialdesk",
        "description": "Pipeline, queues, requests and mail of the Socialdesk services "
        "(deploy/monitoring/grafana/dashboard.py).",
        "tags": ["socialdesk"],
        "timezone": "browser",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-3h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                },
                {
                    "name": "vhost",
                    "label": "RabbitMQ vhost",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": {"query": vhost_query, "refId": "vhost"},
                    "definition": vhost_query,
                    "includeAll": True,
                    "allValue": ".*",
                    "multi": False,
                    "refresh": 2,
                    "current": {},
                    "hide": 0,
                },
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if OUTPUT.read_text() != render():
            sys.exit(f"{OUTPUT} is out of date: run python {Path(__file__).as_posix()}")
    else:
        OUTPUT.write_text(render())
