"""The server's configuration: file defaults, environment overrides, env-only secrets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from polbot.commands import main
from polbot.paths import PROJECT_ROOT
from polbot.server.config import SECRETS, ConfigError, Settings, load_settings

BUNDLED = PROJECT_ROOT / "config" / "polbot.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "polbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_file_holds_the_documented_defaults() -> None:
    settings = load_settings(BUNDLED, environ={})
    assert settings.host == "0.0.0.0"
    assert settings.port == 8080
    assert settings.knowledge_dir == PROJECT_ROOT / "knowledge"
    assert settings.channels.web.enabled
    assert not settings.channels.telegram.enabled
    assert not settings.channels.teams.enabled
    # The file states every default the model has, so reading it teaches the whole config.
    defaults = Settings(knowledge_dir=PROJECT_ROOT / "knowledge")
    review = defaults.review.resolved(BUNDLED.parent)
    assert settings == defaults.model_copy(update={"review": review})
    # The review store is off, and would be review.db beside the file.
    assert not settings.review.enabled
    assert settings.review.database_url == f"sqlite:///{BUNDLED.parent / 'review.db'}"


def test_a_review_database_password_is_masked(tmp_path: Path) -> None:
    path = tmp_path / "polbot.yaml"
    path.write_text("review:\n  database_url: postgresql://polbot:s3cret@db/polbot\n")
    masked = load_settings(path, environ={}).masked()
    assert masked["review"]["database_url"] == "postgresql://polbot:****@db/polbot"


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("POLBOT_PORT", "9000", ("port",), 9000),
        ("POLBOT_HOST", "127.0.0.1", ("host",), "127.0.0.1"),
        ("POLBOT_LOG_LEVEL", "DEBUG", ("log_level",), "DEBUG"),
        ("POLBOT_PUBLIC_URL", "https://bot.example.nl/", ("public_url",), "https://bot.example.nl"),
        ("POLBOT_CHANNELS__TELEGRAM__ENABLED", "true", ("channels", "telegram", "enabled"), True),
        ("POLBOT_CHANNELS__WEB__ENABLED", "0", ("channels", "web", "enabled"), False),
        (
            "POLBOT_CHANNELS__TEAMS__PATH",
            "/bots/teams",
            ("channels", "teams", "path"),
            "/bots/teams",
        ),
        ("POLBOT_KNOWLEDGE_DIR", "/srv/kb", ("knowledge_dir",), Path("/srv/kb")),
        ("POLBOT_TEAMS_ANONYMOUS", "1", ("channels", "teams", "enabled"), True),
        (
            "TELEGRAM_API_BASE_URL",
            "http://127.0.0.1:9/bot{token}/",
            ("channels", "telegram", "api_base_url"),
            "http://127.0.0.1:9/bot{token}/",
        ),
        (
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
            "00000000-app",
            ("channels", "teams", "enabled"),
            True,
        ),
    ],
)
def test_environment_overrides_the_file(
    variable: str, value: str, field: tuple[str, ...], expected: object
) -> None:
    settings: object = load_settings(BUNDLED, environ={variable: value})
    for name in field:
        settings = getattr(settings, name)
    assert settings == expected


def test_an_empty_variable_counts_as_unset() -> None:
    settings = load_settings(BUNDLED, environ={"POLBOT_PORT": "", "POLBOT_TEAMS_ANONYMOUS": ""})
    assert settings.port == 8080
    assert not settings.channels.teams.enabled


def test_polbot_variable_wins_over_the_platform_name() -> None:
    settings = load_settings(
        BUNDLED,
        environ={
            "TELEGRAM_API_BASE_URL": "http://a.example/bot",
            "POLBOT_CHANNELS__TELEGRAM__API_BASE_URL": "http://b.example/bot",
        },
    )
    assert settings.channels.telegram.api_base_url == "http://b.example/bot"


def test_telegram_section_inherits_the_public_url() -> None:
    settings = load_settings(BUNDLED, environ={"POLBOT_PUBLIC_URL": "https://bot.example.nl"})
    assert settings.channels.telegram.public_url == "https://bot.example.nl"


@pytest.mark.parametrize(("path", "variable"), SECRETS.items())
def test_secrets_come_from_their_environment_variable(path: tuple[str, ...], variable: str) -> None:
    settings: object = load_settings(BUNDLED, environ={variable: "s3cr3t-value"})
    for name in path:
        settings = getattr(settings, name)
    assert settings.get_secret_value() == "s3cr3t-value"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "variable"), SECRETS.items())
def test_a_secret_in_the_file_is_an_error(
    tmp_path: Path, path: tuple[str, ...], variable: str
) -> None:
    *sections, key = path
    lines, indent = [], ""
    for section in sections:
        lines.append(f"{indent}{section}:")
        indent += "  "
    lines.append(f"{indent}{key}: oops")
    config = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config, environ={})
    assert str(error.value).startswith(f"{config}:{len(lines)}: {'.'.join(path)} is a secret")
    assert variable in str(error.value)


def test_a_secret_in_a_polbot_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        load_settings(BUNDLED, environ={"POLBOT_CHANNELS__TELEGRAM__BOT_TOKEN": "123:abc"})


@pytest.mark.parametrize(
    ("file_text", "environ", "message"),
    [
        ("port: 80800\n", {}, "polbot.yaml:1: port: Input should be less than or equal to 65535"),
        ("host: x\nprot: 8080\n", {}, "polbot.yaml:2: prot: unknown setting"),
        (
            "channels:\n  web:\n    enabeld: true\n",
            {},
            "polbot.yaml:3: channels.web.enabeld: unknown setting",
        ),
        ("log_level: LOUD\n", {}, "polbot.yaml:1: log_level: Input should be"),
        ("port: [\n", {}, "polbot.yaml:2:1: YAML syntax error"),
        ("port: 8080\nport: 9090\n", {}, "polbot.yaml:2: port: duplicate key 'port'"),
        ("- a list\n", {}, "polbot.yaml: the file must hold a mapping of settings"),
        ("", {"POLBOT_PORT": "eighty"}, "environment variable POLBOT_PORT: port: Input should be"),
        (
            "",
            {"POLBOT_PUBLIC_URL": "bot.example.nl"},
            "environment variable POLBOT_PUBLIC_URL: public_url: String should match",
        ),
    ],
)
def test_bad_settings_name_their_source_and_field(
    tmp_path: Path, file_text: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, file_text), environ=environ)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_file_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "polbot.yaml"
    config.write_bytes(b"host: caf\xe9\n")  # saved as Latin-1
    with pytest.raises(ConfigError) as error:
        load_settings(config, environ={})
    assert str(error.value) == f"{config}:1: the file is not UTF-8 text; save it as UTF-8"


def test_relative_knowledge_dir_in_the_file_is_relative_to_the_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "knowledge_dir: kb\n"), environ={})
    assert settings.knowledge_dir == tmp_path / "kb"


def test_missing_file_is_an_error_only_when_asked_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(environ={"POLBOT_CONFIG": str(tmp_path / "nope.yaml")})


def test_polbot_config_prints_effective_settings_with_secrets_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:distinctive-token-value")
    monkeypatch.setenv("POLBOT_PORT", "9123")
    assert main(["config", "--config", str(BUNDLED)]) == 0
    out = capsys.readouterr().out
    assert "port: 9123" in out
    assert "bot_token: '****'" in out
    assert "distinctive-token-value" not in out
    assert "webhook_secret: null" in out


@pytest.mark.parametrize("command", ["config", "serve"])
def test_bad_configuration_is_one_line_and_exit_2(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLBOT_PORT", "not-a-port")
    assert main([command, "--config", str(BUNDLED)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"polbot {command}: environment variable POLBOT_PORT: port:")
    assert "Traceback" not in err


@pytest.mark.parametrize("port", ["abc", "", "8080.5", "-1", "65536", "9" * 5000])
def test_a_bad_port_option_is_one_clear_line_and_exit_2(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--config", str(BUNDLED), f"--port={port}"])
    assert exit_.value.code == 2
    [*_usage, message] = capsys.readouterr().err.splitlines()
    assert message.endswith(f"argument --port: {port!r} is not a port number (0 to 65535)")
    assert "_port" not in message


SERVICE_LINKS = {
    # What Kubernetes puts into a pod for a Service named polbot (port 80 -> http) ...
    "POLBOT_PORT": "tcp://10.0.0.1:80",
    "POLBOT_SERVICE_HOST": "10.0.0.1",
    "POLBOT_SERVICE_PORT": "80",
    "POLBOT_SERVICE_PORT_HTTP": "80",
    "POLBOT_PORT_80_TCP": "tcp://10.0.0.1:80",
    "POLBOT_PORT_80_TCP_PROTO": "tcp",
    "POLBOT_PORT_80_TCP_PORT": "80",
    "POLBOT_PORT_80_TCP_ADDR": "10.0.0.1",
    # ... and for one named polbot-postgresql.
    "POLBOT_POSTGRESQL_PORT": "tcp://10.0.0.2:5432",
    "POLBOT_POSTGRESQL_SERVICE_HOST": "10.0.0.2",
    "POLBOT_POSTGRESQL_PORT_5432_TCP_ADDR": "10.0.0.2",
}


def test_kubernetes_service_links_are_ignored_with_one_info_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="polbot"):
        settings = load_settings(BUNDLED, environ=SERVICE_LINKS)
    assert settings == load_settings(BUNDLED, environ={})
    (record,) = caplog.records
    assert (record.levelname, record.getMessage()) == ("INFO", "environment variable ignored")
    assert record.variable == "POLBOT_PORT"  # type: ignore[attr-defined]


def test_the_port_setting_still_reads_a_number_beside_the_service_links() -> None:
    settings = load_settings(BUNDLED, environ={**SERVICE_LINKS, "POLBOT_PORT": "9000"})
    assert settings.port == 9000


@pytest.mark.parametrize("name", ["POLBOT_PROT", "POLBOT_CHANNELS__WEB__ENABELD", "POLBOT_X__Y"])
def test_an_unknown_polbot_name_is_one_warning_and_changes_nothing(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="polbot"):
        settings = load_settings(BUNDLED, environ={name: "1"})
    assert settings == load_settings(BUNDLED, environ={})
    (record,) = caplog.records
    assert (record.levelname, record.getMessage()) == ("WARNING", "environment variable ignored")
    assert record.variable == name  # type: ignore[attr-defined]


def test_polbot_config_names_an_ignored_variable_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLBOT_PROT", "9123")
    assert main(["config", "--config", str(BUNDLED)]) == 0
    captured = capsys.readouterr()
    (line,) = [json.loads(line) for line in captured.err.splitlines()]
    assert (line["level"], line["variable"]) == ("warning", "POLBOT_PROT")
    assert "port: 8080" in captured.out
