"""The inverted index: BM25F over a document's weighted fields, plus its example questions.

A document is a page (or a smalltalk intent) given as analysed fields. Field weights and
length normalisation are folded into one pseudo term frequency per (term, document) at
build time (BM25F), and the saturated, IDF-weighted contribution is stored in the posting,
so a query only adds numbers. Top-k retrieval gathers candidates from each term's
highest-impact postings and scores the best of them exactly, which keeps a 10,000-page
index fast in pure Python.

Each example question is also kept as a small set of terms, so the engine can find the
example nearest to a question: paraphrases of an example share its rare words.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from polbot.search.analysis import Token

# How many of a term's highest-impact postings gather candidates, and how many candidates
# per wanted result are scored exactly (see Index.top).
IMPACT_DEPTH = 200
RESCORE_DEPTH = 5

# A query is a list of word positions; each position holds its alternative terms with their
# weights (the word itself 1.0, a correction, compound part or synonym less).
Position = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How much a field counts, and how much its length normalises (BM25F's b)."""

    weight: float
    b: float = 0.75


@dataclass(frozen=True, slots=True)
class Examples:
    """A document's example questions (and title), inverted: term -> (example, weight)."""

    terms: Mapping[str, tuple[tuple[int, float], ...]]
    masses: tuple[float, ...]
    """The IDF mass of each example: each word position counted once, by its best term."""


