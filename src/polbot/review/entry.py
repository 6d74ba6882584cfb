"""What the review store keeps of one event: nothing that points to a person.

An entry holds the question after de-identification, what the assistant decided, the pages
it considered with their scores, the channel and the day. There is no field for a user,
chat or conversation id, a name or a time of day, so none can be stored by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from polbot.search.result import Candidate, SearchResult

Decision = Literal["fallback", "alternatives", "thumbs-down", "thumbs-up"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)
QUESTION_DECISIONS: frozenset[Decision] = frozenset({"fallback", "alternatives"})
FEEDBACK_DECISIONS: frozenset[Decision] = frozenset({"thumbs-down", "thumbs-up"})


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """One stored event.

    For ``fallback`` and ``alternatives``: ``question`` (de-identified) and the engine's
    ``candidates``. For ``thumbs-up`` and ``thumbs-down``: ``page_id``, the page rated (a
    feedback button carries no question); ``candidates`` may hold the pages offered instead.
    """

    decision: Decision
    channel: str
    day: date
    question: str | None = None
    candidates: tuple[Candidate, ...] = ()
    page_id: str | None = None


def decision_of(result: SearchResult) -> Decision | None:
    """The decision worth reviewing that ``result`` is, or ``None`` (a direct answer,
    smalltalk): a fallback, or an answer that came with alternatives."""
    if result.kind == "fallback":
        return "fallback"
    if result.kind == "answer" and not result.direct:
        return "alternatives"
    return None
