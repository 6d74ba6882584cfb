"""The deployment files under deploy/: valid for their platform, and held to the code.

Kubernetes manifests are validated with kubernetes-validate against a pinned Kubernetes
version (and the kustomize builds of the base and of the overlay, when a kubectl with
kustomize is on the machine); the compose file against the Compose Specification's JSON
schema (a copy in tests/data, from github.com/compose-spec/compose-spec). Each file is then
held to what the code has: the port the server listens on, the probe paths it answers, the
user id of the Dockerfile, the settings and secrets that exist, and the review overlay's
database settings are tried against a real PostgreSQL.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from sqlalchemy import make_url

from polbot.paths import PROJECT_ROOT
from polbot.server.config import SECRETS, load_settings
from server_support import POLBOT, clean_environ

if TYPE_CHECKING:
    from postgres_support import PostgresServer

DEPLOY = PROJECT_ROOT / "deploy"
BASE = DEPLOY / "kubernetes" / "base"
REVIEW_OVERLAY = DEPLOY / "kubernetes" / "overlays" / "review-postgresql"
KUBERNETES = "1.33.0"
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
CONFIG_FILE = PROJECT_ROOT / "config" / "polbot.yaml"
CONFIG = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
SECRET_NAMES = set(SECRETS.values())
# Names that are neither settings nor secrets but that the image or Python itself reads.
PROCESS_NAMES = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
# What libpq (under psycopg, for a postgresql:// review.database_url) reads itself.
LIBPQ_NAMES = {"PGPASSWORD"}


def kustomization_files(folder: Path) -> Iterator[Path]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text("utf-8"))
    for resource in kustomization.get("resources", []):
        path = (folder / resource).resolve()
        if path.is_dir():
            yield from kustomization_files(path)
        else:
            yield path


def manifests() -> list[dict[str, Any]]:
    """Every resource of the base, as its files hold it."""
    documents = []
    for path in kustomization_files(BASE):
        documents += [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]
    return documents


def kind(documents: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (found,) = [d for d in documents if d["kind"] == name]
    return found


def dockerfile_user() -> int:
    users = re.findall(r"^USER\s+(\d+)", DOCKERFILE, flags=re.MULTILINE)
    return int(users[-1])


def assert_setting_exists(name: str) -> None:
    """``name`` is a secret, or a ``POLBOT_`` setting that the configuration accepts."""
    if name in SECRET_NAMES | PROCESS_NAMES | LIBPQ_NAMES or name == "POLBOT_CONFIG":
        return
    assert name.startswith("POLBOT_"), f"{name}: not a polbot setting"
    keys = name[len("POLBOT_") :].lower().split("__")
    settings = load_settings(environ={}).model_dump()
    for key in keys:
        assert isinstance(settings, dict) and key in settings, f"{name}: no setting {key!r}"
        settings = settings[key]


# --- Kubernetes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        *kustomization_files(BASE),
        BASE / "secret.example.yaml",
        REVIEW_OVERLAY / "secret.example.yaml",
    ],
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_each_manifest_is_valid_for_the_pinned_kubernetes(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text("utf-8")):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def kustomize_build(folder: Path) -> list[dict[str, Any]]:
    """What ``kubectl kustomize`` makes of ``folder``, as the README tells to run it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl on this machine: the files were validated one by one")
    built = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [d for d in yaml.safe_load_all(built) if d]


