"""Helpers for the dialogue tests: a tiny knowledge base, a fake engine, transcripts.

The tiny knowledge base uses the real ``knowledge/messages.yaml`` so that the texts under
test are the ones users read; pages and themes are made up and small.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from polbot.dialogue import Assistant, ButtonPress, Command, Reply, TextMessage, plain
from polbot.knowledge.model import (
    Home,
    ItemList,
    KnowledgeBase,
    KnowledgeFile,
    MenuEntry,
    Page,
    SmalltalkIntent,
    Table,
    Theme,
    Tool,
)
from polbot.search.result import Candidate, Passage, SearchResult

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
QUESTIONS = tuple(f"Voorbeeldvraag {n}?" for n in range(5))
LONG_SENTENCE = "Dit is een zin over de aanpak van polarisatie in een gemeente, zonder afkorting."


def _page(page_id: str, title: str, theme: str, **extra: object) -> Page:
    fields: dict[str, object] = {
        "summary": f"Samenvatting van {title}.",
        "text": (f"Tekst van {title}.",),
        "questions": QUESTIONS,
    }
    fields.update(extra)
    return Page(id=page_id, title=title, theme=theme, **fields)


def tiny_kb() -> KnowledgeBase:
    """A knowledge base of one theme with three pages and two home pages."""
    messages = KnowledgeFile.model_validate(
        yaml.safe_load((KNOWLEDGE / "messages.yaml").read_text(encoding="utf-8"))
    ).messages
    pages = (
        _page("contact", "Contact", "home", summary="Mail naar help@example.nl."),
        _page("definitie", "Wat is polarisatie?", "home"),
        _page(
            "netwerk",
            "Netwerk opbouwen",
            "signalering",
            text=("Tekst van Netwerk opbouwen. Denk hierbij aan:", "Slotalinea."),
            related=("lang", "contact"),
            lists=(ItemList(title="Mogelijke partners", items=("Politie", "Scholen")),),
            tables=(Table(columns=("Extern", "Intern"), rows=(("Wijkwerkers", ""),)),),
            tools=(Tool(name="Wijkmonitor", url="https://example.nl/monitor"),),
        ),
        _page(
            "lang",
            "Een lange pagina",
            "signalering",
            text=tuple(" ".join([LONG_SENTENCE] * 12) for _ in range(4)),
            related=("netwerk",),
        ),
        _page("kort", "Een korte pagina", "signalering", summary="Tekst van Een korte pagina."),
    )
    return KnowledgeBase(
        home=Home(
            title="Aanpak polarisatie",
            welcome="Welkom. Ik beantwoord vragen over de handreiking.",
            menu=(
                MenuEntry(label="Signalering", theme="signalering"),
                MenuEntry(label="Wat is polarisatie?", page="definitie"),
                MenuEntry(label="Contact", page="contact"),
            ),
            pages=("contact", "definitie"),
        ),
        themes=(
            Theme(
                id="signalering",
                label="Signalering",
                intro="Over signalering.",
                pages=("netwerk", "lang", "kort"),
            ),
        ),
        pages=pages,
        synonyms=(),
        abbreviations={},
        smalltalk=(SmalltalkIntent(id="groet", examples=("hoi",), reply="Goedendag!"),),
        messages=messages,
    )


def result(kind: str, page: str | None = None, *candidates: str, **extra: object) -> SearchResult:
    """A SearchResult as the engine would give it (an answer straight away unless
    ``direct=False``)."""
    extra.setdefault("direct", kind == "answer")
    return SearchResult(
        question="",
        kind=kind,  # type: ignore[arg-type]
        page_id=page,
        score=0.5,
        candidates=tuple(Candidate(c, 0.5) for c in candidates),
        **extra,  # type: ignore[arg-type]
    )


class FakeEngine:
    """Answers the questions it was given results for; remembers what it was asked."""

    def __init__(self, results: Mapping[str, SearchResult]) -> None:
        self._results = results
        self.asked: list[str] = []

    def search(self, text: str) -> SearchResult:
        self.asked.append(text)
        return self._results.get(text, result("fallback"))

    def passages(self, page_id: str, text: str) -> tuple[Passage, ...]:
        return ()


Event = TextMessage | Command | ButtonPress


def event_for(turn: str | Event, last: Reply | None) -> Event:
    """What a user turn means: ``/name`` a command, ``[label]`` a button of the last reply.

    An event object is taken as it is (a forged button press, say).
    """
    if not isinstance(turn, str):
        return turn
    if turn.startswith("/"):
        return Command(turn[1:])
    if turn.startswith("[") and turn.endswith("]"):
        assert last is not None, f"no reply to press {turn} on"
        labels = {button.label: button.payload for button in last.buttons}
        assert turn[1:-1] in labels, f"{turn} is not offered; buttons: {list(labels)}"
        return ButtonPress(labels[turn[1:-1]])
    return TextMessage(turn)


def converse(assistant: Assistant, turns: Iterable[str | Event]) -> tuple[str, list[Reply]]:
    """Play ``turns`` and return the conversation as readable text plus every reply.

    Each turn reads ``> user``, then ``< bot`` lines with the buttons as ``[label]``.
    """
    lines: list[str] = []
    replies: list[Reply] = []
    for turn in turns:
        event = event_for(turn, replies[-1] if replies else None)
        lines.append(f"> {turn if isinstance(turn, str) else repr(turn)}"[:200])
        for reply in assistant.handle(event):
            replies.append(reply)
            lines += [f"< {line}" for line in plain(reply).splitlines()]
            lines.append("< " + " ".join(f"[{b.label}]" for b in reply.buttons))
    return "\n".join(lines), replies


# The questions that users must get the page's answer to straight away, in every
# channel: (question, page id, page title).
STRAIGHT_AWAY = (
    ("Wat is polarisatie?", "definitie", "Definitie polarisatie"),
    ("Wie moet ik trainen?", "train-de-juiste-mensen", "Train de juiste mensen"),
    ("Wat doet een aandachtsfunctionaris?", "capaciteit", "Capaciteit"),
)
ALTERNATIVES_LEAD = "Bedoelde u misschien"


# The question whose answer is behind "Lees verder" unless the reply shows the passage
# that answers it; the sentence of that passage every channel must show; and the page whose
# table (two columns, three rows) every channel must show row by row, cells in order.
PORTFOLIO_QUESTION = "Wie moet er bij ons de portefeuille polarisatie trekken?"
COORDINATING_ROLE = (
    "het van belang dat de burgemeester of een wethouder hierin een coördinerende rol vervult"
)
HANDBOOK_MARK = "Uit de handreiking:"
TABLE_PAGE = "vroegtijdige-signalering"
TABLE_LINES = (
    "Extern | Intern",
    "Jongerenwerkers | Toezicht en handhaving",
    "Wijkmedewerkers | Cluster Maatschappelijke Ontwikkeling",
    "Onderwijsinstellingen | Sociaal Domein",
)
