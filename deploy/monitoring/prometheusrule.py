"""Writes deploy/k8s/monitoring/prometheusrule.yaml: alerts.yaml wrapped as the Prometheus
Operator's PrometheusRule (its `spec` has the rule file's shape), so the rules exist once.

After changing alerts.yaml: ``uv run --frozen python deploy/monitoring/prometheusrule.py``;
``make validate-deploy`` fails while the committed file differs from what this writes."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).parent
OUTPUT = HERE.parent / "k8s" / "monitoring" / "prometheusrule.yaml"
HEADER = (
    "# GENERATED from deploy/monitoring/alerts.yaml by deploy/monitoring/prometheusrule.py:"
    " edit those, not this.\n"
)


def render() -> str:
    rules = yaml.safe_load((HERE / "alerts.yaml").read_text())
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "socialdesk", "labels": {"app.kubernetes.io/name": "socialdesk"}},
        "spec": {"groups": rules["groups"]},
    }
    return HEADER + yaml.safe_dump(resource, sort_keys=False, width=100, allow_unicode=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if OUTPUT.read_text() != render():
            sys.exit(f"{OUTPUT} is out of date: run python {Path(__file__).as_posix()}")
    else:
        OUTPUT.write_text(render())
