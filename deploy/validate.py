"""`make validate-deploy`: checks everything in deploy/ without Docker or a cluster, offline.

- compose.yaml against the Compose Specification's JSON Schema (check-jsonschema's vendored
  copy), every file it mounts exists, and no credential is written in it (nor as a default);
- every Kubernetes manifest: built-in kinds against the Kubernetes OpenAPI schemas that
  kubernetes-validate ships (strict: an unknown field is an error), the operators' and KEDA's
  custom resources (and the Prometheus Operator's, in k8s/monitoring/) against their CRDs'
  schemas vendored in deploy/schemas/; then what no schema
  sees: the kustomization lists every manifest, secrets only come from Secrets (never a literal
  value), every Secret key referenced is in secret.example.yaml, every ScaledObject scales an
  existing Deployment on a queue that contracts/topology.py declares;
- the Prometheus alert rules and the Grafana dashboard: structure always; with promtool
  installed (Debian: apt-get install prometheus) also `promtool check config`, `check rules`,
  the alert cases of alerts.test.yaml (`promtool test rules`) and every dashboard query; and,
  once servicekit.metrics exists, that every socialdesk_* series they read is exported.

Exit status 1 with one line per problem."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

DEPLOY = Path(__file__).resolve().parent
K8S = DEPLOY / "k8s"
MONITORING = DEPLOY / "monitoring"
SCHEMAS = DEPLOY / "schemas"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "socialdesk.json"

KUBERNETES_VERSION = "1.30.0"
"""The oldest Kubernetes the manifests promise to work on (deploy/README.md)."""

NOT_APPLIED = {"kustomization.yaml", "secret.example.yaml"}
"""Files in k8s/ that are not resources of the base: the kustomization itself, and the Secret
template the operator fills in by hand (validated all the same)."""

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|_PASS$|_KEY$|RABBITMQ_URL|MONGODB_URL")
"""Settings that carry credentials (URLs hold the broker's and database's passwords)."""


def literal_secret(name: str, value: str) -> bool:
    """In compose.yaml, whether a credential is written in the file (or as a default) instead of
    coming from deploy/.env as a required variable (``${NAME:?why}``)."""
    if ":-" in value or "-}" in value:
        return SECRET_NAME.search(name) is not None
    if name.endswith("_URL"):
        credentials = re.search(r"://[^/@]*:([^/@]+)@", value)
        return credentials is not None and not credentials.group(1).startswith("${")
    if SECRET_NAME.search(name):
        return re.fullmatch(r"\$\{\w+:\?[^}]*\}", value) is None
    return False


# Custom resources -> the schema of their CRD (deploy/schemas/README.md says where from).
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh/scaledobject_v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda.sh/triggerauthentication_v1alpha1.json",
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmq.com/rabbitmqcluster_v1beta1.json",
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"): (
        "mongodbcommunity.mongodb.com/mongodbcommunity_v1.json"
    ),
    ("monitoring.coreos.com/v1", "PodMonitor"): "monitoring.coreos.com/podmonitor_v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/servicemonitor_v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com/prometheusrule_v1.json",
}


def check_compose(path: Path = DEPLOY / "compose.yaml") -> list[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            "-o",
            "text",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    problems = [] if result.returncode == 0 else [f"{path.name}: {result.stdout.strip()}"]
    compose = yaml.safe_load(path.read_text())
    for name, service in compose.get("services", {}).items():
        for setting, value in (service.get("environment") or {}).items():
            if literal_secret(setting, str(value)):
                problems.append(f"{path.name}: {name} {setting} is written in the file; use .env")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith(".") and not (path.parent / source).exists():
                problems.append(f"{path.name}: {name} mounts {source}, which does not exist")
    return problems


def manifests(directory: Path = K8S) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                yield path.name, document


def check_schema(document: dict[str, Any]) -> list[str]:
    key = (document.get("apiVersion"), document.get("kind"))
    if key in CRD_SCHEMAS:
        schema = json.loads((SCHEMAS / CRD_SCHEMAS[key]).read_text())  # type: ignore[index]
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in validator.iter_errors(document)
        ]
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path)) or '(top)'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {key[1]} {key[0]}: vendor its CRD's schema in deploy/schemas/"]
    return []


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    pod = document.get("spec", {}).get("template", {}).get("spec", {})
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def check_k8s(directory: Path = K8S) -> list[str]:
    from contracts import topology

    problems: list[str] = []
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    listed = set(kustomization.get("resources", []))
    present = {p.name for p in directory.glob("*.yaml")} - NOT_APPLIED
    problems += [f"kustomization.yaml lists {n}, which does not exist" for n in listed - present]
    problems += [f"{n} is not in kustomization.yaml's resources" for n in present - listed]
    for generator in kustomization.get("configMapGenerator", []):
        for env_file in generator.get("envs", []):
            settings = (directory / env_file).read_text().splitlines()
            for line in settings:
                name = line.split("=", 1)[0].strip()
                if name and not name.startswith("#") and SECRET_NAME.search(name):
                    problems.append(f"{env_file}: {name} is a secret; put it in a Secret")

    documents = list(manifests(directory))
    secret_keys: dict[str, set[str]] = {}
    for _, document in documents:
        if document.get("kind") == "Secret":
            keys = {*document.get("stringData", {}), *document.get("data", {})}
            secret_keys[document["metadata"]["name"]] = keys
    deployments = {d["metadata"]["name"] for _, d in documents if d.get("kind") == "Deployment"}
    auths = {d["metadata"]["name"] for _, d in documents if d["kind"] == "TriggerAuthentication"}
    queues = {q.name for q in vars(topology).values() if isinstance(q, topology.ConsumerQueue)}

    def secret_ref(where: str, name: str, key: str) -> None:
        if key not in secret_keys.get(name, set()):
            problems.append(f"{where}: secret.example.yaml has no Secret {name} with key {key}")

    for file, document in documents:
        kind, name = document.get("kind"), document.get("metadata", {}).get("name")
        where = f"{file} {kind} {name}"
        problems += [f"{where}: {problem}" for problem in check_schema(document)]
        for container in _containers(document):
            for env in container.get("env", []):
                if "value" in env and SECRET_NAME.search(env["name"]):
                    problems.append(f"{where}: {env['name']} is set inline; use a secretKeyRef")
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    secret_ref(where, ref["name"], ref["key"])
        if kind == "TriggerAuthentication":
            for ref in document["spec"].get("secretTargetRef", []):
                secret_ref(where, ref["name"], ref["key"])
        if kind == "ScaledObject":
            target = document["spec"]["scaleTargetRef"]["name"]
            if target not in deployments:
                problems.append(f"{where}: scales {target}, which is no Deployment here")
            for trigger in document["spec"]["triggers"]:
                if trigger["type"] != "rabbitmq":
                    continue
                queue = trigger["metadata"].get("queueName")
                if queue not in queues:
                    problems.append(f"{where}: queue {queue} is not in contracts/topology.py")
                auth = trigger.get("authenticationRef", {}).get("name")
                if auth not in auths:
                    problems.append(f"{where}: TriggerAuthentication {auth} does not exist")
    if deployments:
        problems += check_availability([document for _, document in documents])
    return problems


def check_availability(documents: list[dict[str, Any]]) -> list[str]:
    """What the base promises (docs/operations.md, Deploying): RabbitMQ as a cluster whose
    quorum queues keep a majority through one node's loss, MongoDB as a replica set, and every
    service that consumes a queue scaled by KEDA on its depth."""
    from contracts import topology

    def of(kind: str) -> list[dict[str, Any]]:
        return [document for document in documents if document.get("kind") == kind]

    problems: list[str] = []
    nodes = [cluster["spec"].get("replicas", 1) for cluster in of("RabbitmqCluster")]
    if not nodes or any(n < 3 or n % 2 == 0 for n in nodes):
        problems.append(f"RabbitMQ must be a cluster of an odd number >= 3 of nodes, not {nodes}")
    members = [mongo["spec"].get("members", 1) for mongo in of("MongoDBCommunity")]
    if not members or any(n < 3 for n in members):
        problems.append(f"MongoDB must be a replica set of >= 3 members, not {members}")
    scaled = {
        scaled_object["spec"]["scaleTargetRef"]["name"]
        for scaled_object in of("ScaledObject")
        if any(trigger["type"] == "rabbitmq" for trigger in scaled_object["spec"]["triggers"])
    }
    consumers = {
        queue.name.split(".")[0]
        for queue in vars(topology).values()
        if isinstance(queue, topology.ConsumerQueue)
    }
    problems += [f"{s} consumes a queue but no ScaledObject scales it" for s in consumers - scaled]
    return problems


def check_rules(path: Path = MONITORING / "alerts.yaml") -> list[str]:
    problems: list[str] = []
    groups = (yaml.safe_load(path.read_text()) or {}).get("groups") or []
    if not groups:
        problems.append(f"{path.name}: no rule groups")
    for group in groups:
        if not group.get("name") or not group.get("rules"):
            problems.append(f"{path.name}: a group without a name or rules")
        for rule in group.get("rules") or []:
            name = rule.get("alert") or rule.get("record")
            if not name or not str(rule.get("expr", "")).strip():
                problems.append(f"{path.name} {group.get('name')}: a rule without name or expr")
            if "alert" in rule:
                if rule.get("labels", {}).get("severity") not in {"warning", "critical"}:
                    problems.append(f"{path.name} {name}: severity is not warning or critical")
                if not rule.get("annotations", {}).get("summary"):
                    problems.append(f"{path.name} {name}: no summary annotation")
    return problems


def dashboard_queries(path: Path = DASHBOARD) -> list[str]:
    dashboard = json.loads(path.read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def check_generated() -> list[str]:
    """The files written from a source (the dashboard, the PrometheusRule) are up to date."""
    problems: list[str] = []
    for generator in (MONITORING / "grafana" / "dashboard.py", MONITORING / "prometheusrule.py"):
        result = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True)
        if result.returncode != 0:
            problems.append(result.stderr.decode().strip())
    return problems


def check_dashboard(path: Path = DASHBOARD) -> list[str]:
    problems: list[str] = []
    dashboard = json.loads(path.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    if len(ids) != len(set(ids)):
        problems.append(f"{path.name}: panel ids repeat")
    for panel in dashboard["panels"]:
        if panel["type"] != "row" and not panel.get("targets"):
            problems.append(f"{path.name}: panel {panel['title']!r} has no query")
    if any(not query.strip() for query in dashboard_queries(path)):
        problems.append(f"{path.name}: an empty query")
    return problems


FUTURE_METRICS: set[str] = set()
"""Series the rules read before any service exports them (none now: ticketing exports the
SLA gauge)."""


def referenced_metrics() -> set[str]:
    """The services' own series (socialdesk_*) the alert rules and the dashboard read."""
    text = (MONITORING / "alerts.yaml").read_text() + "\n".join(dashboard_queries())
    return set(re.findall(r"\bsocialdesk_[a-z_]+", text))


