"""The analysis chain: small composable steps that turn Dutch text into index terms.

Each step is a generator over :class:`Token` (Whoosh style), so a chain is plain function
composition and each step can be tested alone. Pages and questions run through the same
steps; a question additionally gets typo correction, synonyms and abbreviations (see
:class:`Analyzer`).

A token keeps the position of the word it came from: expansions (compound parts, synonyms,
the words of an abbreviation) are *alternatives* at that position with a lower weight, so
the engine can tell how much of a question a page covers, word by word.

>>> tokens = stop(fold(tokenize("De gemeenten trainen hun wijkagenten")), {"de", "hun"})
>>> [t.text for t in stem(tokens, "dutch_porter", {})]
['gemeent', 'train', 'wijkagent']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Literal, NamedTuple

import snowballstemmer

from polbot.search.tuning import WEIGHTS

Kind = Literal[
    "word",
    "question",
    "name",
    "place",
    "location",
    "part",
    "abbreviation",
    "correction",
    "synonym",
]
"""What a term is to the word it stands at: the ``word`` itself (a ``question`` word such as
"wie" or "hoe" is one that hints at the kind of answer, a ``name`` one capitalised inside a
sentence, a ``place`` a town or district the question is about, a ``location`` one it is
asked from: "in Tiel"), a ``part`` of a compound or hyphenated word, the expansion of an
``abbreviation``, the ``correction`` of a typo, or a ``synonym``."""

# Kinds that stand for the whole word as the user meant it (not a part or a relative).
WHOLE: frozenset[str] = frozenset(
    {"word", "question", "name", "place", "location", "abbreviation", "correction"}
)


class Token(NamedTuple):
    """One term at a word position, with its weight next to the word itself (1.0)."""

    text: str
    pos: int
    weight: float = 1.0
    kind: Kind = "word"


# An e-mail address, or a word: letters and digits, with inner hyphens or apostrophes
# (e-learning, 5G-zendmasten, zwart-wit, auto's).
TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\w+(?:[-'’]\w+)*")
_UNDERSCORES = re.compile(r"_+")
_NUMBER = re.compile(r"[\d.,'’-]+")
# A token longer than any Dutch word is noise (a pasted hash, a key); drop it early.
MAX_TOKEN_LENGTH = 40
# Words whose analysis a step remembers: the bound keeps memory flat under hostile input.
CACHE_SIZE = 65_536


def normalize(text: str) -> str:
    """Unicode NFKC: full-width letters, ligatures and compatibility forms become plain.

    >>> normalize("ﬁnanciële")
    'financiële'
    """
    return unicodedata.normalize("NFKC", text)


def tokenize(text: str, part_weight: float = WEIGHTS.hyphen_part) -> Iterator[Token]:
    """Words and e-mail addresses, keeping inner hyphens; parts of a hyphenated word follow
    as alternatives at the same position.

    >>> [t.text for t in tokenize("KIS e-learning, mail info@var.nl!")]
    ['KIS', 'e-learning', 'e', 'learning', 'mail', 'info@var.nl']
    """
    for pos, match in enumerate(TOKEN.finditer(_UNDERSCORES.sub(" ", text))):
        word = match.group()
        if len(word) > MAX_TOKEN_LENGTH:
            continue
        yield Token(word, pos)
        if "@" not in word and ("-" in word or "'" in word or "’" in word):
            for part in re.split(r"[-'’]", word):
                if part:
                    yield Token(part, pos, part_weight, "part")


def mark_names(tokens: Iterable[Token]) -> Iterator[Token]:
    """Mark a word capitalised inside a sentence as a possible name ("in Culemborg", "van
    Bart Brandsma"); not the first word, nor one in capitals (an abbreviation: "KIS").

    >>> [(t.text, t.kind) for t in mark_names(tokenize("Wij in Culemborg en de KIS"))][:3]
    [('Wij', 'word'), ('in', 'word'), ('Culemborg', 'name')]
    """
    for token in tokens:
        text = token.text
        if token.pos and text[:1].isupper() and not text.isupper() and token.kind == "word":
            yield token._replace(kind="name")
        else:
            yield token


def mark_places(
    tokens: Iterable[Token],
    places: Mapping[str, Sequence[tuple[str, ...]]],
    is_common: Callable[[str], bool],
    known: Callable[[str], bool] = lambda word: False,
    locatives: frozenset[str] = frozenset(),
) -> Iterator[Token]:
    """Mark the words of a place name ("Den Helder", "Capelle aan den IJssel", "zaandam"):
    a ``location`` after one of ``locatives`` ("in Tiel": where the asker is), else a
    ``place`` (what the question is about: "de burgemeester van Maassluis"). A name made of
    everyday words ("Best", "de Wijk") counts only when it is capitalised inside a sentence,
    a one-word name that is ``known`` (the handbook's own "Rotterdam") not at all; a
    hyphenated word counts by its first part ("Vlaardingen-Holy").

    >>> places = {"den": [("den", "helder")], "best": [("best",)]}
    >>> tokens = tokenize("In Den Helder is het best")
    >>> [t.text for t in mark_places(tokens, places, {"best"}.__contains__) if t.kind == "place"]
    ['Den', 'Helder']
    """
    tokens = list(tokens)
    words = [t for t in tokens if t.kind == "word"]
    folded = [fold_word(t.text) for t in words]
    found: dict[int, Kind] = {}
    start = 0
    while start < len(words):
        first = folded[start]
        if first not in places:
            first = first.split("-", 1)[0]  # "Vlaardingen-Holy"
        for place in places.get(first, ()):
            if (
                start + len(place) > len(words)
                or tuple(folded[start + 1 : start + len(place)]) != place[1:]
            ):
                continue
            span = words[start : start + len(place)]
            key = place
            capitalised = any(t.pos > 0 and t.text[:1].isupper() for t in span)
            # A name of everyday words ("Best", "de Wijk") is a place only when it is
            # written as one; a word of the handbook ("Rotterdam") is the handbook's.
            everyday = all(is_common(word) or len(word) <= 3 for word in key)
            words_only = (len(place) == 1 and known(first)) or (everyday and not capitalised)
            if not words_only:
                located = start > 0 and folded[start - 1] in locatives
                kind: Kind = "location" if located else "place"
                found.update(dict.fromkeys((t.pos for t in span), kind))
                start += len(place)
                break
        else:
            start += 1
    for token in tokens:
        yield token._replace(kind=found[token.pos]) if token.pos in found else token


@lru_cache(maxsize=CACHE_SIZE)
def fold_word(word: str) -> str:
    """Case and accent folding of one word.

    >>> fold_word("Interveniëren")
    'intervenieren'
    """
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def fold(tokens: Iterable[Token]) -> Iterator[Token]:
    """Case and accent folding: ``Financiële`` and ``financiele`` are one word.

    >>> [t.text for t in fold(tokenize("Coördinerende FINANCIËLE"))]
    ['coordinerende', 'financiele']
    """
    for token in tokens:
        yield token._replace(text=fold_word(token.text))


def stop(tokens: Iterable[Token], stopwords: frozenset[str] | set[str]) -> Iterator[Token]:
    """Drop stop words, one-letter tokens and numbers (a year, a count: "in 2024", "600
    medewerkers" say nothing about a topic; "5G" is a word).

    >>> tokens = fold(tokenize("Wie moet ik in 2027 trainen?"))
    >>> [t.text for t in stop(tokens, {"wie", "moet", "ik", "in"})]
    ['trainen']
    """
    for token in tokens:
        text = token.text
        if len(text) > 1 and text not in stopwords and not _NUMBER.fullmatch(text):
            yield token


def weaken(
    tokens: Iterable[Token],
    weak: frozenset[str] | set[str],
    weight: float = WEIGHTS.question_word,
) -> Iterator[Token]:
    """Mark words that hint at the kind of question, not its topic, and weigh them less.

    >>> [(t.text, t.weight, t.kind) for t in weaken(fold(tokenize("Wie trainen")), {"wie"})]
    [('wie', 0.3, 'question'), ('trainen', 1.0, 'word')]
    """
    for token in tokens:
        if token.text in weak:
            yield token._replace(weight=token.weight * weight, kind="question")
        else:
            yield token


def expand_abbreviations(
    tokens: Iterable[Token],
    abbreviations: Mapping[str, tuple[str, ...]],
    weight: float = WEIGHTS.abbreviation,
) -> Iterator[Token]:
    """Add the words an abbreviation stands for as alternatives at its position.

    >>> table = {"ivp": ("integraal", "veiligheidsplan")}
    >>> [t.text for t in expand_abbreviations([Token("ivp", 0)], table)]
    ['ivp', 'integraal', 'veiligheidsplan']
    """
    for token in tokens:
        yield token
        for word in abbreviations.get(token.text, ()):
            yield Token(word, token.pos, token.weight * weight, "abbreviation")


def correct(
    tokens: Iterable[Token],
    corrector: Callable[[str], str | None],
    weight: float = WEIGHTS.correction,
) -> Iterator[Token]:
    """Replace a misspelt word by the vocabulary word the corrector proposes.

    >>> [t[::3] for t in correct([Token("traningen", 0)], {"traningen": "trainingen"}.get)]
    [('trainingen', 'correction')]
    """
    for token in tokens:
        fixed = corrector(token.text)
        if fixed is None:
            yield token
        else:
            yield token._replace(text=fixed, weight=token.weight * weight, kind="correction")


def decompound(
    tokens: Iterable[Token],
    split: Callable[[str], tuple[str, ...]],
    weight: float = WEIGHTS.compound_part,
) -> Iterator[Token]:
    """Keep a compound and add its parts as alternatives at its position, at ``weight``.

    >>> split = {"signaleringsnetwerk": ("signalering", "netwerk")}.get
    >>> [t.text for t in decompound([Token("signaleringsnetwerk", 0)], lambda w: split(w, ()))]
    ['signaleringsnetwerk', 'signalering', 'netwerk']
    """
    for token in tokens:
        yield token
        parts = split(token.text)
        for part in parts:
            yield Token(part, token.pos, token.weight * weight, "part")


_VOWELS = frozenset("aeiouy")
# Separable verb particles: "opgezet" is the participle of "opzetten".
_PARTICLES = (
    "aan", "af", "bij", "door", "in", "mee", "na", "om", "onder", "op", "over", "samen",
    "terug", "toe", "uit", "vast", "voor", "vrij", "weg",
)  # fmt: skip
# Comparatives and superlatives: weerbaarder, sterkere, kleinste.
_DEGREE_SUFFIXES = ("dere", "der", "ere", "er", "ste", "st")
# Diminutives: groepje, gesprekje, praatje, bloemetje.
_DIMINUTIVE_SUFFIXES = ("etje", "tje", "pje", "je")
MIN_BASE = 4


def _infinitives(stem: str) -> Iterator[str]:
    """The infinitives a verb stem may have: train -> trainen, zet -> zetten,
    evalueer -> evalueren."""
    yield stem + "en"
    if len(stem) >= 3 and stem[-1] not in _VOWELS:
        if stem[-2] == stem[-3] and stem[-2] in _VOWELS:
            yield stem[:-2] + stem[-1] + "en"  # a long vowel is written once: evalueren
        elif stem[-2] in _VOWELS and stem[-3] not in _VOWELS:
            yield stem + stem[-1] + "en"  # a short vowel doubles the consonant: zetten


def _adjectives(base: str) -> Iterator[str]:
    """The base adjective of a comparative's stem: sterk, snel(l), gro(o)t."""
    yield base
    if len(base) >= 3 and base[-1] == base[-2] and base[-1] not in _VOWELS:
        yield base[:-1]  # sneller -> snel
    open_syllable = len(base) >= 3 and base[-2] in _VOWELS and base[-3] not in _VOWELS
    if open_syllable and base[-1] not in _VOWELS:
        yield base[:-2] + base[-2] * 2 + base[-1]  # groter -> groot


def is_separable_participle(word: str) -> bool:
    """Whether a word looks like the participle of a separable verb: a particle, then
    ``ge`` ("vrijgemaakt", "opgezet", "aangepakt").

    >>> is_separable_participle("vrijgemaakt"), is_separable_participle("gedicht")
    (True, False)
    """
    return any(word.startswith(particle + "ge") for particle in _PARTICLES) and len(word) > 6


def base_forms(word: str) -> Iterator[str]:
    """The base words an inflected Dutch word may come from, most likely first: the
    adjective of a comparative or superlative, the noun of a diminutive, the infinitive of a
    past participle (separable ones too). Candidates only: the caller keeps the first one
    its vocabulary knows.

    >>> list(base_forms("weerbaarder"))[:2]
    ['weerbaar', 'weerbaard']
    >>> "opzetten" in base_forms("opgezet")
    True
    """
    if not word.isalpha():
        return
    if word.endswith(("eeen", "ieen")):
        yield word[:-2]  # a plural with a diaeresis, folded: moskeeen, theorieen
    for suffix in _DEGREE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_BASE:
            yield from _adjectives(word[: -len(suffix)])
    for suffix in _DIMINUTIVE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_BASE:
            yield word[: -len(suffix)]
    particle = next((p for p in _PARTICLES if word.startswith(p + "ge")), "")
    rest = word[len(particle) :]
    if rest.startswith("ge") and rest[-1] in "dt" and len(rest) >= 5:
        # ge + stem + d/t (getraind), or ge + a stem that ends in d/t itself (gezet).
        for stem in (rest[2:-1], rest[2:]):
            for infinitive in _infinitives(stem):
                yield particle + infinitive
    if word.endswith(("d", "t")) and not rest.startswith("ge") and len(word) > MIN_BASE:
        yield from _infinitives(word[:-1])  # a participle without ge-: betaald, herkend


def inflections(word: str) -> Iterator[str]:
    """Other forms of the same word: the verb, plural and adjective endings added to or
    taken off it, and its :func:`base_forms`. Candidates only, for looking a rare form up.

    >>> sorted(set(inflections("uitkom")) & {"uitkomen", "uitkomt"})
    ['uitkomen', 'uitkomt']
    >>> "betekenis" in inflections("betekenissen")
    True
    """
    if not word.isalpha() or len(word) < MIN_BASE:
        return
    yield from (word + ending for ending in ("en", "e", "t", "s", "n"))
    if word.endswith("en") and len(word) - 2 >= MIN_BASE:
        stem = word[:-2]
        yield stem
        if stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
            yield stem[:-1]  # cursussen -> cursus
    if word[-1] in "est" and len(word) > MIN_BASE:
        yield word[:-1]
    yield from base_forms(word)


class Stemmer:
    """A Snowball stemmer after a dictionary of overrides, with a cache.

    An override maps a word to the base word it belongs with ("getraind" -> "trainen"); the
    base word is stemmed in turn, so an override always lands on the stem its family has.

    A stem that ends in a doubled consonant is undoubled: Dutch doubles a consonant after a
    short vowel only in spelling (gemeenschap, gemeenschappen), and the Porter stemmer
    undoubles only some consonants, so without this a plural would miss its singular.

    >>> stemmer = Stemmer("dutch_porter", {"getraind": "trainen"})
    >>> stemmer("getraind"), stemmer("trainen")
    ('train', 'train')
    >>> stemmer("cursussen") == stemmer("cursus")
    True
    """

    def __init__(self, algorithm: str, overrides: Mapping[str, str]) -> None:
        self._stemmer = snowballstemmer.stemmer(algorithm)
        self._overrides = overrides
        self._stem = lru_cache(maxsize=CACHE_SIZE)(self._uncached)

    def __call__(self, word: str) -> str:
        return self._stem(word)

    def _uncached(self, word: str) -> str:
        base = self._overrides.get(word, word)
        # Numbers, e-mail addresses and hyphenated words are kept whole.
        stemmed = base if not base.isalpha() else self._stemmer.stemWord(base)
        if len(stemmed) >= 4 and stemmed[-1] == stemmed[-2] and stemmed[-1] not in _VOWELS:
            stemmed = stemmed[:-1]
        return stemmed


def stem(
    tokens: Iterable[Token], algorithm: str | Stemmer, overrides: Mapping[str, str]
) -> Iterator[Token]:
    """Snowball stemming, after the override dictionary.

    >>> tokens = [Token("gemeenten", 0), Token("getraind", 1)]
    >>> [t.text for t in stem(tokens, "dutch_porter", {"getraind": "trainen"})]
    ['gemeent', 'train']
    """
    stemmer = algorithm if isinstance(algorithm, Stemmer) else Stemmer(algorithm, overrides)
    for token in tokens:
        yield token._replace(text=stemmer(token.text))


def expand_synonyms(
    tokens: Iterable[Token],
    groups: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]],
    longest: int | None = None,
    weight: float = WEIGHTS.synonym,
) -> Iterator[Token]:
    """Add the other members of a synonym group wherever a member (one or more terms) occurs.

    ``groups`` maps each member, as a tuple of analysed terms, to the other members. The
    added terms are alternatives at every position of the matched member, so a page that
    says "regierol" covers both words of "coördinerende rol".

    >>> groups = {("regierol",): (("coordinatie", "rol"),)}
    >>> groups[("coordinatie", "rol")] = (("regierol",),)
    >>> tokens = [Token("coordinatie", 0), Token("rol", 1)]
    >>> sorted({t.text for t in expand_synonyms(tokens, groups)})
    ['coordinatie', 'regierol', 'rol']
    """
    tokens = list(tokens)
    yield from tokens
    if longest is None:  # the number of terms of the longest member; pass it to save time
        longest = max((len(member) for member in groups), default=0)
    # The first token at each position is the word itself (perhaps corrected): members
    # match on those; expansions of a word do not chain into further synonyms.
    words = list({t.pos: t for t in reversed(tokens)}.values())[::-1]
    added: set[tuple[str, int]] = set()
    for start in range(len(words)):
        for length in range(min(longest, len(words) - start), 0, -1):
            span = words[start : start + length]
            others = groups.get(tuple(t.text for t in span))
            if not others:
                continue
            for member in others:
                for term in member:
                    for token in span:
                        if (term, token.pos) not in added:
                            added.add((term, token.pos))
                            yield Token(term, token.pos, weight, "synonym")
            break
