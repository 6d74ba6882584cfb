"""The analysis chain assembled for one knowledge base: the same steps for pages and questions.

Pages run ``normalize → tokenize → fold → stop → abbreviations → decompound → stem``.
Questions run the same steps plus typo correction (before decompounding) and synonyms
(after stemming): both only add what the knowledge base itself knows.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from polbot.search.analysis import (
    Stemmer,
    Token,
    base_forms,
    correct,
    decompound,
    expand_abbreviations,
    expand_synonyms,
    fold,
    fold_word,
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
    word_frequencies,
)

DEFAULT_STEMMER = "dutch_porter"
# Words whose analysis is remembered; a bound keeps memory flat under hostile input.
CACHE_SIZE = 50_000
# An unknown word this long that begins a vocabulary compound stands in for it ("vroeg" for
# "vroegtijdige"); shorter ones begin too many unrelated words ("weer", "weerbaarheid").
MIN_PREFIX = 5
# A compound's parts stand in for it at this weight. A compound that is itself a common
# Dutch word the handbook does not use means something of its own ("gemeentehuis" is no
# "gemeente", "parkeerkaart" no "kaart"): its parts say less.
COMPOUND_WEIGHT = 0.6
COMMON_COMPOUND_WEIGHT = 0.3


def words(
    text: str, stopwords: frozenset[str], weak: frozenset[str] = frozenset()
) -> Iterator[Token]:
    """The folded content words of a text (question words weakened), before any
    vocabulary-based step."""
    return weaken(stop(fold(tokenize(normalize(text))), stopwords), weak)


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
    ) -> None:
        data = dutch()
        self._stopwords = data.stopwords
        self._weak = data.question_words
        self.stemmer = Stemmer(algorithm, data.stem_overrides)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t.text for t in words(text, self._stopwords) if t.text.isalpha())
        self._surface = frozenset(counts)
        self._sorted_surface = sorted(counts)
        self._stems = frozenset(self.stemmer(w) for w in counts)
        self._abbreviations = {
            fold_word(short): tuple(t.text for t in words(long, self._stopwords))
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
        self._page_cache: dict[str, Sequence[Token]] = {}
        self._question_cache: dict[str, Sequence[Token]] = {}
        self._corrected: dict[str, str] = {}  # question word -> its typo correction
        self._synonyms = self._synonym_table(synonyms)
        self._longest_synonym = max((len(member) for member in self._synonyms), default=0)

    def _known_part(self, part: str) -> bool:
        # A compound's parts mostly appear in their base form ("signalering", "jongeren"),
        # which is a word or a stem of the vocabulary; not stemming the many candidate
        # parts keeps building the index fast.
        return part not in self._stopwords and (part in self._surface or part in self._stems)

    def known(self, word: str) -> bool:
        """Whether a folded word (or its stem) occurs in the indexed texts."""
        return word in self._surface or self.stemmer(word) in self._stems

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
        if self.known(word) or word in self._abbreviations:
            return None
        if is_common_word(word):
            return None  # a real Dutch word the handbook does not use: not a typo
        # A rare inflection the stemmer leaves apart ("weerbaarder") is its base word; a
        # common word is a word of its own ("gedicht" is not "dichten").
        for form in base_forms(word):
            if self.known(form):
                return form
        # A rare word near a vocabulary word is a typo ("risicoanalise"), unless it is
        # nearer to a common Dutch word ("vandazag" is "vandaag", not "vandaan"); one that
        # is neither may still be a compound of known parts, which decompounding finds next.
        handbook = self._corrector.nearest(word)
        if handbook is not None and handbook[1] <= 1:
            return handbook[0]  # no common word is nearer: this one is not listed
        common = common_word_corrector().nearest(word)
        if common is not None and (handbook is None or common[1] < handbook[1]):
            return common[0]
        return None if handbook is None else handbook[0]

    def _synonym_table(
        self, groups: Sequence[Sequence[str]]
    ) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
        for group in groups:
            members = [tuple(t.text for t in self.page(m) if t.weight == 1.0) for m in group]
            members = [m for m in dict.fromkeys(members) if m]
            for member in members:
                # A phrase stands in as its longest (most specific) word: "coördinerende
                # rol" adds "coordinatie", not "rol" (which would match any role).
                others = tuple((max(o, key=len),) for o in members if o != member)
                table[member] = tuple(dict.fromkeys(table.get(member, ()) + others))
        return table

    def page(self, text: str) -> Iterator[Token]:
        """The terms of a page's text."""
        return self._expand(text, self._page_word)

    def question(self, text: str) -> Iterator[Token]:
        """The terms of a question, with corrections, compound parts and synonyms."""
        return iter(self.question_terms(text)[0])

    def question_terms(self, text: str) -> tuple[list[Token], dict[int, str]]:
        """The terms of a question (as :meth:`question`), and the folded word at each
        position as the user meant it: as typed, or as corrected."""
        meant: dict[int, str] = {}

        def terms() -> Iterator[Token]:
            for token in words(text, self._stopwords, self._weak):
                found = self._question_word(token.text)
                meant.setdefault(token.pos, self._corrected.get(token.text, token.text))
                for term in found:
                    yield Token(term.text, token.pos, token.weight * term.weight)

        expanded = list(expand_synonyms(terms(), self._synonyms, self._longest_synonym))
        return expanded, meant

    def _expand(self, text: str, chain: Callable[[str], Sequence[Token]]) -> Iterator[Token]:
        for token in words(text, self._stopwords, self._weak):
            for term in chain(token.text):
                yield Token(term.text, token.pos, token.weight * term.weight)

    # The word-level steps depend on the word alone, so their result is cached per word:
    # a question costs one dictionary look-up per word it shares with earlier questions.

    def _page_word(self, word: str) -> Sequence[Token]:
        found = self._page_cache.get(word)
        if found is None:
            tokens = expand_abbreviations([Token(word, 0)], self._abbreviations)
            found = tuple(stem(decompound(tokens, self._split), self.stemmer, {}))
            self._remember(self._page_cache, word, found)
        return found

    def _question_word(self, word: str) -> Sequence[Token]:
        found = self._question_cache.get(word)
        if found is None:
            tokens = expand_abbreviations([Token(word, 0)], self._abbreviations)
            tokens = list(correct(tokens, self._correction))
            if tokens[0].text != word and len(self._corrected) < CACHE_SIZE:
                self._corrected[word] = tokens[0].text
            if tokens[0].text in self._stopwords:
                found = ()  # a misspelt stop word
            else:
                weight = self._part_weight(tokens[0].text)
                found = tuple(
                    stem(decompound(tokens, self._question_split, weight), self.stemmer, {})
                )
            self._remember(self._question_cache, word, found)
        return found

    def _part_weight(self, word: str) -> float:
        """The weight of a question word's compound parts: lower for a common Dutch word
        the handbook lacks ("gemeentehuis" is no "gemeente")."""
        if word in word_frequencies() and not self.known(word):
            return COMMON_COMPOUND_WEIGHT
        return COMPOUND_WEIGHT

    @staticmethod
    def _remember(cache: dict[str, Sequence[Token]], word: str, tokens: Sequence[Token]) -> None:
        if len(cache) < CACHE_SIZE:
            cache[word] = tokens
