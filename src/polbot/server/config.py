"""The server's configuration: a YAML file of defaults, overridden by the environment.

Sources, later ones win:

1. the model's defaults;
2. the file (``config/polbot.yaml``, ``POLBOT_CONFIG`` or ``--config``);
3. the platforms' own environment names for non-secret settings
   (``TELEGRAM_API_BASE_URL``, ``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID``,
   ``POLBOT_TEAMS_ANONYMOUS``, ...);
4. ``POLBOT_<KEY>`` for every key, ``__`` between nested keys (``POLBOT_PORT``,
   ``POLBOT_CHANNELS__TELEGRAM__ENABLED``).

Only those names are read. Kubernetes puts service links into every pod of a namespace,
``POLBOT_SERVICE_HOST``, ``POLBOT_PORT_8080_TCP_ADDR`` and ``POLBOT_PORT=tcp://10.0.0.1:8080``
for a Service named ``polbot``: they are ignored (the last, which has the name of the port
setting, with one info line). Any other ``POLBOT_`` name that is not a setting is one warning
line and changes nothing: a platform may set names of its own, and a crash loop over one
helps nobody. A bad *value* of a setting is still an error.

Secrets come from their own environment variables only (:data:`SECRETS`); a secret in the
file or in a ``POLBOT_`` variable is an error, so nobody commits a token by accident.
Every problem is a :class:`polbot.errors.ConfigError` that names its source and field. Each
channel declares its own section (``polbot.channels.<name>.settings``); this module puts
them together and reads them.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from polbot.channels.teams.settings import TeamsSettings
from polbot.channels.telegram.settings import TelegramSettings
from polbot.channels.web.settings import WebSettings
from polbot.errors import ConfigError
from polbot.knowledge.yamlsource import Source, read_source
from polbot.paths import default_config_file, default_knowledge_dir
from polbot.review.settings import ReviewSettings
from polbot.runtime.settings import PublicUrl, Section
from polbot.vocabulary import (
    CONFIG_ENV,
    ENV_PREFIX,
    TEAMS_ANONYMOUS_ENV,
    TEAMS_APP_ID_ENV,
    TEAMS_SECRET_ENV,
    TEAMS_TENANT_ID_ENV,
    TELEGRAM_API_ENV,
    TELEGRAM_SECRET_ENV,
    TELEGRAM_TOKEN_ENV,
)

__all__ = [
    "ALIASES",
    "SECRETS",
    "ChannelSettings",
    "KnowledgeSettings",
    "MetricsSettings",
    "Settings",
    "TeamsSettings",
    "TelegramSettings",
    "WebSettings",
    "load_settings",
]

SECRETS: dict[tuple[str, ...], str] = {
    ("channels", "telegram", "bot_token"): TELEGRAM_TOKEN_ENV,
    ("channels", "telegram", "webhook_secret"): TELEGRAM_SECRET_ENV,
    ("channels", "teams", "client_secret"): TEAMS_SECRET_ENV,
}
"""Secret setting -> the only environment variable it is read from."""

ALIASES: dict[str, tuple[str, ...]] = {
    TELEGRAM_API_ENV: ("channels", "telegram", "api_base_url"),
    TEAMS_APP_ID_ENV: ("channels", "teams", "app_id"),
    TEAMS_TENANT_ID_ENV: ("channels", "teams", "tenant_id"),
    TEAMS_ANONYMOUS_ENV: ("channels", "teams", "anonymous"),
}
"""Environment names the platforms' SDKs and docs use -> the setting they fill."""

NOT_SETTINGS = frozenset({CONFIG_ENV, *ALIASES})
"""``POLBOT_`` variables that are not ``POLBOT_<KEY>`` overrides."""

# Kubernetes' service links of a Service named polbot or polbot-<anything>
# (https://kubernetes.io/docs/concepts/services-networking/service/#environment-variables):
# <NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT[_<PORT NAME>], <NAME>_PORT_<N>_<PROTO>[_PROTO|_PORT
# |_ADDR], and <NAME>_PORT=<proto>://<address>:<port>, the one whose name can be a setting's.
_SERVICE_LINK_NAME = re.compile(
    rf"^{ENV_PREFIX}(?:[A-Z0-9_]+_)?"
    r"(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?"
    r"|PORT_\d+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?)$"
)
_SERVICE_LINK_PORT = re.compile(rf"^{ENV_PREFIX}(?:[A-Z0-9_]+_)?PORT$")
_SERVICE_LINK_VALUE = re.compile(r"^(?:tcp|udp|sctp)://\S+:\d+$")

