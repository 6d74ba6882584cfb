"""The content owner's report over the review store: what users asked that the handbook did
not answer well, grouped by what they ask, with a suggestion per group.

Questions are grouped by their analysed terms (the search engine's own analysis: the same
stems, typos corrected, stop words and places left out), then groups whose terms mostly
overlap are merged. A group whose questions mostly had the same near-miss page gets the
suggestion to add the question as an example question of that page; any other group is
"not in the handbook". The 👍 and 👎 per page and a weekly count of fallbacks and 👎
complete it. Renderers are in :mod:`polbot.review.render`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from polbot.knowledge.model import KnowledgeBase
from polbot.review.entry import QUESTION_DECISIONS, ReviewEntry
from polbot.search.analysis import WHOLE
from polbot.search.analyzer import Analyzer
from polbot.search.engine import Engine
from polbot.search.lexicon import informativeness

SuggestionKind = Literal["add-example", "not-in-handbook"]

NEAR_MISS_SCORE = 0.2
"""A top page with at least this score (the probability that it answers) was a near miss."""
NEAR_MISS_SHARE = 0.5
"""The share of a group's questions that must have had the same near-miss page."""
MERGE_OVERLAP = 0.5
"""Groups whose term sets overlap this much (Jaccard) ask the same thing."""
EXAMPLES = 5
"""Distinct wordings shown per group at most."""

# Zipf frequencies between which a word goes from saying all (1) to little (the floor).
_SAYS = (3.0, 6.0, 0.05)
# The tags de-identification leaves ("[PERSOON]") are no topic.
_TAG = re.compile(r"\[[A-Z]+\]")


class EntrySource(Protocol):
    """Where the report reads the events: a :class:`~polbot.review.store.ReviewStore`."""

    def entries(self, since: date | None = None) -> list[ReviewEntry]: ...


@dataclass(frozen=True, slots=True)
class PageCount:
    page_id: str
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: SuggestionKind
    page_id: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """Questions that ask the same thing."""

    count: int
    questions: tuple[str, ...]
    """The most frequent wordings, at most :data:`EXAMPLES`."""
    terms: tuple[str, ...]
    fallbacks: int
    alternatives: int
    pages: tuple[PageCount, ...]
    """The pages suggested to these questions (their candidates), most often first."""
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class PageFeedback:
    page_id: str
    title: str
    helpful: int
    unhelpful: int

    @property
    def share(self) -> float:
        """The share of 👍 among the votes."""
        votes = self.helpful + self.unhelpful
        return self.helpful / votes if votes else 0.0


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    """The Monday."""
    fallbacks: int
    thumbs_down: int


@dataclass(frozen=True, slots=True)
class Report:
    since: date
    until: date
    questions: int
    groups: tuple[Group, ...]
    feedback: tuple[PageFeedback, ...]
    weeks: tuple[Week, ...]


def build_report(
    store: EntrySource,
    since: date,
    kb: KnowledgeBase,
    *,
    until: date | None = None,
    analyzer: Analyzer | None = None,
) -> Report:
    """The report over what ``store`` holds from ``since`` on (to ``until``, default
    today); page titles from ``kb``, whose engine's analyzer groups the questions."""
    until = until or date.today()
    entries = [e for e in store.entries(since) if e.day <= until]
    analyzer = analyzer or Engine(kb).analyzer
    titles = {page.id: page.title for page in kb.pages}
    questions = [e for e in entries if e.decision in QUESTION_DECISIONS and e.question]
    groups = [_group(terms, members, titles) for terms, members in _cluster(questions, analyzer)]
    groups.sort(key=lambda g: (-g.count, g.questions[0]))
    return Report(
        since=since,
        until=until,
        questions=len(questions),
        groups=tuple(groups),
        feedback=_feedback(entries, titles),
        weeks=_weeks(entries, since, until),
    )


