"""The search engine: a question to the handbook page that answers it, or an honest fallback.

Every page is a document with weighted fields (title and example questions above summary
and body); every smalltalk intent is a document of its examples. For a question the engine
takes the best documents by BM25F, then scores each by three measures that each lie in
0..1 and so mean the same for every question:

- *example*: how well the nearest example question (or the title) and the question cover
  each other, weighted by IDF; this is what generalises paraphrases;
- *coverage*: how much of the question's IDF mass the page's text holds at all;
- *bm25*: the BM25F score over the question's IDF mass.

The confidence is that relevance times the share of the question that the handbook knows
at all, each word weighed by how informative it is in general Dutch (a rare word weighs
fully, an everyday one little): a question whose carrying words no page uses
("parkeervergunning", "uittreksel") gets a low confidence however well its other words
match, while an everyday word the handbook happens not to use ("betekenis") hardly
matters. A word no page has weighs by that informativeness in the relevance too. Words
every page shares have almost no IDF, so a question of only such words carries little
mass and cannot win by accident.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from polbot.knowledge.model import KnowledgeBase, Page
from polbot.search.analysis import Token
from polbot.search.analyzer import DEFAULT_STEMMER, Analyzer
from polbot.search.index import FieldSpec, Index, Position
from polbot.search.lexicon import informativeness
from polbot.search.result import Candidate, SearchResult
from polbot.search.smalltalk import SmalltalkMatcher

# Questions are short; a pasted document is cut here so every search takes bounded time.
MAX_QUESTION_CHARS = 500
MAX_POSITIONS = 40
# Smalltalk is short: longer questions are not compared with its examples.
SMALLTALK_WORDS = 6
# The share of a question's IDF mass a smalltalk intent's examples must cover.
WHOLE_QUESTION = 0.8

FIELDS = {
    "title": FieldSpec(weight=3.0, b=0.5),
    "questions": FieldSpec(weight=2.5, b=0.75),
    "summary": FieldSpec(weight=1.5, b=0.75),
    "body": FieldSpec(weight=1.0, b=0.75),
}


@dataclass(frozen=True)
class Tuning:
    """The engine's weights and thresholds, measured on the dev and own held-out sets and on
    leave-one-out over the example questions (scripts/search_figures.py)."""

    example_weight: float = 0.5
    coverage_weight: float = 0.4
    bm25_weight: float = 0.2
    # The title names a page's topic: a question about that topic leans towards it.
    title_weight: float = 0.15
    # IDF mass added to both sides of an example match, so that matches on words every
    # page shares stay weak.
    example_smoothing: float = 0.5
    # Below this confidence the handbook has no answer.
    answer_threshold: float = 0.2
    # Below this share of the question's informative words known to the handbook, the
    # question is out of scope.
    min_known_share: float = 0.55
    # A word known through an alternative of at least this weight (a typo correction)
    # counts as known; a weaker one (a synonym, a compound's part) as partly known.
    known_at: float = 0.9
    # A known word's mass is its IDF among the pages times known_prior + (1 - known_prior)
    # x its informativeness: with 19 pages the IDF alone is noisy, and an everyday word that
    # one page happens to use ("betekent") should not outweigh the topic.
    known_prior: float = 0.6
    # How informative a word is, from its general Dutch frequency (Zipf scale): fully at or
    # below rare_zipf, down to min_informativeness at common_zipf. It weighs the words in
    # the known share, and the mass of a word the handbook does not know.
    rare_zipf: float = 3.0
    common_zipf: float = 5.5
    min_informativeness: float = 0.1
    # An answer under this confidence, or this close to the second page, is doubtful.
    sure_threshold: float = 0.3
    min_margin: float = 0.18
    # A smalltalk intent wins when its nearest example matches at least this well.
    smalltalk_threshold: float = 0.6
    candidates_considered: int = 8

    @property
    def total_weight(self) -> float:
        return self.example_weight + self.coverage_weight + self.title_weight + self.bm25_weight


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
    """The IDF mass of the words that name a topic (not question words)."""


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
        stemmer: str = DEFAULT_STEMMER,
    ) -> None:
        self.tuning = tuning or Tuning()
        pages = kb.pages
        texts = [text for page in pages for text in page_texts(page)]
        texts += [example for intent in kb.smalltalk for example in intent.examples]
        self.analyzer = Analyzer(
            texts, synonyms=kb.synonyms, abbreviations=kb.abbreviations, algorithm=stemmer
        )
        analyse = self._analyse_page_text
        documents = (
            {
                "title": [analyse(page.title)],
                "questions": [analyse(q) for q in page.questions],
                "summary": [analyse(page.summary)],
                "body": [analyse(t) for t in body_texts(page)],
            }
            for page in pages
        )
        chats = ({"questions": [analyse(e) for e in i.examples]} for i in kb.smalltalk)
        self.index = Index(itertools.chain(documents, chats), FIELDS)
        self._titles = [frozenset(t.text for t in analyse(page.title)) for page in pages]
        self._titles += [frozenset()] * len(kb.smalltalk)
        self._page_ids = tuple(page.id for page in pages)
        self._smalltalk_ids = tuple(intent.id for intent in kb.smalltalk)
        self.smalltalk = SmalltalkMatcher(kb.smalltalk)

    def _analyse_page_text(self, text: str) -> list[Token]:
        return list(self.analyzer.page(text))

    def search(self, text: str) -> SearchResult:
        """Rank the pages for a question and decide: answer, smalltalk or fallback."""
        query = self._query(text)
        if query.content_mass == 0.0:  # nothing but stop words and question words
            intent, score = self.smalltalk.match(text)
            if intent is not None:
                return SearchResult(text, "smalltalk", None, score, (), intent)
            return SearchResult(text, "fallback", None, 0.0, ())
        tuning = self.tuning
        found = self.index.top(query.positions, query.masses, tuning.candidates_considered)
        first_smalltalk = len(self._page_ids)
        best = heapq.nlargest(tuning.candidates_considered, found, key=found.__getitem__)
        docs = set(best) | set(range(first_smalltalk, self.index.size))
        relevance = {doc: self._relevance(query, doc, found.get(doc, 0.0)) for doc in docs}
        pages = sorted(
            (d for d in relevance if d < first_smalltalk), key=lambda d: (-relevance[d], d)
        )
        chats = sorted(
            (d for d in relevance if d >= first_smalltalk), key=lambda d: (-relevance[d], d)
        )
        # Confidence: relevance, discounted for words the handbook does not know and for
        # a question too generic to single out a page ("polarisatie", "gemeente").
        content = query.content_mass
        specific = content / (content + tuning.example_smoothing)
        confidence = {d: relevance[d] * query.known_share * specific for d in pages}
        candidates = tuple(Candidate(self._page_ids[d], confidence[d]) for d in pages[:3])
        top = confidence[pages[0]] if pages else 0.0

        intent, chat_score = self.smalltalk.match(text)
        for chat in chats if len(query.positions) <= SMALLTALK_WORDS else ():
            # Smalltalk must be all smalltalk: its examples cover the whole question.
            score = self._coverage(query, chat)
            if score >= WHOLE_QUESTION and score > chat_score:
                intent, chat_score = self._smalltalk_ids[chat - first_smalltalk], score
        if intent is not None and chat_score >= max(tuning.smalltalk_threshold, top):
            return SearchResult(text, "smalltalk", None, chat_score, candidates, intent)
        if not pages or query.known_share < tuning.min_known_share:
            return SearchResult(text, "fallback", None, top, candidates)
        if top < tuning.answer_threshold:
            return SearchResult(text, "fallback", None, top, candidates)
        second = confidence[pages[1]] if len(pages) > 1 else 0.0
        doubtful = top < tuning.sure_threshold or (top - second) / top < tuning.min_margin
        return SearchResult(text, "answer", candidates[0].id, top, candidates, None, doubtful)

    def _query(self, text: str) -> _Query:
        text = text[:MAX_QUESTION_CHARS]
        grouped: dict[int, dict[str, float]] = {}
        primary: dict[int, Token] = {}
        tokens, surface = self.analyzer.question_terms(text)
        for token in tokens:
            if token.pos not in grouped:
                if len(grouped) == MAX_POSITIONS:
                    break
                grouped[token.pos] = {}
                primary[token.pos] = token
            terms = grouped[token.pos]
            terms[token.text] = max(terms.get(token.text, 0.0), token.weight)
        tuning = self.tuning
        index = self.index
        positions, masses, scored = [], [], []
        known = informative = content = 0.0
        for pos, terms in grouped.items():
            first = primary[pos]
            word, weight = first.text, first.weight
            info = informativeness(
                surface.get(pos, word),
                tuning.rare_zipf,
                tuning.common_zipf,
                tuning.min_informativeness,
            )
            # A position weighs its word's IDF times the word's own weight (a question
            # word or a correction weighs less); how well it is known is the best weight
            # relative to that of its known terms (a compound of which only a part is known
            # is partly known). A word no page has weighs by how informative it is.
            prior = tuning.known_prior + (1.0 - tuning.known_prior) * info
            if index.knows(word):
                mass, knownness = weight * index.idf(word) * prior, 1.0
            else:
                known_alts = [(index.idf(t), w) for t, w in terms.items() if index.knows(t)]
                if known_alts:
                    mass = weight * max(i for i, _ in known_alts) * prior
                    knownness = min(1.0, max(w for _, w in known_alts) / weight / tuning.known_at)
                else:
                    mass, knownness = weight * index.unknown_idf * info, 0.0
            positions.append(tuple(terms.items()))
            values = ((t, min(mass, w * index.idf(t))) for t, w in terms.items() if index.knows(t))
            scored.append(tuple(sorted(values, key=lambda item: -item[1])))
            masses.append(mass)
            informative += weight * info
            known += weight * info * knownness
            content += mass if first.kind != "question" else 0.0
        total = sum(masses)
        share = known / informative if informative else 0.0
        return _Query(tuple(positions), tuple(masses), tuple(scored), total, share, content)

    def _relevance(self, query: _Query, doc: int, bm25: float) -> float:
        tuning = self.tuning
        weighted = (
            tuning.example_weight * self._nearest_example(query, doc)
            + tuning.coverage_weight * self._coverage(query, doc)
            + tuning.title_weight * self._coverage(query, doc, self._titles[doc])
            + tuning.bm25_weight * min(1.0, bm25 / query.mass)
        )
        return weighted / tuning.total_weight

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


def body_texts(page: Page) -> Iterable[str]:
    """A page's body as texts: paragraphs, lists, table rows and tools."""
    yield from page.text
    for item_list in page.lists:
        yield item_list.title
        yield from item_list.items
    for table in page.tables:
        if table.title:
            yield table.title
        yield " ".join(table.columns)
        yield from (" ".join(row) for row in table.rows)
    for tool in page.tools:
        yield tool.name if not tool.description else f"{tool.name}. {tool.description}"


def page_texts(page: Page) -> Sequence[str]:
    """Every text of a page, as the index reads it."""
    return (page.title, page.summary, *page.questions, *body_texts(page))
