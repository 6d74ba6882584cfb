"""The analysis chain assembled for one knowledge base: the same steps for pages and questions.

Pages run ``normalize → tokenize → fold → stop → abbreviations → decompound → stem``.
Questions run the same steps plus typo correction (before decompounding) and synonyms
(after stemming): both only add what the knowledge base itself knows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from polbot.search.analysis import (
    Stemmer,
    Token,
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
)
from polbot.search.lexicon import Decompounder, SpellingCorrector, common_words, dutch

DEFAULT_STEMMER = "dutch_porter"


def words(text: str, stopwords: frozenset[str]) -> Iterator[Token]:
    """The folded content words of a text, before any vocabulary-based step."""
    return stop(fold(tokenize(normalize(text))), stopwords)


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
        self.stemmer = Stemmer(algorithm, data.stem_overrides)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(t.text for t in words(text, self._stopwords) if t.text.isalpha())
        self._surface = frozenset(counts)
        self._stems = frozenset(self.stemmer(w) for w in counts)
        self._abbreviations = {
            fold_word(short): tuple(t.text for t in words(long, self._stopwords))
            for short, long in (abbreviations or {}).items()
        }
        self._split = Decompounder(self._known_part, data.compound_links)
        extra = [w for group in synonyms for member in group for w in member.split()]
        vocabulary = [w for w, _ in counts.most_common()]
        vocabulary += [fold_word(w) for w in (*extra, *self._abbreviations) if w.isalpha()]
        self._corrector = SpellingCorrector(vocabulary)
        self._synonyms = self._synonym_table(synonyms)

    def _known_part(self, part: str) -> bool:
        return part not in self._stopwords and (
            part in self._surface or self.stemmer(part) in self._stems
        )

    def known(self, word: str) -> bool:
        """Whether a folded word (or its stem) occurs in the indexed texts."""
        return word in self._surface or self.stemmer(word) in self._stems

    def _correction(self, word: str) -> str | None:
        if self.known(word) or word in self._abbreviations or self._split(word):
            return None
        if len(word) >= 5 and word in common_words():
            return None  # a real Dutch word the handbook does not use: not a typo
        return self._corrector(word)

    def _synonym_table(
        self, groups: Sequence[Sequence[str]]
    ) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
        for group in groups:
            members = [tuple(t.text for t in self.page(m) if t.weight == 1.0) for m in group]
            members = [m for m in dict.fromkeys(members) if m]
            for member in members:
                others = tuple(o for o in members if o != member)
                table[member] = tuple(dict.fromkeys(table.get(member, ()) + others))
        return table

    def page(self, text: str) -> Iterator[Token]:
        """The terms of a page's text."""
        tokens = words(text, self._stopwords)
        tokens = expand_abbreviations(tokens, self._abbreviations)
        return stem(decompound(tokens, self._split), self.stemmer, {})

    def question(self, text: str) -> Iterator[Token]:
        """The terms of a question, with corrections, compound parts and synonyms."""
        tokens = words(text, self._stopwords)
        tokens = correct(expand_abbreviations(tokens, self._abbreviations), self._correction)
        tokens = stem(decompound(tokens, self._split), self.stemmer, {})
        return expand_synonyms(tokens, self._synonyms)
