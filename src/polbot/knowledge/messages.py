"""The conversation texts the code asks the knowledge base for, and the fields each gets.

The code names every text a user reads by its key in a ``messages:`` section and fills in
the ``{name}`` fields listed here. A folder without one of these texts, or a text with a
field the code does not fill in, would load and then fail in the middle of a conversation;
:func:`message_problems` lets the loader refuse it instead, naming what is wrong.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

from polbot.errors import Problem
from polbot.knowledge.model import KnowledgeFile
from polbot.knowledge.yamlsource import Source
from polbot.vocabulary import TEAMS_MENU, TELEGRAM_MENU

_TITLE = frozenset({"title"})

MESSAGE_FIELDS: Mapping[str, frozenset[str]] = {
    # the conversation (polbot.dialogue)
    "menu-prompt": frozenset(),
    "theme-prompt": frozenset(),
    "button-home": frozenset(),
    "button-more": frozenset(),
    "button-back": frozenset({"theme"}),
    "button-help": frozenset(),
    "button-about": frozenset(),
    "page-continued": _TITLE,
    "page-tools": frozenset(),
    "page-sources": frozenset(),
    "alternatives": frozenset(),
    "feedback-prompt": frozenset(),
    "button-helpful": frozenset(),
    "button-not-helpful": frozenset(),
    "feedback-thanks": frozenset(),
    "feedback-sorry": frozenset(),
    "answer-passage": frozenset(),
    "fallback": frozenset(),
    "fallback-suggestions": frozenset(),
    "empty-question": frozenset(),
    "question-too-long": frozenset({"limit"}),
    "invalid-payload": frozenset(),
    "unknown-command": frozenset(),
    "help": frozenset(),
    "about": _TITLE,
    # the terminal
    "console-hint": frozenset(),
    "console-goodbye": frozenset(),
    "console-no-such-button": frozenset({"number", "last"}),
    # the server and the web page
    "server-error": frozenset(),
    "server-home-button": frozenset(),
    **dict.fromkeys(
        (
            "web-title",
            "web-intro",
            "web-skip-link",
            "web-conversation-label",
            "web-you",
            "web-assistant",
            "web-buttons-label",
            "web-waiting",
            "web-question-label",
            "web-question-placeholder",
            "web-send",
            "web-new-window",
            "web-noscript",
            "web-footer",
            "web-helpdesk-address",
            "web-error-network",
            "web-error-invalid",
            "web-error-too-large",
            "web-error-kept",
            "web-retry",
        ),
        frozenset(),
    ),
    # filled in by the page's script as the user types
    "web-counter-left": frozenset({"left"}),
    "web-counter-over": frozenset({"over"}),
    # Telegram
    **dict.fromkeys((f"telegram-command-{name}" for name in TELEGRAM_MENU), frozenset()),
    **dict.fromkeys(("telegram-text-only", "telegram-menu-button"), frozenset()),
    # Teams
    **dict.fromkeys(
        (
            "teams-name-short",
            "teams-name-full",
            "teams-description-short",
            "teams-description-full",
            "teams-developer-name",
        ),
        frozenset(),
    ),
    **dict.fromkeys((f"teams-command-{name}" for name in TEAMS_MENU), frozenset()),
    "teams-welcome-mention": frozenset({"name"}),
    # the review report (polbot.review)
    **dict.fromkeys(
        (
            "review-title",
            "review-privacy",
            "review-groups-heading",
            "review-wordings",
            "review-pages",
            "review-no-pages",
            "review-suggest-missing",
            "review-feedback-heading",
            "review-column-page",
            "review-column-helpful",
            "review-column-unhelpful",
            "review-column-share",
            "review-no-feedback",
            "review-chart-heading",
            "review-chart-fallbacks",
            "review-chart-unhelpful",
            "review-empty",
            "review-disabled",
        ),
        frozenset(),
    ),
    "review-period": frozenset({"since", "until"}),
    "review-summary": frozenset({"questions", "groups", "helpful", "unhelpful"}),
    "review-group-count": frozenset({"count", "fallbacks", "alternatives"}),
    "review-suggest-example": _TITLE,
    "review-chart-label": frozenset({"since"}),
    "review-week-of": frozenset({"day"}),
    "review-purged": frozenset({"count"}),
    "review-written": frozenset({"file"}),
}
"""Every message key the code uses -> the ``{fields}`` it fills in (``{{`` is a brace)."""


def message_problems(
    valid: Sequence[tuple[Source, KnowledgeFile]], folder: str, *, complete: bool
) -> list[Problem]:
    """Texts whose ``{fields}`` the code does not fill in; with ``complete`` (every file of
    the folder passed the schema), also each text the code needs that no file has."""
    problems: list[Problem] = []
    found: set[str] = set()
    for source, knowledge_file in valid:
        for key, text in knowledge_file.messages.items():
            found.add(key)
            problem = _field_problem(text, MESSAGE_FIELDS.get(key, frozenset()))
            if problem:
                problems.append(source.problem(("messages", key), problem))
    if complete:
        problems += [
            Problem(folder, None, f"messages.{key}", "missing: polbot needs this text")
            for key in MESSAGE_FIELDS
            if key not in found
        ]
    return problems


def _field_problem(text: str, fields: frozenset[str]) -> str | None:
    allowed = ", ".join(f"{{{name}}}" for name in sorted(fields)) or "no {fields}"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return f"a single '{{' or '}}' (write '{{{{' or '}}}}' for a brace); allowed: {allowed}"
    unknown = sorted({name for name in names if name not in fields})
    if unknown:
        return f"unknown field {{{unknown[0]}}}; this text may use {allowed}"
    return None
