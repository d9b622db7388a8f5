"""`make validate-deploy` passes on what is committed, and refuses the mistakes it is there to
catch: each case breaks one thing in a copy of deploy/ and expects it named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy import validate


@pytest.fixture
def k8s(tmp_path: Path) -> Path:
    return Path(shutil.copytree(validate.K8S, tmp_path / "k8s"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_the_committed_deploy_files_pass() -> None:
    assert validate.check_compose() == []
    assert validate.check_k8s() == []
    assert validate.check_k8s(validate.K8S / "monitoring") == []
    assert validate.check_rules() == []
    assert validate.check_dashboard() == []
    assert validate.check_generated() == []


def test_an_unknown_field_in_a_deployment_is_refused(k8s: Path) -> None:
    edit(
        k8s / "ticketing.yaml",
        "  revisionHistoryLimit: 5",
        "  replica: 3\n  revisionHistoryLimit: 5",
    )

    problems = validate.check_k8s(k8s)

    assert any("ticketing.yaml Deployment ticketing" in p and "replica" in p for p in problems)


def test_a_wrong_field_in_a_keda_scaledobject_is_refused(k8s: Path) -> None:
    edit(k8s / "notifier.yaml", "minReplicaCount: 1", "minReplicaCount: one")

    problems = validate.check_k8s(k8s)

    assert any("ScaledObject notifier" in p and "minReplicaCount" in p for p in problems)


def test_a_wrong_field_in_the_rabbitmq_cluster_is_refused(k8s: Path) -> None:
    edit(k8s / "rabbitmq.yaml", "  replicas: 3", "  replicas: 3\n  nodes: 3")

    problems = validate.check_k8s(k8s)

    assert any("RabbitmqCluster rabbitmq" in p and "nodes" in p for p in problems)


def test_a_secret_set_inline_is_refused(k8s: Path) -> None:
    edit(
        k8s / "rules.yaml",
        "          env:\n",
        "          env:\n            - name: RABBITMQ_URL\n              value: amqp://u:p@rabbitmq/\n",
    )

    problems = validate.check_k8s(k8s)

    assert any("RABBITMQ_URL is set inline" in p for p in problems)


def test_scaling_on_a_queue_nobody_declares_is_refused(k8s: Path) -> None:
    edit(k8s / "ticketing.yaml", "queueName: ticketing.interactions", "queueName: ticketing.in")

    problems = validate.check_k8s(k8s)

    assert problems == [
        "ticketing.yaml ScaledObject ticketing: queue ticketing.in is not in contracts/topology.py"
    ]


def test_a_manifest_left_out_of_the_kustomization_is_named(k8s: Path) -> None:
    edit(k8s / "kustomization.yaml", "  - notifier.yaml\n", "")

    assert validate.check_k8s(k8s) == ["notifier.yaml is not in kustomization.yaml's resources"]


def test_a_typo_in_compose_is_refused(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    shutil.copy(validate.DEPLOY / "compose.yaml", compose)
    (tmp_path / "monitoring").symlink_to(validate.MONITORING)
    edit(compose, "stop_grace_period: 45s", "stop_grace_periode: 45s")

    problems = validate.check_compose(compose)

    assert len(problems) == 1 and "stop_grace_periode" in problems[0]


def test_an_alert_without_expression_or_severity_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: ''\n"
        "        annotations: {summary: s}\n"
    )

    assert validate.check_rules(rules) == [
        "alerts.yaml g: a rule without name or expr",
        "alerts.yaml A: severity is not warning or critical",
    ]


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool not installed")
def test_promtool_accepts_the_rules_their_cases_and_every_dashboard_query() -> None:
    assert validate.check_with_promtool(shutil.which("promtool") or "") == []


def test_a_podmonitor_without_its_endpoints_field_is_refused(tmp_path: Path) -> None:
    monitoring = Path(shutil.copytree(validate.K8S / "monitoring", tmp_path / "monitoring"))
    edit(monitoring / "podmonitor.yaml", "podMetricsEndpoints:", "metricsEndpoints:")

    problems = validate.check_k8s(monitoring)

    assert any("PodMonitor socialdesk" in p and "metricsEndpoints" in p for p in problems)


def test_a_rabbitmq_cluster_that_cannot_keep_a_majority_is_refused(k8s: Path) -> None:
    edit(k8s / "rabbitmq.yaml", "  replicas: 3", "  replicas: 2")

    assert validate.check_k8s(k8s) == [
        "RabbitMQ must be a cluster of an odd number >= 3 of nodes, not [2]"
    ]


def test_a_consumer_left_without_queue_depth_scaling_is_named(k8s: Path) -> None:
    edit(k8s / "notifier.yaml", "    - type: rabbitmq", "    - type: cron")

    problems = validate.check_k8s(k8s)

    assert "notifier consumes a queue but no ScaledObject scales it" in problems


def test_a_series_the_rules_read_that_no_service_exports_is_named() -> None:
    exported = validate.referenced_metrics() - {"socialdesk_outbox_oldest_age_seconds"}

    assert validate.check_metric_names(exported) == [
        "alerts.yaml or the dashboard reads socialdesk_outbox_oldest_age_seconds, "
        "which servicekit.metrics does not export"
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "${SOCIALDESK_ADMIN_TOKEN:?run make up, or deploy/make_env.py}",
            "${SOCIALDESK_ADMIN_TOKEN:-dev-admin-token}",
        ),
        ("amqp://socialdesk:${RABBITMQ_PASSWORD:?", "amqp://socialdesk:guest@x/${A:?"),
    ],
)
def test_a_credential_written_in_compose_is_refused(tmp_path: Path, old: str, new: str) -> None:
    compose = tmp_path / "compose.yaml"
    shutil.copy(validate.DEPLOY / "compose.yaml", compose)
    (tmp_path / "monitoring").symlink_to(validate.MONITORING)
    edit(compose, old, new)

    problems = validate.check_compose(compose)

    assert problems and all("is written in the file; use .env" in p for p in problems)