def container_environment(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The container's environment in a kustomize build: its ``env`` entries (a value, or
    the ``valueFrom`` mapping) after the data of the ConfigMaps it loads with ``envFrom``."""
    container = kind(documents, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    maps = {d["metadata"]["name"]: d.get("data", {}) for d in documents if d["kind"] == "ConfigMap"}
    environment: dict[str, Any] = {}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            environment.update(maps[ref["configMapRef"]["name"]])
    for entry in container.get("env", []):
        environment[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return environment


@pytest.mark.parametrize("folder", [BASE, REVIEW_OVERLAY], ids=lambda folder: folder.name)
def test_the_kustomize_build_is_valid(folder: Path) -> None:
    documents = kustomize_build(folder)
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    knowledge = next(d for d in documents if d["metadata"]["name"] == "polbot-knowledge")
    assert set(knowledge["data"]) == {p.name for p in (PROJECT_ROOT / "knowledge").glob("*.yaml")}
    for name in container_environment(documents):
        assert_setting_exists(name)


def test_the_knowledge_config_map_holds_every_file_of_the_knowledge_base() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text("utf-8"))
    (generator,) = [
        g for g in kustomization["configMapGenerator"] if g["name"] == "polbot-knowledge"
    ]
    files = {(BASE / f).resolve() for f in generator["files"]}
    assert files == {p.resolve() for p in (PROJECT_ROOT / "knowledge").glob("*.yaml")}
    # A stable name: the kubelet updates the mounted files in place, polbot reloads them.
    assert generator["options"]["disableNameSuffixHash"] is True


def test_the_deployment_is_held_to_the_code() -> None:
    documents = manifests()
    deployment = kind(documents, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert deployment["spec"]["replicas"] == 2
    assert pod["enableServiceLinks"] is False
    # The command of the image.
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, flags=re.MULTILINE)[1])
    assert container.get("command", cmd) == cmd
    # The port the server listens on, and the paths it answers.
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == CONFIG["port"]
    assert re.search(rf"^EXPOSE {ports['http']}$", DOCKERFILE, flags=re.MULTILINE)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ports
    # The Dockerfile's user; nothing to gain, nothing to write.
    assert pod["securityContext"]["runAsUser"] == dockerfile_user()
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    # SIGTERM comes after the pause, and the grace period covers pause, drain and timeout.
    pause = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pause[0] == "sleep"
    budget = int(pause[1]) + CONFIG["shutdown_drain"] + CONFIG["shutdown_timeout"]
    assert pod["terminationGracePeriodSeconds"] > budget
    # The knowledge base from the ConfigMap, where polbot reads it.
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["knowledge"]["configMap"]["name"] == "polbot-knowledge"
    assert env["POLBOT_KNOWLEDGE_DIR"] == mounts["knowledge"]
    # Secrets from a Secret, optional so that the web chat alone runs without one.
    refs = [ref for ref in container["envFrom"] if "secretRef" in ref]
    assert refs and refs[0]["secretRef"]["optional"] is True


def test_every_environment_name_in_the_manifests_exists() -> None:
    documents = manifests()
    container = kind(documents, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    names = [e["name"] for e in container.get("env", [])]
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text("utf-8"))
    for generator in kustomization["configMapGenerator"]:
        names += [literal.split("=", 1)[0] for literal in generator.get("literals", [])]
    secret = yaml.safe_load((BASE / "secret.example.yaml").read_text("utf-8"))
    assert set(secret["stringData"]) <= SECRET_NAMES
    assert names
    for name in names:
        assert_setting_exists(name)


def test_service_probes_policy_and_scaling_point_at_the_deployment() -> None:
    documents = manifests()
    deployment = kind(documents, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    port_names = {p["name"] for p in container["ports"]}
    service = kind(documents, "Service")
    assert service["metadata"]["name"] == "polbot"
    assert service["spec"]["selector"].items() <= labels.items()
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    for name in ("PodDisruptionBudget", "NetworkPolicy"):
        document = kind(documents, name)
        selector = document["spec"].get("selector") or document["spec"]["podSelector"]
        assert selector["matchLabels"].items() <= labels.items(), name
    policy = kind(documents, "NetworkPolicy")
    assert {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]} <= port_names
    autoscaler = kind(documents, "HorizontalPodAutoscaler")
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert autoscaler["spec"]["minReplicas"] >= 2
    ingress = kind(documents, "Ingress")
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    for backend in backends:
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in service_ports


def test_metrics_have_a_port_of_their_own_that_the_ingress_never_reaches() -> None:
    documents = manifests()
    template = kind(documents, "Deployment")["spec"]["template"]
    container = template["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text("utf-8"))
    literals = dict(
        literal.split("=", 1)
        for generator in kustomization["configMapGenerator"]
        for literal in generator.get("literals", [])
    )
    # The port polbot serves /metrics on, read as polbot reads it, is the container's.
    settings = load_settings(environ={"POLBOT_METRICS__PORT": literals["POLBOT_METRICS__PORT"]})
    assert settings.metrics.port == ports["metrics"] != ports["http"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == str(ports["metrics"])
    assert template["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    service = kind(documents, "Service")
    by_target = {p["targetPort"]: p["name"] for p in service["spec"]["ports"]}
    assert "metrics" in by_target
    # Let in from somewhere, but never by the rule of the ingress controller.
    policy = kind(documents, "NetworkPolicy")
    rules = {p["port"]: rule["from"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert rules["metrics"] != rules["http"]
    ingress = kind(documents, "Ingress")
    backend_ports = {
        path["backend"]["service"]["port"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert by_target["metrics"] not in backend_ports


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def test_the_review_overlay_is_held_to_the_code() -> None:
    documents = kustomize_build(REVIEW_OVERLAY)
    environment = container_environment(documents)
    settings = load_settings(environ={k: v for k, v in environment.items() if isinstance(v, str)})
    assert settings.review.enabled is True
    url = make_url(settings.review.database_url or "")
    # postgresql:// (polbot.review.store drives it with psycopg 3), no password in it.
    assert url.drivername == "postgresql"
    assert url.password is None
    # The password for libpq, from the Secret of the example.
    secret = yaml.safe_load((REVIEW_OVERLAY / "secret.example.yaml").read_text("utf-8"))
    reference = environment["PGPASSWORD"]["secretKeyRef"]
    assert reference["name"] == secret["metadata"]["name"]
    assert reference["key"] in secret["stringData"]
    assert reference.get("optional", False) is False
    # Out to PostgreSQL's port, besides everything the base lets out.
    policy = kind(documents, "NetworkPolicy")
    egress = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert {url.port or 5432, 53, 443} <= egress
    base = kustomize_build(BASE)
    base_policy = kind(base, "NetworkPolicy")
    assert all(rule in policy["spec"]["egress"] for rule in base_policy["spec"]["egress"])
    # The de-identifier's lookup lists need memory of their own.
    resources, base_resources = (
        kind(built, "Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]
        for built in (documents, base)
    )
    assert mebibytes(resources["requests"]["memory"]) > mebibytes(
        base_resources["requests"]["memory"]
    )


@pytest.mark.slow  # a real PostgreSQL and a polbot serve
def test_the_review_overlays_settings_reach_a_real_postgresql(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """The overlay's settings as the pod gets them, pointed at the test's server: the
    password comes from PGPASSWORD only, and polbot creates its tables with it."""
    overlay = yaml.safe_load((REVIEW_OVERLAY / "kustomization.yaml").read_text("utf-8"))
    (generator,) = overlay["configMapGenerator"]
    environment = dict(literal.split("=", 1) for literal in generator["literals"])
    url = make_url(environment["POLBOT_REVIEW__DATABASE_URL"])
    password = "pg-pass-Zq8v"
    postgres.add_role(url.username or "", password, url.database or "")
    environment["POLBOT_REVIEW__DATABASE_URL"] = url.set(
        host=postgres.host, port=postgres.port
    ).render_as_string()

    def polbot_review(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(POLBOT), "review", "--format", "json"],
            env=clean_environ(**environment, **extra),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )

    refused = polbot_review()
    assert refused.returncode == 2
    assert refused.stderr.startswith("polbot review: review database postgresql://")
    assert "Traceback" not in refused.stderr
    served = polbot_review(PGPASSWORD=password)
    assert served.returncode == 0, served.stderr
    assert password not in served.stdout + served.stderr
    import psycopg

    conninfo = f"postgresql://{url.username}@{postgres.host}:{postgres.port}/{url.database}"
    with psycopg.connect(conninfo, password=password) as connection:
        owner = connection.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'review_events'"
        ).fetchone()
    assert owner == (url.username,)


# --- compose -----------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((PROJECT_ROOT / "tests" / "data" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(compose())


def test_the_compose_file_is_held_to_the_code() -> None:
    polbot = compose()["services"]["polbot"]
    assert polbot["user"] == f"{dockerfile_user()}:{dockerfile_user()}"
    assert polbot["read_only"] is True
    assert polbot["build"]["context"] == ".."
    assert set(polbot["build"]["args"]) <= set(re.findall(r"^ARG (\w+)", DOCKERFILE, re.M))
    published = [p.rsplit(":", 1)[1] for p in polbot["ports"]]
    assert published == [str(CONFIG["port"])]
    assert "/healthz" in " ".join(polbot["healthcheck"]["test"])
    assert f":{CONFIG['port']}/" in " ".join(polbot["healthcheck"]["test"])
    mounts = dict(v.split(":")[:2][::-1] for v in polbot["volumes"])
    assert mounts[polbot["environment"]["POLBOT_KNOWLEDGE_DIR"]] == "../knowledge"
    assert (DEPLOY / "../knowledge").resolve() == (PROJECT_ROOT / "knowledge")
    for name in polbot["environment"]:
        assert_setting_exists(name)
    # /metrics apart, on a port neither published nor behind the proxy.
    metrics_port = load_settings(environ=polbot["environment"]).metrics.port
    assert metrics_port is not None and metrics_port != CONFIG["port"]
    assert not any(p.endswith(f":{metrics_port}") for p in polbot["ports"])
    proxy = compose()["services"]["proxy"]
    caddyfile = (DEPLOY / "Caddyfile").read_text("utf-8")
    assert f"reverse_proxy polbot:{CONFIG['port']}" in caddyfile
    assert f"polbot:{metrics_port}" not in caddyfile
    assert any(v.startswith("./Caddyfile:") for v in proxy["volumes"])


def test_the_environment_example_names_only_what_exists() -> None:
    for line in (DEPLOY / "polbot.env.example").read_text("utf-8").splitlines():
        found = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line)
        if found:
            assert_setting_exists(found[1])


# --- systemd -----------------------------------------------------------------------------


def unit() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / "polbot.service").read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key, []).append(value)
    return entries


def test_the_systemd_unit_is_held_to_the_code() -> None:
    entries = unit()
    assert entries["ExecStart"] == ["/opt/polbot/bin/polbot serve"]
    assert entries["KillSignal"] == ["SIGTERM"]
    stop = int(entries["TimeoutStopSec"][0])
    assert stop > CONFIG["shutdown_drain"] + CONFIG["shutdown_timeout"]
    assert entries["NoNewPrivileges"] == ["true"]
    assert entries["ProtectSystem"] == ["strict"]
    for assignment in entries["Environment"]:
        assert_setting_exists(assignment.split("=", 1)[0])
    # Under ProtectSystem=strict only the StateDirectory is writable: the review database
    # must be there, not beside the configuration file (the default).
    environment = dict(assignment.split("=", 1) for assignment in entries["Environment"])
    settings = load_settings(environ=environment | {"POLBOT_CONFIG": str(CONFIG_FILE)})
    database = Path(settings.review.database_url.removeprefix("sqlite:///"))
    assert database.parent == Path("/var/lib") / entries["StateDirectory"][0]


def test_systemd_accepts_the_unit(tmp_path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze on this machine")
    polbot = Path(shutil.which("polbot") or PROJECT_ROOT / ".venv" / "bin" / "polbot")
    text = (DEPLOY / "systemd" / "polbot.service").read_text("utf-8")
    copy = tmp_path / "polbot.service"
    copy.write_text(text.replace("/opt/polbot/bin/polbot", str(polbot)), "utf-8")
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, check=False
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "polbot.service" in line and "User=" not in line
    ]
    assert result.returncode == 0 or not problems, result.stdout + result.stderr
    assert not problems