def exported_metrics() -> set[str] | None:
    """Every series name servicekit.metrics registers (a counter's _total, a histogram's
    _bucket/_count/_sum...), or None while no servicekit.metrics exists."""
    try:
        import servicekit.metrics  # noqa: F401  (registers the metrics)
    except ImportError:
        return None
    from prometheus_client import REGISTRY

    return set(REGISTRY._names_to_collectors)  # the only listing of unlabelled-yet metrics


def check_metric_names(exported: set[str] | None) -> list[str]:
    if exported is None:
        return []
    return [
        f"alerts.yaml or the dashboard reads {name}, which servicekit.metrics does not export"
        for name in sorted(referenced_metrics() - exported - FUTURE_METRICS)
    ]


def grafana_to_promql(query: str) -> str:
    """Grafana's variables replaced by values Prometheus would see, so promtool can parse."""
    return query.replace("$__rate_interval", "1m").replace("$vhost", ".*")


def check_with_promtool(promtool: str) -> list[str]:
    problems: list[str] = []
    for args in (
        ["check", "config", str(MONITORING / "prometheus.yml")],
        ["test", "rules", str(MONITORING / "alerts.test.yaml")],
    ):
        result = subprocess.run([promtool, *args], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"promtool {args[0]} {args[1]}: {result.stdout}{result.stderr}")
    records = [
        {"record": f"dashboard:query_{i}", "expr": grafana_to_promql(query)}
        for i, query in enumerate(dashboard_queries())
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as rules:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}, rules)
        rules.flush()
        result = subprocess.run([promtool, "check", "rules", rules.name], capture_output=True)
    if result.returncode != 0:
        problems.append(f"dashboard queries: {result.stdout.decode()}{result.stderr.decode()}")
    return problems


def main() -> int:
    problems = check_compose() + check_k8s() + check_k8s(K8S / "monitoring") + check_rules()
    problems += check_dashboard() + check_generated()
    exported = exported_metrics()
    problems += check_metric_names(exported)
    promtool = shutil.which("promtool")
    if promtool:
        problems += check_with_promtool(promtool)
    for problem in problems:
        print(problem)
    checked = "with promtool" if promtool else "without promtool (apt-get install prometheus)"
    if exported is None:
        checked += "; metric names unchecked (no servicekit.metrics yet)"
    print(f"deploy/: {len(problems)} problem(s), {checked}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