class Index:
    """BM25F postings and example questions for a fixed list of documents."""

    def __init__(
        self,
        documents: Iterable[Mapping[str, Sequence[Sequence[Token]]]],
        fields: Mapping[str, FieldSpec],
        *,
        example_fields: Sequence[str] = ("title", "questions"),
        k1: float = 1.2,
    ) -> None:
        # One pass over the documents (a generator is fine: the analysed tokens of a
        # large knowledge base are never all in memory): raw per-field frequencies, field
        # lengths and the example questions' terms.
        names = list(fields)
        raw: dict[str, dict[int, list[float]]] = defaultdict(dict)
        lengths: dict[str, list[float]] = {name: [] for name in names}
        units: list[list[tuple[tuple[str, float, int], ...]]] = []
        # A document's word pairs, kept as hashes: a large index holds millions of them.
        self._pairs: list[frozenset[int]] = []
        for doc, document in enumerate(documents):
            pairs: set[int] = set()
            for name in names:
                for unit in document.get(name, ()):
                    pairs.update(map(hash, word_pairs(unit)))
            self._pairs.append(frozenset(pairs))
            for number, name in enumerate(names):
                length = 0.0
                for unit in document.get(name, ()):
                    for token in unit:
                        entry = raw[token.text].get(doc)
                        if entry is None:
                            entry = raw[token.text][doc] = [0.0] * len(names)
                        entry[number] += token.weight
                        length += token.weight
                lengths[name].append(length)
            units.append(
                [
                    tuple((t.text, t.weight, t.pos) for t in unit)
                    for name in example_fields
                    for unit in document.get(name, ())
                    if unit
                ]
            )
        self.size = len(units)
        self.k1 = k1
        averages = {name: (sum(v) / len(v) if v else 0.0) or 1.0 for name, v in lengths.items()}
        # BM25F: each field's frequency weighted and normalised by that field's length.
        factors = [
            [
                fields[name].weight
                / (1 - fields[name].b + fields[name].b * length / averages[name])
                for length in lengths[name]
            ]
            for name in names
        ]
        self._idf = {term: self._bm25_idf(len(p)) for term, p in raw.items()}
        # A word no page has is treated as rare as the rarest indexed word: rare enough
        # to carry a question, not so heavy that one unknown verb outweighs two topics.
        self.unknown_idf = self._bm25_idf(1)
        self._postings: dict[str, dict[int, float]] = {}
        self._ranked: dict[str, list[tuple[float, int]]] = {}
        for term in list(raw):
            idf = self._idf[term]
            scored = {}
            for doc, freqs in raw.pop(term).items():
                tf = sum(f * factors[i][doc] for i, f in enumerate(freqs) if f)
                scored[doc] = idf * tf / (k1 + tf)
            self._postings[term] = scored
            ranked = sorted(((v, d) for d, v in scored.items()), reverse=True)
            self._ranked[term] = ranked[:IMPACT_DEPTH]
        self.examples: list[Examples] = [self._examples(doc_units) for doc_units in units]

    def _bm25_idf(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def _examples(self, units: Sequence[tuple[tuple[str, float, int], ...]]) -> Examples:
        terms: dict[str, dict[int, float]] = defaultdict(dict)
        masses = []
        for number, tokens in enumerate(units):
            best: dict[int, float] = {}
            for text, weight, pos in tokens:
                weights = terms[text]
                weights[number] = max(weights.get(number, 0.0), weight)
                best[pos] = max(best.get(pos, 0.0), weight * self.idf(text))
            masses.append(sum(best.values()))
        inverted = {term: tuple(weights.items()) for term, weights in terms.items()}
        return Examples(inverted, tuple(masses))

    def idf(self, term: str) -> float:
        """The term's IDF; a term no document has gets that of the rarest indexed term."""
        return self._idf.get(term, self.unknown_idf)

    def knows(self, term: str) -> bool:
        return term in self._idf

    def document_share(self, term: str) -> float:
        """The share of the documents that have the term."""
        postings = self._postings.get(term)
        return len(postings) / self.size if postings else 0.0

    def has_pair(self, pair: tuple[str, str], doc: int) -> bool:
        """Whether two words follow each other (stop words aside) somewhere in the document."""
        return hash(pair) in self._pairs[doc]

    def contains(self, term: str, doc: int) -> bool:
        """Whether the document has the term in any field."""
        postings = self._postings.get(term)
        return postings is not None and doc in postings

    def top(self, positions: Sequence[Position], caps: Sequence[float], k: int) -> dict[int, float]:
        """The ``k`` best documents with their exact BM25F scores.

        A position scores a document by its best alternative term, at most ``caps`` for
        that position (a synonym must not make a word weigh more than it does). Documents
        are gathered from each term's highest-impact postings only (impact-ordered pruning:
        a document outside every term's top :data:`IMPACT_DEPTH` rarely makes the top k),
        and the best gathered ones are then scored exactly. A small index is searched
        exhaustively.
        """
        gathered: dict[int, float] = {}
        for position, cap in zip(positions, caps, strict=True):
            best: dict[int, float] = {}
            for term, weight in position:
                for value, doc in self._ranked.get(term, ())[:IMPACT_DEPTH]:
                    value = min(cap, value * weight)
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            for doc, value in best.items():
                gathered[doc] = gathered.get(doc, 0.0) + value
        if self.size <= IMPACT_DEPTH:
            # Every posting was gathered: the sums are the exact scores.
            return {
                doc: gathered[doc] for doc in heapq.nlargest(k, gathered, key=gathered.__getitem__)
            }
        shortlist = heapq.nlargest(RESCORE_DEPTH * k, gathered, key=gathered.__getitem__)
        exact = {doc: self.score(positions, caps, doc) for doc in shortlist}
        return {doc: exact[doc] for doc in heapq.nlargest(k, exact, key=exact.__getitem__)}

    def score(self, positions: Sequence[Position], caps: Sequence[float], doc: int) -> float:
        """The exact BM25F score of one document for a query (see :meth:`top`)."""
        total = 0.0
        for position, cap in zip(positions, caps, strict=True):
            best = 0.0
            for term, weight in position:
                postings = self._postings.get(term)
                if postings:
                    value = postings.get(doc, 0.0) * weight
                    if value > best:
                        best = value
            total += min(cap, best)
        return total


def word_pairs(unit: Sequence[Token]) -> list[tuple[str, str]]:
    """The pairs of consecutive words of a text (stop words aside), each by its first term:
    "coördinerende rol" is (coordinatie, rol)."""
    firsts = {t.pos: t for t in reversed(unit)}.values()
    words = [t.text for t in reversed(list(firsts)) if t.kind != "question"]
    return list(itertools.pairwise(words))
