"""Every error polbot raises on purpose, in one tree.

::

    PolbotError                        the root: what polbot raises on purpose
    ├── InputError                     something a person wrote is wrong; the message says
    │   │                              where (file:line: field) and what
    │   ├── KnowledgeError             the knowledge base; ``problems`` lists every mistake
    │   │   └── KnowledgeFolderNotFoundError   the knowledge folder does not exist
    │   ├── ConfigError                the configuration file or the environment
    │   └── EvalFileError              an evaluation file (``polbot eval``)
    ├── SetupError                     an enabled part cannot start or be built: a secret,
    │   │                              an address or a dependency missing, a token rejected
    │   ├── ChannelSetupError          ... said for one channel (``channels.<name>: ...``)
    │   ├── TelegramSetupError         the Telegram bot (token, webhook secret, public URL)
    │   ├── TeamsSetupError            the Teams endpoint (app id, anonymous mode)
    │   ├── TeamsPackageError          the Teams app package (app id, public URL)
    │   ├── BaselineMissingError       ``polbot bench`` without its baseline library
    │   └── ReviewError                the review store or its report cannot be used
    │       ├── ReviewUnavailableError  review is on, what it needs is not installed
    │       └── ReviewStoreError       the review database cannot be opened, migrated or read
    └── BadRequestError                a client's request that cannot be handled; ``status``
        │                              and ``reason``, which never quotes the request
        ├── BadBodyError               a body that cannot be read as JSON (400, 408, 413)
        └── BadActivityError           a body that is not a Teams activity polbot handles

None of them is a ``ValueError`` (or any other built-in error but ``Exception``): a command
that catches :class:`InputError` or :class:`SetupError` to print one line and exit 2 must
never catch a bug by accident and report it as the user's mistake. A command maps the two
to exit status 2; a route maps :class:`BadRequestError` to its status and one warning line.

This module imports nothing of polbot, so every layer can raise its errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BadActivityError",
    "BadBodyError",
    "BadRequestError",
    "BaselineMissingError",
    "ChannelSetupError",
    "ConfigError",
    "EvalFileError",
    "InputError",
    "KnowledgeError",
    "KnowledgeFolderNotFoundError",
    "PolbotError",
    "Problem",
    "ReviewError",
    "ReviewStoreError",
    "ReviewUnavailableError",
    "SetupError",
    "TeamsPackageError",
    "TeamsSetupError",
    "TelegramSetupError",
]


class PolbotError(Exception):
    """The root of every error polbot raises on purpose."""


# --- input ----------------------------------------------------------------------------


class InputError(PolbotError):
    """Something a person wrote (a knowledge file, the configuration, an evaluation file)
    is wrong; the message names where and what, one line per mistake."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, and exactly where it is.

    ``file`` is the file as the caller named it (``knowledge/preventie.yaml``), or the folder
    for a problem of the whole folder; ``line`` counts from 1 and is ``None`` for a problem
    of the whole folder or an unreadable file; ``path`` is the field inside the file, like
    ``pages[3].questions`` (empty for the file as a whole); ``column`` is only known for YAML
    syntax errors.

    >>> str(Problem("knowledge/home.yaml", 3, "home.menu[0]", "unknown theme 'x'"))
    "knowledge/home.yaml:3: home.menu[0]: unknown theme 'x'"
    """

    file: str
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line or 0, self.column or 0)


class KnowledgeError(InputError):
    """The knowledge base cannot be loaded; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        # sorted() is stable: problems on the same line keep the order they were found in.
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__("\n".join(str(problem) for problem in self.problems))


class KnowledgeFolderNotFoundError(KnowledgeError):
    """The knowledge folder does not exist (or is not a folder)."""


class ConfigError(InputError):
    """The configuration cannot be used; the message names the source and the field."""


class EvalFileError(InputError):
    """An evaluation file that cannot be read or does not have the contract's form."""

    def __init__(self, path: object, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


# --- setup ----------------------------------------------------------------------------


class SetupError(PolbotError):
    """An enabled part cannot start or be built; the message says which setting or
    dependency is missing or wrong, never a secret's value."""


class ChannelSetupError(SetupError):
    """An enabled channel cannot start; the message begins with ``channels.<name>``."""


class TelegramSetupError(SetupError):
    """The Telegram bot cannot start: no token, a malformed or rejected token, no webhook
    secret or public URL, an unreachable Bot API server."""


class TeamsSetupError(SetupError):
    """The Teams channel is enabled but cannot authenticate; says which setting is missing."""


class TeamsPackageError(SetupError):
    """The Teams app package cannot be built; the message names the missing or bad input."""


class BaselineMissingError(SetupError):
    """``rank_bm25`` (a development dependency, the baseline of ``polbot bench``) is missing."""


class ReviewError(SetupError):
    """The review store or its report cannot be used; the message says why."""


class ReviewUnavailableError(ReviewError):
    """Review is switched on but what it needs (the de-identifier, a driver) is missing."""


class ReviewStoreError(ReviewError):
    """The review database cannot be opened, migrated or read."""


# --- bad requests ---------------------------------------------------------------------


class BadRequestError(PolbotError):
    """A client's request that cannot be handled: the HTTP ``status`` to answer and a short
    ``reason`` for the log, which never quotes the request (it may hold a user's text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class BadBodyError(BadRequestError):
    """A request body that cannot be read as JSON: ``status`` 400, 408 or 413, and why."""


class BadActivityError(BadRequestError):
    """A request body that is not a Teams activity polbot can handle (always 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, reason)
