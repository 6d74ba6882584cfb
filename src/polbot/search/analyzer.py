"""The analysis chain assembled for one knowledge base: the same steps for pages and questions.

The chains, in order (each step is a filter of :mod:`polbot.search.analysis`)::

    page      normalize → tokenize → fold → stop → weaken
              → per word: abbreviations → decompound → stem
    question  normalize → tokenize → mark places → mark names → fold → stop → weaken
              → drop places
              → per word: abbreviations → correct (not names) → decompound → stem
              → synonyms

A question's extra steps (typo correction, synonyms, and compound parts that may stand for
an unknown word) only add what the knowledge base itself knows. A town or district the
handbook does not know ("in Culemborg", "Capelle aan den IJssel") says nothing about the
topic and is dropped; a name (a word capitalised inside a sentence: a person, a platform, an
organisation) is kept as a word but never looked up as a typo. The per-word steps depend
on the word alone, so each chain's word step is cached as a whole, returning everything it
computes: a question's result never depends on what was asked before.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from polbot.search.analysis import (
    CACHE_SIZE,
    Stemmer,
    Token,
    base_forms,
    correct,
    decompound,
    expand_abbreviations,
    expand_synonyms,
    fold,
    fold_word,
    is_separable_participle,
    mark_names,
    mark_places,
    normalize,
    stem,
    stop,
    tokenize,
    weaken,
)
from polbot.search.lexicon import (
    Decompounder,
    SpellingCorrector,
    common_word_corrector,
    dutch,
    is_common_word,
    is_everyday_word,
    word_frequencies,
)
from polbot.search.tuning import WEIGHTS, Weights

DEFAULT_STEMMER = "dutch_porter"
# An unknown word this long that begins a vocabulary compound stands in for it ("vroeg" for
# "vroegtijdige"); shorter ones begin too many unrelated words ("weer", "weerbaarheid").
MIN_PREFIX = 5


def words(
    text: str,
    stopwords: frozenset[str],
    weak: frozenset[str] = frozenset(),
    weights: Weights = WEIGHTS,
    *,
    known: Callable[[str], bool] | None = None,
) -> Iterator[Token]:
    """The head both chains share: the folded content words of a text, question words
    marked, before any vocabulary-based step. With ``known`` (what the knowledge base
    knows) places and names are marked too, as a question's words need."""
    tokens = tokenize(normalize(text), weights.hyphen_part)
    if known is not None:
        data = dutch()
        tokens = mark_places(tokens, data.places, is_everyday_word, known, data.locatives)
        tokens = mark_names(tokens)
    tokens = fold(tokens)
    tokens = stop(tokens, stopwords)
    return weaken(tokens, weak, weights.question_word)


@dataclass(frozen=True, slots=True)
class QuestionWord:
    """A question word after the per-word steps: the folded word as the user meant it (as
    typed, or corrected) and its terms."""

    meant: str
    terms: tuple[Token, ...]