def _terms(question: str, analyzer: Analyzer) -> dict[str, float]:
    """The analysed terms of ``question``, each weighed by how much its word says about
    the topic ("parkeervergunning" 1, "mail" little), as the engine weighs them."""
    tokens, meant, _ = analyzer.question_terms(_TAG.sub(" ", question))
    terms: dict[str, float] = {}
    for token in tokens:
        if token.kind not in WHOLE or token.kind == "question":
            continue  # parts, synonyms and "hoe"/"waar" say what the engine adds, not the user
        weight = token.weight * informativeness(meant.get(token.pos, token.text), *_SAYS)
        terms[token.text] = max(terms.get(token.text, 0.0), weight)
    return terms


def _cluster(
    entries: Sequence[ReviewEntry], analyzer: Analyzer
) -> list[tuple[dict[str, float], list[ReviewEntry]]]:
    by_terms: dict[frozenset[str], tuple[dict[str, float], list[ReviewEntry]]] = {}
    for entry in entries:
        terms = _terms(entry.question or "", analyzer)
        by_terms.setdefault(frozenset(terms), (terms, []))[1].append(entry)
    # The biggest groups first take in the smaller ones that mostly share their terms.
    clusters: list[tuple[dict[str, float], list[ReviewEntry]]] = []
    for terms, members in sorted(by_terms.values(), key=lambda item: -len(item[1])):
        target = next(
            (c for c in clusters if terms and _overlap(terms, c[0]) >= MERGE_OVERLAP), None
        )
        if target is None:
            clusters.append((terms, list(members)))
        else:
            target[1].extend(members)
    return clusters


def _overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted Jaccard: the weight two term sets share over the weight of either."""
    union = a.keys() | b.keys()
    shared = sum(min(a.get(t, 0.0), b.get(t, 0.0)) for t in union)
    total = sum(max(a.get(t, 0.0), b.get(t, 0.0)) for t in union)
    return shared / total if total else 0.0


def _group(terms: dict[str, float], members: list[ReviewEntry], titles: dict[str, str]) -> Group:
    wordings = Counter(e.question for e in members if e.question)
    pages: Counter[str] = Counter(c.id for e in members for c in e.candidates)
    near_misses: Counter[str] = Counter(
        e.candidates[0].id
        for e in members
        if e.candidates
        and (e.decision == "alternatives" or e.candidates[0].score >= NEAR_MISS_SCORE)
    )
    suggestion = Suggestion("not-in-handbook")
    if near_misses:
        page_id, count = near_misses.most_common(1)[0]
        if count >= NEAR_MISS_SHARE * len(members) and page_id in titles:
            suggestion = Suggestion("add-example", page_id, titles[page_id])
    decisions = Counter(e.decision for e in members)
    return Group(
        count=len(members),
        questions=tuple(q for q, _ in wordings.most_common(EXAMPLES)),
        terms=tuple(sorted(terms, key=lambda t: (-terms[t], t))),
        fallbacks=decisions["fallback"],
        alternatives=decisions["alternatives"],
        pages=tuple(
            PageCount(page_id, titles.get(page_id, page_id), count)
            for page_id, count in pages.most_common()
        ),
        suggestion=suggestion,
    )


def _feedback(entries: Iterable[ReviewEntry], titles: dict[str, str]) -> tuple[PageFeedback, ...]:
    votes: dict[str, Counter[str]] = {}
    for entry in entries:
        if entry.decision in ("thumbs-up", "thumbs-down") and entry.page_id:
            votes.setdefault(entry.page_id, Counter())[entry.decision] += 1
    rows = [
        PageFeedback(page_id, titles.get(page_id, page_id), c["thumbs-up"], c["thumbs-down"])
        for page_id, c in votes.items()
    ]
    rows.sort(key=lambda row: (-row.unhelpful, row.share, row.title))
    return tuple(rows)


def _weeks(entries: Iterable[ReviewEntry], since: date, until: date) -> tuple[Week, ...]:
    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    fallbacks: Counter[date] = Counter()
    thumbs_down: Counter[date] = Counter()
    for entry in entries:
        if entry.decision == "fallback":
            fallbacks[monday(entry.day)] += 1
        elif entry.decision == "thumbs-down":
            thumbs_down[monday(entry.day)] += 1
    weeks = []
    start = monday(since)
    while start <= until:
        weeks.append(Week(start, fallbacks[start], thumbs_down[start]))
        start += timedelta(days=7)
    return tuple(weeks)