log = logging.getLogger("polbot.server.config")

# The password of a URL's user ("postgresql://polbot:secret@db/polbot").
_URL_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")


class KnowledgeSettings(Section):
    """``knowledge.watch``: reload the knowledge base when a file of its folder changes."""

    watch: bool = True


class ChannelSettings(Section):
    web: WebSettings = WebSettings()
    telegram: TelegramSettings = TelegramSettings()
    teams: TeamsSettings = TeamsSettings()


class MetricsSettings(Section):
    port: int | None = Field(default=None, ge=0, le=65535)
    """A port of its own for ``/metrics``, on ``host`` too (0: any free one); ``/metrics`` is
    then no longer served on ``port``. ``None``: on ``port`` with everything else."""


class Settings(Section):
    """The validated, effective configuration of one server process."""

    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=0, le=65535)
    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    knowledge: KnowledgeSettings = KnowledgeSettings()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = False
    public_url: PublicUrl | None = None
    """Where users and platforms reach this server, without a trailing ``/``."""
    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    body_timeout: float = Field(default=30.0, gt=0, le=300)
    """Seconds a request's body may take to arrive; a slower one gets 408."""
    keepalive_timeout: float = Field(default=75.0, gt=0, le=3600)
    """Seconds a connection may go without a complete request line and headers."""
    max_connections: int = Field(default=1000, ge=1, le=100_000)
    """Open connections at most; lowered at start to fit the process's open-file limit."""
    shutdown_drain: float = Field(default=2.0, ge=0, le=300)
    """Seconds between ``/readyz`` turning 503 on SIGTERM and the listener closing."""
    shutdown_timeout: float = Field(default=10.0, ge=0, le=300)
    channels: ChannelSettings = ChannelSettings()
    metrics: MetricsSettings = MetricsSettings()
    review: ReviewSettings = ReviewSettings()

    @model_validator(mode="after")
    def _channels_inherit_public_url(self) -> Settings:
        # Each channel's mount() gets only its own section; the webhook needs the address.
        telegram = self.channels.telegram
        if telegram.public_url is not None or self.public_url is None:
            return self
        telegram = telegram.model_copy(update={"public_url": self.public_url})
        channels = self.channels.model_copy(update={"telegram": telegram})
        return self.model_copy(update={"channels": channels})

    def masked(self) -> dict[str, Any]:
        """The configuration as plain data with every secret that is set shown as ``****``."""
        data = self.model_dump(mode="json")
        for path in SECRETS:
            section = data
            for key in path[:-1]:
                section = section[key]
            if section[path[-1]] is not None:
                section[path[-1]] = "****"
        url = data["review"]["database_url"]
        if url:
            data["review"]["database_url"] = _URL_PASSWORD.sub(r"\1****@", url)
        return data


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the file at ``path`` (default: :func:`default_config_file`) and the environment.

    A missing file is an error only when it was asked for explicitly (``path`` or
    ``POLBOT_CONFIG``); otherwise the defaults apply.
    """
    environ = os.environ if environ is None else environ
    explicit = path is not None or bool(environ.get(CONFIG_ENV))
    path = path or (Path(environ[CONFIG_ENV]) if explicit else default_config_file())
    data, sources = _read_file(path, required=explicit)
    for name, value in environ.items():
        if name in ALIASES:
            _put(data, sources, ALIASES[name], value, f"environment variable {name}")
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in NOT_SETTINGS:
            keys = _setting_of(name, value)
            if keys is not None:
                _put(data, sources, keys, value, f"environment variable {name}")
    for keys, source in sources.items():
        if keys in SECRETS:
            raise ConfigError(
                f"{source}: {'.'.join(keys)} is a secret: set it in the environment "
                f"variable {SECRETS[keys]} only"
            )
    for keys, name in SECRETS.items():
        if environ.get(name):
            _put(data, sources, keys, environ[name], f"environment variable {name}")
    _resolve_knowledge_dir(data, sources, path)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources, path)) from exc
    if settings.metrics.port and settings.metrics.port == settings.port:
        source = sources.get(("metrics", "port"), str(path))
        raise ConfigError(f"{source}: metrics.port: must differ from port ({settings.port})")
    # The review database defaults to review.db beside the file (relative paths too).
    return settings.model_copy(update={"review": settings.review.resolved(path.parent)})


def _setting_of(name: str, value: str) -> tuple[str, ...] | None:
    """The keys of the setting the ``POLBOT_`` variable ``name`` sets, or ``None`` (logged)
    for a service link or a name that is no setting."""
    if _SERVICE_LINK_PORT.match(name) and _SERVICE_LINK_VALUE.match(value):
        if name == f"{ENV_PREFIX}PORT":  # the port setting's name: say why it has no effect
            log.info(
                "environment variable ignored",
                extra={"variable": name, "reason": "a Kubernetes service link, not a port"},
            )
        return None
    keys = tuple(name[len(ENV_PREFIX) :].lower().split("__"))
    if _is_setting(keys):
        return keys
    if not _SERVICE_LINK_NAME.match(name):
        log.warning(
            "environment variable ignored", extra={"variable": name, "reason": "no such setting"}
        )
    return None


def _is_setting(keys: tuple[str, ...]) -> bool:
    """Whether ``keys`` name a setting (a section, or a value in one) of :class:`Settings`."""
    model: type[BaseModel] = Settings
    for depth, key in enumerate(keys):
        field = model.model_fields.get(key)
        if field is None:
            return False
        annotation = field.annotation
        if depth + 1 < len(keys):
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def _read_file(path: Path, *, required: bool) -> tuple[dict[str, Any], dict[tuple, str]]:
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: configuration file not found")
        return {}, {}
    # The knowledge base's reader: lines for every setting, duplicate keys and text that is
    # not UTF-8 are errors, aliases cannot expand without end.
    source, problems = read_source(path, str(path))
    if problems:
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        raise ConfigError(f"{problems[0]}{suffix}")
    assert source is not None  # read_source gives a source or problems
    if source.data is None:
        return {}, {}
    if not isinstance(source.data, dict):
        raise ConfigError(f"{path}: the file must hold a mapping of settings")
    sources: dict[tuple, str] = {}
    _note_sources(source, source.data, (), sources)
    return source.data, sources


def _note_sources(source: Source, data: Any, prefix: tuple, sources: dict[tuple, str]) -> None:
    """Each setting of the file -> ``file:line``, for the errors that name it."""
    if isinstance(data, dict):
        for key, value in data.items():
            _note_sources(source, value, (*prefix, str(key)), sources)
    if prefix:
        sources[prefix] = f"{source.file}:{source.line(prefix)}"


def _put(data: dict, sources: dict[tuple, str], keys: tuple[str, ...], value: str, source: str):
    if value == "":
        return  # an empty variable is unset, as `VAR= polbot serve` means in a shell
    section = data
    for i, key in enumerate(keys[:-1]):
        child = section.get(key)
        if not isinstance(child, dict):
            child = section[key] = {}
            sources[keys[: i + 1]] = source
        section = child
    section[keys[-1]] = value
    sources[keys] = source


def _resolve_knowledge_dir(data: dict, sources: dict[tuple, str], path: Path) -> None:
    # Relative to the file when it came from the file; from the environment it is relative
    # to the working directory, as a shell user means it.
    value = data.get("knowledge_dir")
    from_file = sources.get(("knowledge_dir",), "").startswith(f"{path}:")
    if from_file and isinstance(value, str) and not Path(value).is_absolute():
        data["knowledge_dir"] = str((path.parent / value).resolve())


def _describe(exc: ValidationError, sources: dict[tuple, str], path: Path) -> str:
    error = exc.errors()[0]
    keys = tuple(str(part) for part in error["loc"])
    source = next(
        (sources[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in sources), str(path)
    )
    field = ".".join(keys) or "(top level)"
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
    return f"{source}: {field}: {message}{suffix}"
