"""Reading a chat message: which of its sentences ask, which set the scene, which say nothing.

People at work do not type search queries. A message opens with a greeting, sets out a
situation, asks, perhaps asks a second thing, and closes with thanks and a name::

    Goedemorgen, na een incident in de wijk wil de burgemeester weten hoe groot de
    polarisatie is. Hoe breng ik dat in beeld? Alvast bedankt! Groet, Sanne

:class:`MessageReader` splits a message into sentences (not after "bijv." or an initial)
and sets aside what carries no question: the opening greeting ("Goedemorgen,"), a sentence
that is smalltalk on its own ("Alvast bedankt!"), the signature from a closing phrase to the
end ("Groet, Sanne"), and phrases about the asking itself ("kun je dat voor me uitzoeken",
"volgens de handreiking"). Of what is left, a sentence that ends in a question mark or opens
like a question asks; the others are context. A message without any asking sentence (a
search-box query, a request) asks with all of it.

Nothing set aside reaches the search: a name is never looked up as a typo, thanks never
turns a question into smalltalk, and "handreiking" in "volgens de handreiking" does not pull
the answer towards the page about the handbook. The language data lives in
``polbot/search/data/messages-nl.yaml``; greetings and thanks on their own come from the
knowledge base's smalltalk examples.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml

from polbot.search.analysis import fold_word, normalize
from polbot.search.smalltalk import SmalltalkMatcher

# What is read of a message at most: a bound on time for any input.
MAX_MESSAGE_CHARS = 4000
# The sentences analysed, at most this many characters in all: the question first, then the
# context nearest to it.
MAX_ANALYSED_CHARS = 500
# A signature after a closing phrase is a name, initials or a role: a few words.
MAX_SIGNATURE_WORDS = 6

Role = Literal["question", "context"]

_WORD = re.compile(r"[\w@.'’+-]*\w|\w")
# A sentence ends at . ! ? or … (any run of them) before white space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\s*\n\s*")
_CLAUSE_END = re.compile(r"[,;:]\s*")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a message that says something: it asks, or it sets the scene.

    ``requests`` names what an asking sentence asks for beside guidance: a ``fact`` (a
    number, a date, a phone number), a ``task`` (a text to write) or an ``opinion``; and,
    for any sentence, what else it is about than the handbook: polarisation in another
    ``sense`` (light, a camera filter), or a topic of its own (``it``: a laptop, Teams).
    """

    text: str
    role: Role
    requests: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Message:
    """A message as read (``text`` as it came): its sentences that say something, in
    order, or the smalltalk intent it is made of."""

    text: str
    sentences: tuple[Sentence, ...]
    smalltalk: str | None = None

    @property
    def questions(self) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if s.role == "question")


class Phrases:
    """A list of phrases (folded words), found by their first word.

    >>> Phrases(["dank je", "dank je wel"]).at(["dank", "je", "wel", "hoor"], 0)
    3
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        lengths: dict[str, set[int]] = {}
        self._phrases: set[tuple[str, ...]] = set()
        for phrase in phrases:
            words = tuple(_folded_words(phrase))
            if words:
                self._phrases.add(words)
                lengths.setdefault(words[0], set()).add(len(words))
        self._lengths = {first: sorted(n, reverse=True) for first, n in lengths.items()}

    def at(self, folded: Sequence[str], start: int) -> int:
        """The number of words of the longest phrase at ``start``, or 0."""
        if start >= len(folded):
            return 0
        for length in self._lengths.get(folded[start], ()):
            if (
                start + length <= len(folded)
                and tuple(folded[start : start + length]) in self._phrases
            ):
                return length
        return 0

    def anywhere(self, folded: Sequence[str]) -> bool:
        """Whether a phrase occurs anywhere in ``folded``."""
        return any(self.at(folded, start) for start in range(len(folded)))


@dataclass(frozen=True, slots=True)
class OtherSenses:
    """The words that make a word with ``stem`` in it mean something else than the
    handbook's polarisation ("gepolariseerd licht", "een polariserende zonnebril")."""

    stem: str
    words: Phrases


@dataclass(frozen=True, slots=True)
class ChatLanguage:
    """The Dutch language data of :mod:`polbot.search.message` (see its data file)."""

    openers: Phrases
    closers: Phrases
    meta: Phrases
    abbreviations: frozenset[str]
    question_openers: Phrases
    asking: Phrases
    requests: Mapping[str, Phrases]
    topics: Mapping[str, Phrases]
    other_senses: OtherSenses


