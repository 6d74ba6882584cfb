"""The search engine: a message to the handbook page that answers it, or an honest fallback.

A search is two steps, kept apart: :meth:`Engine.rank` orders the pages for a message and
says what it knows about each (:class:`Evidence`); :meth:`Engine.decide` turns that into
the reply's kind (answer straight away, answer with alternatives, fallback, smalltalk) with
a fitted model (:mod:`polbot.search.decision`) whose score is the probability that the top
page answers.

Ranking. The message is read first (:mod:`polbot.search.message`): greetings, signatures
and phrases about the asking are set aside; the sentences that ask count fully, the context
before or after them at :attr:`Tuning.context_weight`. A message that asks two things is
also read once per question, so that the one the handbook answers can win. Every page is a
document with weighted fields (title and example questions above summary and body). For a
reading the engine takes the best pages by BM25F, then scores each by measures that each lie
in 0..1 and so mean the same for every question:

- *example*: how well the nearest example question (or the title) and the question cover
  each other, weighted by IDF; this is what generalises paraphrases;
- *coverage*: how much of the question's IDF mass the page's text holds at all;
- *title*: how much of it the page's title holds;
- *bm25*: the BM25F score over the question's IDF mass.

Their weighted mean is the page's *relevance*. What the handbook knows of the question at
all is the *known share*: each word weighed by how informative it is in general Dutch (a
rare word weighs fully, an everyday one little), so a question whose carrying words no page
uses ("parkeervergunning", "uittreksel") is recognised whatever its other words match,
while an everyday word the handbook happens not to use ("betekenis") hardly matters. Words
every page shares have almost no IDF, so a question of only such words carries little mass:
its *specificity* is low.

A question equal to one of a page's example questions, or to a menu button's label (after
the same analysis, typos corrected), is answered by that page straight away: the content
owner's example is the engine's promise.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from polbot.knowledge.model import KnowledgeBase, Page
from polbot.search.analysis import WHOLE, Token
from polbot.search.analyzer import DEFAULT_STEMMER, Analyzer
from polbot.search.decision import DecisionModel, Evidence, default_model
from polbot.search.index import FieldSpec, Index, Position, word_pairs
from polbot.search.lexicon import informativeness
from polbot.search.message import Message, MessageReader, Sentence
from polbot.search.result import Candidate, Passage, PassageKind, SearchResult
from polbot.search.smalltalk import SmalltalkMatcher
from polbot.search.tuning import Policy, Tuning, Weights

MAX_POSITIONS = 40
# What the analyzer makes of a sentence (see Analyzer.question_terms).
Terms = tuple[list[Token], dict[int, str], int]
# At most this many of a message's questions are read one by one.
MAX_QUESTIONS = 4
MAX_CANDIDATES = 3
PHRASE_BONUS = 0.5
"""How much a passage gains when the question's consecutive words stand together in it too,
over the share of the question's weight it holds (0..1)."""
# Where a passage stands on its page: its kind, its list's or table's number, its number.
PassageRef = tuple[PassageKind, int, int]

FIELDS = {
    "title": FieldSpec(weight=3.0, b=0.5),
    "questions": FieldSpec(weight=2.5, b=0.75),
    "summary": FieldSpec(weight=1.5, b=0.75),
    "body": FieldSpec(weight=1.0, b=0.75),
}


@dataclass(frozen=True, slots=True)
class Ranked:
    """A page in a reading's order, with its evidence."""

    page_id: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Reading:
    """The pages for one reading of a message (all of it, or one of its questions), best
    first; ``exact`` names the page whose example question the reading equals."""

    pages: tuple[Ranked, ...]
    exact: str | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    """What :meth:`Engine.rank` finds for a message: its readings, or its smalltalk."""

    message: Message
    readings: tuple[Reading, ...]


@dataclass(frozen=True, slots=True)
class _Query:
    positions: tuple[Position, ...]
    masses: tuple[float, ...]
    scored: tuple[tuple[tuple[str, float], ...], ...]
    """Per position its indexed terms with their value (weight × IDF, at most the
    position's mass), best first: a document's match at a position is its first term."""
    mass: float
    known_share: float
    content_mass: float
    """The IDF mass of the words that name a topic (not question words), as if every
    sentence counted fully."""
    topical: float
    asked_known_share: float
    """The known share of the asking sentences alone."""
    unknown: float
    """The informativeness of the most telling word of the asking sentences that the
    handbook does not know at all."""
    words: int
    """The number of topic words (not question words)."""
    asked_place: bool
    """Whether an asking sentence names a place ("wie is de burgemeester van Maassluis")."""
    key: tuple[str, ...]
    """The words as analysed, in order: equal keys are equal questions."""
    pairs: tuple[tuple[tuple[str, str], float], ...]
    """Consecutive topic words of a sentence, with the smaller IDF mass of the two."""


