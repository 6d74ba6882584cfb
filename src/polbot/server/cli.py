"""``polbot serve`` and ``polbot config``: parse, load the configuration, run.

A bad configuration or knowledge base is one line on stderr and exit status 2, never a
traceback: the operator reads it in a container log.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import yaml

from polbot.server.config import ConfigError, Settings, load_settings

log = logging.getLogger("polbot.server")


def _config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: $POLBOT_CONFIG or the bundled config/polbot.yaml)",
    )


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number")
    return port


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot serve``."""
    _config_argument(parser)
    parser.add_argument("--host", help="address to listen on (default: $POLBOT_HOST, 0.0.0.0)")
    parser.add_argument("--port", type=_port, help="port to listen on (default: $POLBOT_PORT)")


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; in-flight requests get to finish."""
    from polbot.knowledge import KnowledgeError
    from polbot.server.app import ChannelSetupError, create_app, run
    from polbot.server.logs import setup_logging

    settings = _settings("serve", args)
    if settings is None:
        return 2
    overrides = {"host": args.host, "port": args.port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    setup_logging(settings.log_level)
    try:
        app = create_app(settings)
    except (KnowledgeError, ChannelSetupError) as exc:
        log.error("cannot start", extra={"reason": str(exc).splitlines()[0]})
        print(f"polbot serve: {exc}", file=sys.stderr)
        return 2
    try:
        run(app, settings)
    except ValueError as exc:
        # A channel's start-up hook (the Bot API rejected the token, say): a setup problem.
        log.error("cannot start", extra={"reason": str(exc).splitlines()[0]})
        print(f"polbot serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        log.error("cannot listen", extra={"reason": exc.strerror})
        print(
            f"polbot serve: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    return 0


def config_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot config``."""
    _config_argument(parser)


def config(args: argparse.Namespace) -> int:
    """Print the effective configuration as YAML, every secret masked."""
    settings = _settings("config", args)
    if settings is None:
        return 2
    print(yaml.safe_dump(settings.masked(), sort_keys=False, allow_unicode=True), end="")
    return 0


def _settings(command: str, args: argparse.Namespace) -> Settings | None:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        print(f"polbot {command}: {exc}", file=sys.stderr)
        return None
