"""``polbot serve`` and ``polbot config``: parse, load the configuration, run.

A bad configuration or knowledge base is exit status 2 with one line on stderr per problem,
never a traceback: the operator reads it in a container log.
"""

from __future__ import annotations

import argparse
import logging
import sys

import yaml

from polbot.commands import print_error
from polbot.commands.options import add_config_option
from polbot.server.config import load_settings
from polbot.vocabulary import ENV_PREFIX

log = logging.getLogger("polbot.server")


def _port(text: str) -> int:
    # Every bad value raises ArgumentTypeError: for a ValueError, argparse names this function.
    if text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``polbot serve``."""
    add_config_option(parser)
    parser.add_argument(
        "--host", help=f"address to listen on (default: ${ENV_PREFIX}HOST, 0.0.0.0)"
    )
    parser.add_argument(
        "--port", type=_port, help=f"port to listen on (default: ${ENV_PREFIX}PORT)"
    )


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; in-flight requests get to finish."""
    from polbot.errors import KnowledgeError, SetupError
    from polbot.runtime.logs import setup_logging
    from polbot.runtime.reload import ignore_hangups
    from polbot.server.app import create_app, run

    # From the first moment: loading the knowledge base takes seconds.
    ignore_hangups()
    setup_logging("INFO")  # for what the configuration says about itself, then its own level
    settings = load_settings(args.config)
    overrides = {"host": args.host, "port": args.port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    setup_logging(settings.log_level)
    try:
        app = create_app(settings)
    except (KnowledgeError, SetupError) as exc:
        return _cannot_start(exc)
    try:
        run(app, settings)
    except SetupError as exc:
        # A channel's start-up hook (the Bot API rejected the token, say). Only SetupError:
        # a bug at start-up is a traceback and exit 1, not a setup problem the operator
        # would look for in vain.
        return _cannot_start(exc)
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
    add_config_option(parser)


def config(args: argparse.Namespace) -> int:
    """Print the effective configuration as YAML, every secret masked."""
    from polbot.runtime.logs import setup_logging

    # The configuration's warnings (an environment variable ignored) beside the YAML.
    setup_logging("INFO", sys.stderr)
    settings = load_settings(args.config)
    print(yaml.safe_dump(settings.masked(), sort_keys=False, allow_unicode=True), end="")
    return 0


def _cannot_start(exc: Exception) -> int:
    log.error("cannot start", extra={"reason": str(exc).splitlines()[0]})
    print_error("serve", exc)
    return 2