class Engine:
    """Searches one knowledge base. Build once; ``search`` is thread-safe and pure.

    >>> engine = Engine(kb)  # doctest: +SKIP
    >>> engine.search("Wie moet ik trainen?").page_id  # doctest: +SKIP
    'train-de-juiste-mensen'
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        tuning: Tuning | None = None,
        weights: Weights | None = None,
        model: DecisionModel | None = None,
        policy: Policy | None = None,
        stemmer: str = DEFAULT_STEMMER,
    ) -> None:
        self.tuning = tuning or Tuning()
        self.model = model or default_model()
        self.policy = policy or Policy()
        pages = kb.pages
        texts = [text for page in pages for text in page_texts(page)]
        texts += [example for intent in kb.smalltalk for example in intent.examples]
        analyzer_weights = {} if weights is None else {"weights": weights}
        self.analyzer = Analyzer(
            texts,
            synonyms=kb.synonyms,
            abbreviations=kb.abbreviations,
            algorithm=stemmer,
            **analyzer_weights,
        )
        analyse = self._analyse_page_text
        # Per page, its passages' terms and word pairs, from the same analysis as the index.
        self._passages: list[tuple[tuple[PassageRef, frozenset[str], frozenset], ...]] = []

        def document(page: Page) -> dict[str, list[list[Token]]]:
            units = [(ref, analyse(text)) for ref, text in passage_texts(page)]
            self._passages.append(
                tuple(
                    (ref, frozenset(t.text for t in unit), frozenset(word_pairs(unit)))
                    for ref, unit in units
                    if ref is not None
                )
            )
            return {
                "title": [analyse(page.title)],
                "questions": [analyse(q) for q in page.questions],
                "summary": [analyse(page.summary)],
                "body": [unit for _, unit in units],
            }

        self.index = Index((document(page) for page in pages), FIELDS)
        self._titles = [frozenset(t.text for t in analyse(page.title)) for page in pages]
        self._page_ids = tuple(page.id for page in pages)
        self._docs = {page_id: doc for doc, page_id in enumerate(self._page_ids)}
        self.reader = MessageReader(SmalltalkMatcher(kb.smalltalk))
        self._exact = self._exact_questions(kb)

    def _analyse_page_text(self, text: str) -> list[Token]:
        return list(self.analyzer.page(text))

    def _exact_questions(self, kb: KnowledgeBase) -> Mapping[tuple[str, ...], str]:
        """Each example question's and menu label's key, to the page it belongs to; a key
        two pages share, or one without a topic word, belongs to none."""
        owners: dict[tuple[str, ...], set[str]] = {}
        asked = [(q, page.id) for page in kb.pages for q in page.questions]
        asked += [(entry.label, entry.page) for entry in kb.home.menu if entry.page]
        for question, page_id in asked:
            sentences = self.reader.read(question).sentences
            if len(sentences) != 1:
                continue
            firsts = _words_of(self.analyzer.question_terms(sentences[0].text)[0])
            if any(t.kind != "question" for t in firsts):
                owners.setdefault(tuple(t.text for t in firsts), set()).add(page_id)
        return {key: ids.pop() for key, ids in owners.items() if len(ids) == 1}

    # --- the two steps -----------------------------------------------------------------

    def search(self, text: str) -> SearchResult:
        """Rank the pages for a message and decide: answer, smalltalk or fallback."""
        return self.decide(self.rank(text))

    def rank(self, text: str) -> Ranking:
        """Read the message and order the pages for each reading of it."""
        message = self.reader.read(text)
        if message.smalltalk is not None or not message.sentences:
            return Ranking(message, ())
        readings = [message.sentences]
        questions = message.questions[:MAX_QUESTIONS]
        if len(questions) > 1:
            context = tuple(s for s in message.sentences if s.role == "context")
            readings += [(question, *context) for question in questions]
        # Each sentence is analysed once, whatever the readings it is part of.
        analysed = {s.text: self.analyzer.question_terms(s.text) for s in message.sentences}
        return Ranking(message, tuple(self._reading(r, analysed) for r in readings))

    def decide(self, ranking: Ranking) -> SearchResult:
        """The reply's kind for a ranking: smalltalk, an answer (straight away or with
        alternatives) or the fallback, with the probability that the top page answers."""
        message = ranking.message
        if message.smalltalk is not None:
            return SearchResult(message.text, "smalltalk", None, 1.0, (), message.smalltalk)
        best: tuple[float, tuple[Candidate, ...], bool] = (0.0, (), False)
        for reading in ranking.readings:
            scored = (
                Candidate(ranked.page_id, self.model.probability(ranked.evidence))
                for ranked in reading.pages
            )
            candidates = tuple(sorted(scored, key=lambda c: -c.score))[:MAX_CANDIDATES]
            exact = reading.exact is not None
            if reading.exact is not None:
                candidates = _first(candidates, reading.exact)
            top = candidates[0].score if candidates else 0.0
            if (exact, top) > (best[2], best[0]):
                best = (top, candidates, exact)
        top, candidates, exact = best
        if not candidates or (top < self.policy.answer_at and not exact):
            return SearchResult(message.text, "fallback", None, top, candidates)
        policy = self.policy
        second = candidates[1].score if len(candidates) > 1 else 0.0
        direct = exact or (top >= policy.direct_at and second < policy.near * top)
        return SearchResult(
            message.text, "answer", candidates[0].id, top, candidates, None, direct=direct
        )

    def passages(self, page_id: str, text: str) -> tuple[Passage, ...]:
        """The passages of page ``page_id`` (paragraphs, list items, table rows) that share
        words with the message ``text``, best first (on a tie, the one earlier on the page).

        The message is read and analysed as :meth:`search` reads it, so a passage matches
        the words the page was found by, typos corrected, synonyms and compound parts
        included. A passage scores the share of the question's IDF mass it holds, plus
        :data:`PHRASE_BONUS` times the share of its consecutive word pairs it has too.
        """
        doc = self._docs.get(page_id)
        message = self.reader.read(text)
        if doc is None or message.smalltalk is not None or not message.sentences:
            return ()
        query = self._query(message.sentences)
        if not query.mass:
            return ()
        pair_mass = sum(mass for _, mass in query.pairs)
        found: list[tuple[float, int, PassageRef]] = []
        for order, (ref, terms, pairs) in enumerate(self._passages[doc]):
            coverage = self._coverage(query, doc, terms)
            if not coverage:
                continue
            together = sum(mass for pair, mass in query.pairs if pair in pairs)
            score = coverage + PHRASE_BONUS * (together / pair_mass if pair_mass else 0.0)
            found.append((score, order, ref))
        found.sort(key=lambda entry: (-entry[0], entry[1]))
        return tuple(Passage(*ref, score=score) for score, _, ref in found)

    # --- ranking -----------------------------------------------------------------------

    def _reading(self, sentences: Sequence[Sentence], analysed: Mapping[str, Terms]) -> Reading:
        query = self._query(sentences, analysed)
        if query.content_mass == 0.0:  # nothing but stop words and question words
            return Reading(())
        tuning = self.tuning
        found = self.index.top(query.positions, query.masses, tuning.candidates_considered)
        best = heapq.nlargest(tuning.candidates_considered, found, key=found.__getitem__)
        scored = {doc: self._measures(query, doc, found[doc]) for doc in best}
        order = sorted(scored, key=lambda d: (-scored[d][0], d))
        specific = query.content_mass / (query.content_mass + tuning.example_smoothing)
        requests = {kind for sentence in sentences for kind in sentence.requests}
        pages = []
        for rank, doc in enumerate(order):
            relevance, example, coverage, title, bm25 = scored[doc]
            other = scored[order[1 if rank == 0 else 0]][0] if len(order) > 1 else 0.0
            evidence = Evidence(
                relevance=relevance,
                example=example,
                coverage=coverage,
                title=title,
                bm25=bm25,
                margin=relevance - other,
                known_share=query.known_share,
                specific=specific,
                topical=query.topical,
                asked_known_share=query.asked_known_share,
                unknown=query.unknown,
                brevity=1.0 / max(query.words, 1),
                place=float(query.asked_place),
                sense=float("sense" in requests),
                it=float("it" in requests),
                fact=float("fact" in requests),
                task=float("task" in requests),
                opinion=float("opinion" in requests),
            )
            pages.append(Ranked(self._page_ids[doc], evidence))
        return Reading(tuple(pages), self._exact.get(query.key) if len(sentences) == 1 else None)

    def _query(
        self, sentences: Sequence[Sentence], analysed: Mapping[str, Terms] | None = None
    ) -> _Query:
        """A reading's weighted terms: each word position with its alternative terms, its
        IDF mass and how well the handbook knows it."""
        tuning = self.tuning
        index = self.index
        positions: list[tuple[tuple[str, float], ...]] = []
        scored: list[tuple[tuple[str, float], ...]] = []
        masses: list[float] = []
        key: list[str] = []
        known = informative = content = topical = 0.0
        asked_known = asked_informative = unknown = 0.0
        words = 0
        asked_place = False
        pairs: list[tuple[tuple[str, str], float]] = []
        for sentence in sentences:
            asks = sentence.role == "question"
            share = 1.0 if asks else tuning.context_weight
            known_share = 1.0 if asks else tuning.context_known_weight
            found = analysed.get(sentence.text) if analysed is not None else None
            tokens, meant, places = found or self.analyzer.question_terms(sentence.text)
            asked_place = asked_place or (asks and places > 0)
            grouped: dict[int, dict[str, Token]] = {}
            for token in tokens:
                if token.pos not in grouped:
                    if len(positions) + len(grouped) == MAX_POSITIONS:
                        break
                    grouped[token.pos] = {}
                terms = grouped[token.pos]
                if token.text not in terms or terms[token.text].weight < token.weight:
                    terms[token.text] = token
            previous: tuple[str, float] | None = None
            for pos, terms in grouped.items():
                first = next(iter(terms.values()))  # the word itself (perhaps corrected)
                weight = first.weight * share
                info = informativeness(
                    meant.get(pos, first.text),
                    tuning.rare_zipf,
                    tuning.common_zipf,
                    tuning.min_informativeness,
                )
                # A position weighs its word's IDF times the word's own weight (a question
                # word or a correction weighs less, a sentence of context too); how well it
                # is known is the best weight relative to that of its known terms (a
                # compound of which only a part is known is partly known). A word no page
                # has weighs by how informative it is.
                prior = tuning.known_prior + (1.0 - tuning.known_prior) * info
                known_terms = [t for t in terms.values() if index.knows(t.text)]
                if index.knows(first.text):
                    mass, knownness = weight * index.idf(first.text) * prior, 1.0
                elif known_terms:
                    mass = share * first.weight * max(index.idf(t.text) for t in known_terms)
                    mass *= prior
                    knownness = max(
                        1.0 if t.kind in WHOLE else min(1.0, t.weight / first.weight)
                        for t in known_terms
                    )
                else:
                    mass, knownness = weight * index.unknown_idf * info, 0.0
                positions.append(tuple((t.text, t.weight * share) for t in terms.values()))
                values = (
                    (t.text, min(mass, t.weight * share * index.idf(t.text))) for t in known_terms
                )
                scored.append(tuple(sorted(values, key=lambda item: -item[1])))
                masses.append(mass)
                informative += first.weight * known_share * info
                known += first.weight * known_share * info * knownness
                if asks:
                    asked_informative += first.weight * info
                    asked_known += first.weight * info * knownness
                    if knownness == 0.0 and first.kind != "question":
                        unknown = max(unknown, info)
                if known_terms:
                    spread = max(index.document_share(t.text) for t in known_terms)
                    topical += share * info * knownness * spread
                if first.kind != "question":
                    content += mass / share
                    words += 1
                    if previous is not None and index.knows(first.text):
                        pairs.append(((previous[0], first.text), min(previous[1], mass)))
                    previous = (first.text, mass) if index.knows(first.text) else None
                key.append(first.text)
        return _Query(
            positions=tuple(positions),
            masses=tuple(masses),
            scored=tuple(scored),
            mass=sum(masses),
            known_share=known / informative if informative else 0.0,
            content_mass=content,
            topical=1.0 - math.exp(-topical),
            asked_known_share=asked_known / asked_informative if asked_informative else 1.0,
            unknown=unknown,
            words=words,
            asked_place=asked_place,
            key=tuple(key),
            pairs=tuple(pairs),
        )

    def _measures(
        self, query: _Query, doc: int, bm25: float
    ) -> tuple[float, float, float, float, float]:
        """A page's relevance and the four measures it is the weighted mean of."""
        tuning = self.tuning
        example = self._nearest_example(query, doc)
        coverage = self._coverage(query, doc)
        title = self._coverage(query, doc, self._titles[doc])
        bm25_share = min(1.0, bm25 / query.mass)
        phrase = self._phrase(query, doc)
        relevance = (
            tuning.example_weight * example
            + tuning.coverage_weight * coverage
            + tuning.title_weight * title
            + tuning.bm25_weight * bm25_share
            + tuning.phrase_weight * phrase
        ) / tuning.total_weight
        return relevance, example, coverage, title, bm25_share

    def _phrase(self, query: _Query, doc: int) -> float:
        """The share of the question's consecutive word pairs (by IDF mass) that follow each
        other in the document too: "coördinerende rol" is one page's, not another's
        "coördineert de samenwerking"."""
        total = found = 0.0
        for pair, mass in query.pairs:
            total += mass
            if self.index.has_pair(pair, doc):
                found += mass
        return found / total if total else 0.0

    def _coverage(self, query: _Query, doc: int, within: frozenset[str] | None = None) -> float:
        """The share of the question's IDF mass that occurs in the document (anywhere, or
        among the terms ``within``)."""
        contains = self.index.contains
        covered = 0.0
        for position in query.scored:
            for term, value in position:
                if term in within if within is not None else contains(term, doc):
                    covered += value
                    break
        return covered / query.mass

    def _nearest_example(self, query: _Query, doc: int) -> float:
        """How well the nearest example question of ``doc`` and the question cover each
        other: the geometric mean of both sides' matched IDF mass, smoothed so that matches
        on words every page shares stay weak."""
        smoothing = self.tuning.example_smoothing
        examples = self.index.examples[doc]
        matched_query: dict[int, float] = {}
        matched_example: dict[int, dict[str, float]] = {}
        for position in query.scored:
            hits: dict[int, float] = {}
            for term, value in position:
                found = examples.terms.get(term)
                if not found:
                    continue
                for number, example_weight in found:
                    hit = value * example_weight
                    if hit > hits.get(number, 0.0):
                        hits[number] = hit
                    terms = matched_example.setdefault(number, {})
                    if hit > terms.get(term, 0.0):
                        terms[term] = hit
            for number, hit in hits.items():
                matched_query[number] = matched_query.get(number, 0.0) + hit
        best = 0.0
        for number, matched in matched_query.items():
            query_side = matched / (query.mass + smoothing)
            example_mass = examples.masses[number] + smoothing
            example_side = min(1.0, sum(matched_example[number].values()) / example_mass)
            best = max(best, (query_side * example_side) ** 0.5)
        return best


