"""The inverted index: BM25F over a document's weighted fields, plus its example questions.

A document is a page (or a smalltalk intent) given as analysed fields. Field weights and
length normalisation are folded into one pseudo term frequency per (term, document) at
build time (BM25F), and the saturated, IDF-weighted contribution is stored in the posting,
so a query only adds numbers. Top-k retrieval skips postings that cannot change the top
(MaxScore), which keeps a 10,000-page index fast in pure Python.

Each example question is also kept as a small set of terms, so the engine can find the
example nearest to a question: paraphrases of an example share its rare words.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from polbot.search.analysis import Token

# A query is a list of word positions; each position holds its alternative terms with their
# weights (the word itself 1.0, a correction, compound part or synonym less).
Position = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How much a field counts, and how much its length normalises (BM25F's b)."""

    weight: float
    b: float = 0.75


@dataclass(frozen=True, slots=True)
class Example:
    """One example question (or title) as terms: term -> weight, and its IDF mass."""

    terms: Mapping[str, float]
    mass: float


class Index:
    """BM25F postings and example questions for a fixed list of documents."""

    def __init__(
        self,
        documents: Sequence[Mapping[str, Sequence[Sequence[Token]]]],
        fields: Mapping[str, FieldSpec],
        *,
        example_fields: Sequence[str] = ("title", "questions"),
        k1: float = 1.2,
    ) -> None:
        self.size = len(documents)
        self.k1 = k1
        lengths: dict[str, list[float]] = {name: [] for name in fields}
        term_freqs: list[dict[str, dict[str, float]]] = []
        for document in documents:
            per_field: dict[str, dict[str, float]] = {}
            for name in fields:
                freqs: dict[str, float] = defaultdict(float)
                length = 0.0
                for unit in document.get(name, ()):
                    for token in unit:
                        freqs[token.text] += token.weight
                        length += token.weight
                per_field[name] = freqs
                lengths[name].append(length)
            term_freqs.append(per_field)
        averages = {name: (sum(v) / len(v) if v else 0.0) or 1.0 for name, v in lengths.items()}

        pseudo: dict[str, dict[int, float]] = defaultdict(dict)
        for doc, per_field in enumerate(term_freqs):
            for name, freqs in per_field.items():
                spec = fields[name]
                norm = 1 - spec.b + spec.b * lengths[name][doc] / averages[name]
                for term, freq in freqs.items():
                    postings = pseudo[term]
                    postings[doc] = postings.get(doc, 0.0) + spec.weight * freq / norm
        self._idf = {term: self._bm25_idf(len(p)) for term, p in pseudo.items()}
        self.max_idf = self._bm25_idf(0)
        self._postings: dict[str, dict[int, float]] = {}
        self._upper: dict[str, float] = {}
        for term, postings in pseudo.items():
            idf = self._idf[term]
            scored = {doc: idf * tf / (k1 + tf) for doc, tf in postings.items()}
            self._postings[term] = scored
            self._upper[term] = max(scored.values())
        self.examples: list[tuple[Example, ...]] = [
            tuple(
                self._example(unit)
                for name in example_fields
                for unit in document.get(name, ())
                if unit
            )
            for document in documents
        ]

    def _bm25_idf(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def _example(self, tokens: Sequence[Token]) -> Example:
        terms: dict[str, float] = {}
        for token in tokens:
            terms[token.text] = max(terms.get(token.text, 0.0), token.weight)
        # The mass counts each word position once, by its best-known term.
        best: dict[int, float] = {}
        for token in tokens:
            value = token.weight * self.idf(token.text)
            best[token.pos] = max(best.get(token.pos, 0.0), value)
        return Example(terms, sum(best.values()))

    def idf(self, term: str) -> float:
        """The term's IDF; a term no document has gets the highest IDF there is."""
        return self._idf.get(term, self.max_idf)

    def knows(self, term: str) -> bool:
        return term in self._idf

    def contribution(self, term: str, doc: int) -> float:
        """The term's BM25F score in one document (0 when absent)."""
        postings = self._postings.get(term)
        return postings.get(doc, 0.0) if postings else 0.0

    def top(self, positions: Sequence[Position], k: int) -> dict[int, float]:
        """The (at least) ``k`` best documents with their BM25F scores.

        A position scores a document by its best alternative. Positions are taken in order
        of their highest possible score; once the rest cannot lift a new document above the
        current k-th score, they only add to documents already found (MaxScore).
        """
        bounds = [
            max((w * self._upper.get(term, 0.0) for term, w in position), default=0.0)
            for position in positions
        ]
        order = sorted(range(len(positions)), key=bounds.__getitem__, reverse=True)
        remaining = sum(bounds)
        scores: dict[int, float] = {}
        for index in order:
            position = positions[index]
            threshold = heapq.nlargest(k, scores.values())[-1] if len(scores) >= k else 0.0
            open_to_new = remaining > threshold
            remaining -= bounds[index]
            best: dict[int, float] = {}
            for term, weight in position:
                postings = self._postings.get(term)
                if not postings:
                    continue
                if open_to_new:
                    for doc, value in postings.items():
                        value *= weight
                        if value > best.get(doc, 0.0):
                            best[doc] = value
                else:
                    for doc in scores:
                        value = postings.get(doc)
                        if value is not None and value * weight > best.get(doc, 0.0):
                            best[doc] = value * weight
            for doc, value in best.items():
                scores[doc] = scores.get(doc, 0.0) + value
        return scores