class Analyzer:
    """Turns text into weighted terms, knowing the vocabulary of the indexed texts.

    >>> analyzer = Analyzer(["Train de juiste mensen voor signalering in netwerken"])
    >>> [t.text for t in analyzer.question("signaleringsnetwerk mensne")]
    ['signaleringsnetwerk', 'signaler', 'netwerk', 'mens']
    """

    def __init__(
        self,
        texts: Iterable[str],
        *,
        synonyms: Sequence[Sequence[str]] = (),
        abbreviations: Mapping[str, str] | None = None,
        algorithm: str = DEFAULT_STEMMER,
        weights: Weights = WEIGHTS,
    ) -> None:
        data = dutch()
        self.weights = weights
        self._stopwords = data.stopwords
        self._weak = data.question_words
        self.stemmer = Stemmer(algorithm, data.stem_overrides)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t.text for t in self._words(text) if t.text.isalpha())
        self._surface = frozenset(counts)
        self._sorted_surface = sorted(counts)
        self._stems = frozenset(self.stemmer(w) for w in counts)
        self._abbreviations = {
            fold_word(short): tuple(t.text for t in self._words(long))
            for short, long in (abbreviations or {}).items()
        }
        self._split = Decompounder(self._known_part, data.compound_links)
        extra = [w for group in synonyms for member in group for w in member.split()]
        vocabulary = [w for w, _ in counts.most_common()]
        vocabulary += [fold_word(w) for w in (*extra, *self._abbreviations) if w.isalpha()]
        # The other forms of the handbook's words that the stem overrides name ("evalueren",
        # "coordinatie"), and, last, stop words: "egenlijk" is "eigenlijk", not a topic.
        family = (w for pair in data.stem_overrides.items() for w in pair)
        vocabulary += [w for w in family if self.stemmer(w) in self._stems]
        vocabulary += sorted(self._stopwords)
        self._corrector = SpellingCorrector(vocabulary)
        self._page_word = lru_cache(maxsize=CACHE_SIZE)(self._page_word_steps)
        self._question_word = lru_cache(maxsize=CACHE_SIZE)(self._question_word_steps)
        self._synonyms = self._synonym_table(synonyms)
        self._synonym_words = frozenset(fold_word(w) for w in extra)
        self._longest_synonym = max((len(member) for member in self._synonyms), default=0)

    # --- the chains --------------------------------------------------------------------

    def page(self, text: str) -> Iterator[Token]:
        """The terms of a page's text."""
        for token in self._words(text):
            yield from _at(token, self._page_word(token.text))

    def question(self, text: str) -> Iterator[Token]:
        """The terms of a question, with corrections, compound parts and synonyms."""
        return iter(self.question_terms(text)[0])

    def question_terms(self, text: str) -> tuple[list[Token], dict[int, str], int]:
        """The terms of a question (as :meth:`question`), the folded word at each position
        as the user meant it (as typed, or as corrected), and how many words of the places
        it is about it named (set aside, as the places it is asked from are)."""
        meant: dict[int, str] = {}
        tokens: list[Token] = []
        places = 0
        for token in self._words(text, known=self._known_word):
            if token.kind in ("place", "location"):
                places += token.kind == "place" and token.weight == 1.0
                continue
            word = self._question_word(token.text, token.kind != "name")
            meant.setdefault(token.pos, word.meant)
            tokens += _at(token, word.terms)
        expanded = expand_synonyms(
            tokens, self._synonyms, self._longest_synonym, self.weights.synonym
        )
        return list(expanded), meant, places

    def _words(self, text: str, known: Callable[[str], bool] | None = None) -> Iterator[Token]:
        return words(text, self._stopwords, self._weak, self.weights, known=known)

    def _page_word_steps(self, word: str) -> tuple[Token, ...]:
        weights = self.weights
        tokens: Iterable[Token] = [Token(word, 0)]
        tokens = expand_abbreviations(tokens, self._abbreviations, weights.abbreviation)
        tokens = decompound(tokens, self._split, weights.compound_part)
        return tuple(stem(tokens, self.stemmer, {}))

    def _question_word_steps(self, word: str, correctable: bool = True) -> QuestionWord:
        weights = self.weights
        tokens: Iterable[Token] = [Token(word, 0)]
        tokens = expand_abbreviations(tokens, self._abbreviations, weights.abbreviation)
        corrector = self._correction if correctable else _no_correction
        tokens = list(correct(tokens, corrector, weights.correction))
        meant = tokens[0].text
        if meant in self._stopwords:
            return QuestionWord(meant, ())  # a misspelt stop word
        tokens = decompound(tokens, self._question_split, self._part_weight(meant))
        return QuestionWord(meant, tuple(stem(tokens, self.stemmer, {})))

    # --- vocabulary --------------------------------------------------------------------

    def _known_part(self, part: str) -> bool:
        # A compound's parts mostly appear in their base form ("signalering", "jongeren"),
        # which is a word or a stem of the vocabulary; not stemming the many candidate
        # parts keeps building the index fast.
        return part not in self._stopwords and (part in self._surface or part in self._stems)

    def known(self, word: str) -> bool:
        """Whether a folded word (or its stem) occurs in the indexed texts."""
        return word in self._surface or self.stemmer(word) in self._stems

    def _known_word(self, word: str) -> bool:
        """Whether a folded word means something to the knowledge base: a word of its texts,
        an abbreviation, or a word of a synonym group."""
        return self.known(word) or word in self._abbreviations or word in self._synonym_words

    def _question_split(self, word: str) -> tuple[str, ...]:
        """A question word's compound parts; or, for an unknown word that begins a
        compound of the vocabulary ("vroeg" in "vroegtijdige"), that compound."""
        parts = self._split(word)
        if parts or len(word) < MIN_PREFIX or self.known(word):
            return parts
        start = bisect.bisect_left(self._sorted_surface, word)
        if start < len(self._sorted_surface) and self._sorted_surface[start].startswith(word):
            return (self._sorted_surface[start],)
        return ()

    def _correction(self, word: str) -> str | None:
        if self._known_word(word):
            return None  # a word of the pages, an abbreviation or a synonym is no typo
        common = is_common_word(word)
        # A rare inflection the stemmer leaves apart ("weerbaarder") is its base word; a
        # common word is a word of its own ("gedicht" is not "dichten"), but for the
        # participle of a separable verb ("vrijgemaakt" of "vrijmaken", "opgezet").
        if not common or is_separable_participle(word):
            for form in base_forms(word):
                if self._known_word(form):
                    return form
        if common:
            return None  # a real Dutch word the handbook does not use: not a typo
        # A rare word near a vocabulary word is a typo ("risicoanalise"), unless it is
        # nearer to a common Dutch word ("vandazag" is "vandaag", not "vandaan"); one that
        # is neither may still be a compound of known parts, which decompounding finds next.
        handbook = self._corrector.nearest(word)
        if handbook is not None and handbook[1] <= 1:
            return handbook[0]  # no common word is nearer: this one is not listed
        everyday = common_word_corrector().nearest(word)
        if everyday is not None and (handbook is None or everyday[1] < handbook[1]):
            return everyday[0]
        return None if handbook is None else handbook[0]

    def _part_weight(self, word: str) -> float:
        """The weight of a question word's compound parts: lower for a common Dutch word
        the handbook lacks ("gemeentehuis" is no "gemeente")."""
        if word in word_frequencies() and not self.known(word):
            return self.weights.common_compound_part
        return self.weights.compound_part

    def _synonym_table(
        self, groups: Sequence[Sequence[str]]
    ) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
        frequencies = word_frequencies()
        for group in groups:
            members: dict[tuple[str, ...], str] = {}
            for phrase in group:
                # A phrase stands in as its most telling word, the one least common in
                # Dutch: "in kaart brengen" adds "kaart", not "brengen"; "coördinerende rol"
                # adds "coordinerend", not "rol" (which would match any role).
                terms = [(t.text, frequencies.get(t.text, 0.0)) for t in self._words(phrase)]
                stems = tuple(
                    term for t in self.page(phrase) if t.kind == "word" for term in [t.text]
                )
                if stems:
                    surface = min(terms, key=lambda pair: pair[1])[0] if terms else stems[0]
                    members.setdefault(stems, self.stemmer(surface))
            for member in members:
                others = tuple((telling,) for other, telling in members.items() if other != member)
                table[member] = tuple(dict.fromkeys(table.get(member, ()) + others))
        return table


def _no_correction(word: str) -> None:
    return None


def _at(word: Token, terms: Sequence[Token]) -> list[Token]:
    """A word's terms at the word's position, weighed by the word's own weight; a term that
    is the word itself keeps the word's kind (a question word stays one)."""
    return [
        Token(t.text, word.pos, word.weight * t.weight, word.kind if t.kind == "word" else t.kind)
        for t in terms
    ]