def _words_of(tokens: Sequence[Token]) -> list[Token]:
    """The first term at each position: the word itself (perhaps corrected)."""
    firsts: dict[int, Token] = {}
    for token in tokens:
        firsts.setdefault(token.pos, token)
    return list(firsts.values())


def _first(candidates: tuple[Candidate, ...], page_id: str) -> tuple[Candidate, ...]:
    """The candidates with ``page_id`` first, certain: the question is its example."""
    others = tuple(c for c in candidates if c.id != page_id)
    return (Candidate(page_id, 1.0), *others)[:MAX_CANDIDATES]


def passage_texts(page: Page) -> Iterator[tuple[PassageRef | None, str]]:
    """A page's body as texts (paragraphs, lists, table rows and tools), each with where it
    stands when it is a passage that can answer on its own (titles and tools are not)."""
    for number, paragraph in enumerate(page.text):
        yield ("paragraph", 0, number), paragraph
    for group, item_list in enumerate(page.lists):
        yield None, item_list.title
        for number, item in enumerate(item_list.items):
            yield ("item", group, number), item
    for group, table in enumerate(page.tables):
        if table.title:
            yield None, table.title
        yield None, " ".join(table.columns)
        for number, row in enumerate(table.rows):
            yield ("row", group, number), " ".join(row)
    for tool in page.tools:
        yield None, tool.name if not tool.description else f"{tool.name}. {tool.description}"


def body_texts(page: Page) -> Iterable[str]:
    """A page's body as texts: paragraphs, lists, table rows and tools."""
    return (text for _, text in passage_texts(page))


def page_texts(page: Page) -> Sequence[str]:
    """Every text of a page, as the index reads it."""
    return (page.title, page.summary, *page.questions, *body_texts(page))
