"""What the search engine answers for one question (see the knowledge contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["answer", "smalltalk", "fallback"]
PassageKind = Literal["paragraph", "item", "row"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A part of a page that can answer on its own, with how well it matches a question.

    ``paragraph``: ``index`` is the paragraph's number in the page's ``text``; ``item``: the
    ``index``-th item of the page's ``group``-th list; ``row``: the ``index``-th row of its
    ``group``-th table (all counted from 0). ``score`` is the share of the question's weight
    the passage holds, a little more when its words stand together as in the question.
    """

    kind: PassageKind
    group: int
    index: int
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A page the engine considers, with its confidence from 0 to 1."""

    id: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The engine's decision for one question.

    ``page_id`` is the answering page for ``answer`` and ``None`` otherwise;
    ``smalltalk_id`` names the recognised intent for ``smalltalk``. ``candidates`` holds
    the best pages, at most three, also for a fallback (they feed "Bedoelde u ...?").
    ``score`` is the probability that the top page answers. ``direct`` marks an answer
    given straight away; an answer without it comes with the other candidates as
    alternatives, since another page is nearly as likely.
    """

    question: str
    kind: Kind
    page_id: str | None
    score: float
    candidates: tuple[Candidate, ...]
    smalltalk_id: str | None = None
    direct: bool = False

    def to_contract(self) -> dict[str, object]:
        """The object ``polbot ask --json`` prints, exactly as the contract gives it."""
        return {
            "question": self.question,
            "kind": self.kind,
            "id": self.page_id,
            "score": round(self.score, 4),
            "direct": self.direct,
            "candidates": [{"id": c.id, "score": round(c.score, 4)} for c in self.candidates],
        }
