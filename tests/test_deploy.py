"""The deployment files under deploy/: valid for their platform, and held to the code.

Kubernetes manifests are validated with kubernetes-validate against a pinned Kubernetes
version (and the kustomize build of the base, when a kubectl with kustomize is on the
machine); the compose file against the Compose Specification's JSON schema (a copy in
tests/data, from github.com/compose-spec/compose-spec). Each file is then held to what the
code has: the port the server listens on, the probe paths it answers, the user id of the
Dockerfile, the settings and secrets that exist.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from polbot.paths import PROJECT_ROOT
from polbot.server.config import SECRETS, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
BASE = DEPLOY / "kubernetes" / "base"
KUBERNETES = "1.33.0"
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
CONFIG = yaml.safe_load((PROJECT_ROOT / "config" / "polbot.yaml").read_text(encoding="utf-8"))
SECRET_NAMES = set(SECRETS.values())
# Names that are neither settings nor secrets but that the image or Python itself reads.
PROCESS_NAMES = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


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
    if name in SECRET_NAMES or name in PROCESS_NAMES or name == "POLBOT_CONFIG":
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
    [*kustomization_files(BASE), BASE / "secret.example.yaml"],
    ids=lambda path: path.name,
)
def test_each_manifest_is_valid_for_the_pinned_kubernetes(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text("utf-8")):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_the_kustomize_build_of_the_base_is_valid() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl on this machine: the files were validated one by one")
    built = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(BASE)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    documents = [d for d in yaml.safe_load_all(built) if d]
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)
    knowledge = next(d for d in documents if d["metadata"]["name"] == "polbot-knowledge")
    assert set(knowledge["data"]) == {p.name for p in (PROJECT_ROOT / "knowledge").glob("*.yaml")}


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
    proxy = compose()["services"]["proxy"]
    caddyfile = (DEPLOY / "Caddyfile").read_text("utf-8")
    assert f"reverse_proxy polbot:{CONFIG['port']}" in caddyfile
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