@lru_cache(maxsize=1)
def chat_language() -> ChatLanguage:
    """The bundled data file, read once."""
    path = resources.files("polbot.search").joinpath("data", "messages-nl.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))

    lists = ("openers", "closers", "meta", "question_openers", "asking")
    return ChatLanguage(
        **{key: Phrases(map(str, data[key])) for key in lists},
        abbreviations=frozenset(fold_word(str(a)).rstrip(".") for a in data["abbreviations"]),
        requests={kind: Phrases(map(str, found)) for kind, found in data["requests"].items()},
        topics={kind: Phrases(map(str, found)) for kind, found in data["topics"].items()},
        other_senses=OtherSenses(
            fold_word(str(data["other_senses"]["stem"])),
            Phrases(map(str, data["other_senses"]["words"])),
        ),
    )


def _folded_words(text: str) -> list[str]:
    return [fold_word(w) for w in _WORD.findall(text)]


@dataclass(slots=True)
class _Piece:
    """A sentence while it is read: its words as typed, where its clauses start (the words
    after a comma, semicolon or colon), and whether it ended in a question mark."""

    words: list[str]
    clauses: frozenset[int]
    asks: bool
    _folded: tuple[list[str], list[str]] | None = None

    @property
    def folded(self) -> list[str]:
        """The words folded; computed again only once ``words`` is another list."""
        if self._folded is None or self._folded[0] is not self.words:
            self._folded = (self.words, [fold_word(w) for w in self.words])
        return self._folded[1]


class MessageReader:
    """Reads messages, knowing the smalltalk of one knowledge base.

    >>> from polbot.knowledge.model import SmalltalkIntent
    >>> thanks = SmalltalkIntent(id="thanks", examples=("alvast bedankt",), reply="Graag.")
    >>> reader = MessageReader(SmalltalkMatcher([thanks]))
    >>> message = reader.read("Hoi, wij hebben onrust in de wijk. Wie trek ik aan? Groet, Sanne")
    >>> [(s.role, s.text) for s in message.sentences]
    [('context', 'wij hebben onrust in de wijk'), ('question', 'Wie trek ik aan')]
    >>> reader.read("Alvast bedankt!").smalltalk
    'thanks'
    """

    def __init__(self, smalltalk: SmalltalkMatcher, language: ChatLanguage | None = None) -> None:
        self._smalltalk = smalltalk
        self._language = language or chat_language()

    def read(self, message: str) -> Message:
        """The message's sentences that say something, or the smalltalk it is made of."""
        text = normalize(message[:MAX_MESSAGE_CHARS])
        intent, _ = self._smalltalk.match(text)
        if intent is not None:
            return Message(message, (), intent)
        pieces = list(self._sentences(text))
        intents: list[str] = []
        whole = len(pieces) == 1 and pieces[0].clauses == {0}
        pieces = self._without_signature(pieces, intents)
        # A message of one plain sentence was matched as a whole above.
        unchanged = whole and len(pieces) == 1 and " ".join(pieces[0].words) == text.strip()
        said: list[_Piece] = []
        for piece in pieces:
            spoken = None if unchanged else self._smalltalk_of(piece)
            if spoken is not None:
                intents += spoken
                continue
            folded = piece.folded
            if self._language.closers.at(folded, 0) == len(folded):
                continue  # "Alvast bedankt!" before the signature
            if not said:
                greeting = self._without_opener(piece)
                if not piece.words:  # "hallo polbot": the greeting is all there is
                    intents += [i for w in greeting if (i := self._smalltalk.match(w)[0])]
                    continue
            piece.words = self._without_meta(piece.words)
            if piece.words:
                said.append(piece)
        if not said:
            return Message(message, (), self._smalltalk.strongest(intents))
        asking = [self._asks(piece) for piece in said]
        if not any(asking):
            asking = [True] * len(said)
        sentences = tuple(
            Sentence(" ".join(piece.words), "question", self._requests(piece, asks=True))
            if asks
            else Sentence(" ".join(piece.words), "context", self._requests(piece, asks=False))
            for piece, asks in zip(said, asking, strict=True)
        )
        return Message(message, _within(sentences, MAX_ANALYSED_CHARS))

    # --- steps -------------------------------------------------------------------------

    def _sentences(self, text: str) -> Iterator[_Piece]:
        """The sentences of a text, as words; a full stop after an abbreviation or an
        initial does not end one."""
        words: list[str] = []
        clauses: set[int] = set()
        start = 0
        for match in _SENTENCE_END.finditer(text + "\n"):
            chunk = text[start : match.start()]
            start = match.end()
            for clause in _CLAUSE_END.split(chunk):
                clauses.add(len(words))
                words += _WORD.findall(clause)
            stripped = chunk.rstrip("\"'”’) ")
            if "\n" not in match.group() and stripped.endswith(".") and words:
                last = fold_word(words[-1]).rstrip(".")
                if last in self._language.abbreviations or len(last) == 1:
                    continue  # "bijv. de", "W. de Jong": the sentence goes on
            if words:
                yield _Piece(words, frozenset(clauses), stripped.endswith("?"))
            words, clauses = [], set()

    def _without_opener(self, piece: _Piece) -> list[str]:
        """Take a message's greeting ("Hoi Kees, ...") off its first sentence; return the
        greeting's words (without a name)."""
        folded = piece.folded
        start = 0
        while length := self._language.openers.at(folded, start):
            start += length
        greeting = piece.words[:start]
        if start and start + 1 in piece.clauses and piece.words[start][:1].isupper():
            start += 1  # a name after the greeting: "Hoi Kees, ..."
        piece.words = piece.words[start:]
        piece.clauses = frozenset({0} | {c - start for c in piece.clauses if c > start})
        return greeting

    def _without_signature(self, pieces: list[_Piece], intents: list[str]) -> list[_Piece]:
        """The sentences before the closing phrase ("Groet, Sanne"; "mvg Kees")."""
        for number in range(len(pieces) - 1, -1, -1):
            folded = pieces[number].folded
            for start in sorted(pieces[number].clauses):
                length = self._language.closers.at(folded, start)
                if length and len(folded) - start - length <= MAX_SIGNATURE_WORDS:
                    closing = pieces[number].words[start : start + length]
                    intents += self._smalltalk_of(_Piece(closing, frozenset({0}), False)) or ()
                    kept = pieces[: number + 1]
                    kept[-1].words = kept[-1].words[:start]
                    return [p for p in kept if p.words]
            last = pieces[number]
            if number < len(pieces) - 1 or len(folded) > MAX_SIGNATURE_WORDS or self._asks(last):
                break  # the last sentence may be the name under a closing phrase, no more
        return pieces

    def _smalltalk_of(self, piece: _Piece) -> list[str] | None:
        """The intents of a sentence made only of smalltalk ("Dank je, tot ziens"), or
        ``None``."""
        starts = sorted({0, *piece.clauses, len(piece.words)})
        clauses = [" ".join(piece.words[a:b]) for a, b in itertools.pairwise(starts) if a < b]
        found = [self._smalltalk.match(clause)[0] for clause in clauses]
        if not found or None in found:
            return None
        return [intent for intent in found if intent is not None]

    def _without_meta(self, words: list[str]) -> list[str]:
        folded = [fold_word(w) for w in words]
        kept = []
        start = 0
        while start < len(words):
            length = self._language.meta.at(folded, start)
            if length:
                start += length
            else:
                kept.append(words[start])
                start += 1
        return kept

    def _requests(self, piece: _Piece, *, asks: bool) -> frozenset[str]:
        """What a sentence asks for beside guidance, or what else it is about (see
        :class:`Sentence`); a sentence of context can only be about something else."""
        folded = piece.folded
        requests = self._language.requests.items() if asks else ()
        found = {kind for kind, phrases in requests if phrases.anywhere(folded)}
        found |= {
            kind for kind, phrases in self._language.topics.items() if phrases.anywhere(folded)
        }
        senses = self._language.other_senses
        if any(senses.stem in w for w in folded) and senses.words.anywhere(folded):
            found.add("sense")
        return frozenset(found)

    def _asks(self, piece: _Piece) -> bool:
        """Whether a sentence asks: it ends in a question mark, opens like a question ("Is
        er ...", "Hoe ..."), or says it asks ("ik vraag me af")."""
        folded = piece.folded
        if piece.asks or self._language.question_openers.at(folded, 0):
            return True
        return self._language.asking.anywhere(folded)


def _within(sentences: tuple[Sentence, ...], limit: int) -> tuple[Sentence, ...]:
    """The sentences to analyse, at most ``limit`` characters: every asking sentence first
    (cut if need be), then the context nearest to the first one, in message order."""
    asking = [n for n, s in enumerate(sentences) if s.role == "question"]
    chosen: dict[int, str] = {}
    budget = limit
    for number in asking:
        text = sentences[number].text[: max(budget, 0)]
        if text:
            chosen[number] = text
            budget -= len(text) + 1
    first = asking[0] if asking else 0
    nearest = sorted(range(len(sentences)), key=lambda n: (abs(n - first), n))
    for number in nearest:
        if number in chosen or len(sentences[number].text) > budget:
            continue
        chosen[number] = sentences[number].text
        budget -= len(sentences[number].text) + 1
    return tuple(
        Sentence(chosen[n], sentences[n].role, sentences[n].requests) for n in sorted(chosen)
    )
