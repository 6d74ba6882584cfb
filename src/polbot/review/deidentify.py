"""De-identification of a Dutch question before the review store keeps it.

Two layers find what points to a person, and every span either finds is replaced by a tag
such as ``[PERSOON]``:

1. ``deduce`` (UMC Utrecht's de-identifier for Dutch text): names (from lists of first
   names and surnames, and patterns with initials and interfixes), places, street names with
   house numbers, postcodes, dates, ages, BSNs, phone numbers, e-mail addresses and URLs.
   polbot loads it without its lists of 150,000 streets and of health-care institutions,
   which are 95% of its memory (1.1 GB) and of its load time (12 s); streets are still
   found by their suffix (-straat, -laan, -singel, ...) and by a house number.
2. polbot's own patterns for what deduce misses on the messages of
   ``tests/data/review-deidentify.yaml`` (the test there measures both layers): IBANs,
   licence plates, international and spaced phone numbers, any long run of digits,
   lower-case postcodes, obfuscated e-mail addresses, names after "mijn naam is", "ik heet"
   or a closing greeting, and a capitalised word that is no Dutch word.

A question that cannot be cleaned with confidence is dropped (:func:`deidentify` returns
``None``): one that is too long, one that deduce fails on, one that is mostly personal
data, one in which an ``@`` or a long number survived.

``deduce`` is imported only when review is enabled (:func:`load`), never by ``polbot ask``.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from polbot.errors import ReviewUnavailableError
from polbot.search.lexicon import word_frequencies

log = logging.getLogger("polbot.review")

MAX_LENGTH = 1000
"""Characters at most of a question that is kept; a longer message is dropped."""
MAX_REDACTED_SHARE = 0.6
"""A question whose words are more than this share tags is mostly personal data: dropped."""

# deduce's lists that polbot leaves out (see the module's docstring), and the annotators
# that use them.
_SKIPPED_LISTS = frozenset({"street", "hospital", "healthcare_institution"})
_SKIPPED_ANNOTATORS = frozenset({"street_lookup", "hospital", "institution"})
# Bump when the lists polbot keeps change: the cache of another choice is not reused.
_CACHE_FORMAT = "1"

_TAG = re.compile(r"\[[A-Z]+\]")


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start:end`` of a text are personal data of kind ``tag``."""

    start: int
    end: int
    tag: str


# --- polbot's own patterns ------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_SPELLED = re.compile(
    r"[\w.+-]+\s*(?:\[at\]|\(at\)|\bat\b|\bapenstaartje\b)\s*[\w-]+"
    r"(?:\s*(?:\.|\[dot\]|\bpunt\b|\bdot\b)\s*[\w-]+)+",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d){7,18}\b", re.IGNORECASE)
# A run of digits with single separators: phone numbers in every notation, BSNs, file
# numbers, dates written as numbers. Kept when it holds at least _LONG_NUMBER digits.
_DIGITS = re.compile(r"\+?\(?\d(?:[\s().\-/]{0,2}\d)+")
_LONG_NUMBER = 6
_PLATE = re.compile(
    r"\b(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}\b",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?([A-Za-z]{2})\b")
_REST = r"[\w'’-]*"
_WORD = rf"[A-Za-zÀ-ÿ]{_REST}"
_CAPITAL_WORD = rf"[A-ZÀ-Þ]{_REST}"
# The cue, then the name: up to four words, until punctuation or the end.
_NAMES = yaml.safe_load(
    resources.files("polbot.review").joinpath("data/names-nl.yaml").read_text(encoding="utf-8")
)


def _alternatives(phrases: Iterable[str]) -> str:
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len)[::-1])


# The cue, then the name: up to four words, until punctuation or the end.
_NAME_AFTER_CUE = re.compile(
    rf"\b(?:{_alternatives(_NAMES['before_a_name'])})\b[\s,:.]+"
    rf"({_WORD}(?:\s+{_WORD}){{0,3}})",
    re.IGNORECASE,
)
# Words that may come before a name, or before anything else: see names-nl.yaml.
_MAYBE_NAME_AFTER = re.compile(
    rf"\b({_alternatives(_NAMES['maybe_before_a_name'])})\b"
    rf"\.?\s+({_WORD}(?:\s+{_WORD}){{0,3}})",
    re.IGNORECASE,
)
_INTRODUCING = frozenset(_NAMES["introducing_oneself"])
_INTERFIXES = frozenset(_NAMES["interfixes"])
_MONTH = (
    r"(?:jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|"
    r"aug(?:ustus)?|sep(?:t|tember)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(rf"\b\d{{1,2}}\s+{_MONTH}\.?\s+(?:\d{{4}}|'\d{{2}})\b", re.IGNORECASE)
_STREET_SUFFIX = (
    r"(?:straat|laan|weg|plein|singel|gracht|kade|dijk|dreef|hof|park|pad|steeg|markt|"
    r"baan|dam|wal|ring|plantsoen|boulevard)"
)
_STREET = re.compile(rf"\b{_WORD}{_STREET_SUFFIX}\s+\d{{1,4}}\b", re.IGNORECASE)
# What may stand after a house number ("23b", "231 bis", "12-hs"), and before a street
# name that deduce found without its first word ("Lange Hilleweg 12").
_HOUSE_NUMBER_TAIL = re.compile(r"(?:[\s-]?(?:bis|hs|zw|[a-d]|i{1,3})\b)+", re.IGNORECASE)
_HOUSE_NUMBER_END = re.compile(r"\d[a-zA-Z]?$")
_STREET_HEAD = re.compile(rf"(?:{_CAPITAL_WORD}\s+)+$")
# A word with a capital.
_CAPITALISED = re.compile(rf"(?<![\w\[]){_CAPITAL_WORD}")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$|^\s*$")
_COMMON_ZIPF = 3.0


def pattern_spans(text: str) -> list[Span]:
    """What polbot's own patterns find in ``text``."""
    spans: list[Span] = []
    for pattern, tag in (
        (_URL, "URL"),
        (_EMAIL, "EMAILADRES"),
        (_EMAIL_SPELLED, "EMAILADRES"),
        (_IBAN, "IBAN"),
        (_PLATE, "KENTEKEN"),
        (_DATE, "DATUM"),
        (_STREET, "LOCATIE"),
    ):
        spans += (Span(m.start(), m.end(), tag) for m in pattern.finditer(text))
    for match in _DIGITS.finditer(text):
        if sum(char.isdigit() for char in match.group()) >= _LONG_NUMBER:
            spans.append(Span(match.start(), match.end(), "NUMMER"))
    for match in _POSTCODE.finditer(text):
        letters = match.group(1)
        if letters.isupper() or " " not in match.group() or not _is_word(letters):
            spans.append(Span(match.start(), match.end(), "POSTCODE"))
    for match in _NAME_AFTER_CUE.finditer(text):
        spans += _name_words(match.start(1), match.group(1))
    spans += _unknown_capitalised(text)
    return spans


def _maybe_names(text: str) -> Iterator[Span]:
    """Names after words that may come before one: the words written with capitals, or
    those in which deduce sees a name once they are ("ik ben emma de jong")."""
    for match in _MAYBE_NAME_AFTER.finditer(text):
        start, end, words = match.start(2), match.end(2), match.group(2)
        if words[0].isupper():
            yield from _name_words(start, words)
            continue
        if " ".join(match.group(1).lower().split()) not in _INTRODUCING:
            continue
        titled = text[:start] + words.title() + text[end:]
        if len(titled) != len(text):
            continue
        for span in deduce_spans(titled):
            if span.tag == "PERSOON" and start <= span.start < end:
                yield span


def _name_words(start: int, words: str) -> Iterator[Span]:
    # The words of a name after a cue, up to the first everyday word ("Daan, wat nu").
    end = start
    for match in re.finditer(_WORD, words):
        word = match.group()
        if _is_interfix(word):
            continue  # part of the name only with a word after it ("de Vries")
        if end > start and _is_everyday(word):
            break
        end = start + match.end()
    if end > start:
        yield Span(start, end, "PERSOON")


def _unknown_capitalised(text: str) -> Iterator[Span]:
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if _SENTENCE_END.search(text[: match.start()]):
            continue  # the first word of a sentence has a capital anyway
        if word.isupper() and len(word) <= 5:
            continue  # an abbreviation: VNG, AVG, BSN
        if not _is_word(word):
            yield Span(match.start(), match.end(), "NAAM")


def _is_word(word: str) -> bool:
    """Whether ``word`` (any case) is a Dutch word, not a name."""
    return word_frequencies().get(word.lower(), 0.0) >= _COMMON_ZIPF


def _is_everyday(word: str) -> bool:
    return word_frequencies().get(word.lower(), 0.0) >= 4.5


def _is_interfix(word: str) -> bool:
    return word.lower() in _INTERFIXES


# --- deduce ---------------------------------------------------------------------------

_lock = threading.Lock()
_deduce: Any = None


def load() -> None:
    """Load deduce now (0.5 s; the first time on a machine it builds its lists, 3 s).

    Raises :class:`ReviewUnavailableError` when deduce is not installed.
    """
    _deduce_instance()


def _deduce_instance() -> Any:
    global _deduce
    with _lock:
        if _deduce is None:
            _deduce = _load_deduce()
        return _deduce


def _load_deduce() -> Any:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        # deduce calls logging.basicConfig(stream=sys.stdout, level=DEBUG) when imported;
        # the process's own logging setup is put back.
        deduce = importlib.import_module("deduce")
        deduce_module = importlib.import_module("deduce.deduce")
    except ImportError as exc:
        raise ReviewUnavailableError(
            "review.enabled needs the de-identifier deduce: pip install 'polbot[review]'"
        ) from exc
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    cache = _cache_dir(deduce.__version__)
    config = dict(deduce_module.Deduce._initialize_config(load_base_config=True))
    annotators = {
        name: spec for name, spec in config["annotators"].items() if name not in _SKIPPED_ANNOTATORS
    }
    config["annotators"] = annotators
    return deduce_module.Deduce(load_base_config=False, config=config, cache_path=cache)


def _cache_dir(version: str) -> Path:
    """A folder holding deduce's lookup structures without the skipped lists, built here
    the first time (deduce would otherwise build all of them, two minutes and 1 GB)."""
    name = f"deduce-{version}-{_CACHE_FORMAT}"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "polbot"
    for folder in (base / name, Path(tempfile.gettempdir()) / f"polbot-{os.getuid()}" / name):
        if (folder / "cache" / "lookup_structs.pickle").exists():
            return folder
        try:
            _build_cache(folder, version)
        except OSError:
            continue  # not writable (a read-only image): try the next place
        return folder
    raise ReviewUnavailableError("no writable folder for deduce's lookup lists")


def _build_cache(folder: Path, version: str) -> None:
    docdeid = importlib.import_module("docdeid")
    structs = importlib.import_module("deduce.lookup_structs")
    sources = importlib.import_module("deduce.data.lookup.src")
    deduce_module = importlib.import_module("deduce.deduce")
    lookup_path = Path(deduce_module._LOOKUP_LIST_PATH)
    lists = [name for name in sources.all_lists if _list_name(name) not in _SKIPPED_LISTS]
    items = structs.load_raw_itemsets(base_path=lookup_path, subdirs=lists)
    tokenizer = deduce_module.Deduce._initialize_tokenizer(lookup_path)
    collection = docdeid.ds.DsCollection()
    loaders: dict[str, Callable[..., Any]] = {
        **structs._LOOKUP_SET_LOADERS,
        **structs._LOOKUP_TRIE_LOADERS,
    }
    for name in set(items) - set(loaders):
        lookup = docdeid.ds.LookupSet()
        lookup.add_items_from_iterable(items[name])
        collection[name] = lookup
    for name, loader in structs._LOOKUP_SET_LOADERS.items():
        collection[name] = loader(items)
    for name, loader in structs._LOOKUP_TRIE_LOADERS.items():
        if name not in _SKIPPED_LISTS:
            collection[name] = loader(items, tokenizer)
    # Built beside, then renamed: another process never reads half a file.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent))
    structs.cache_lookup_structs(
        lookup_structs=collection, cache_path=staging, deduce_version=version
    )
    try:
        staging.rename(folder)
    except OSError:
        if not folder.exists():
            raise  # else another process was first: its copy is as good
    log.info("deduce's lookup lists built", extra={"folder": str(folder)})


def _list_name(path: str) -> str:
    return path.split("/")[-1].removeprefix("lst_")


def deduce_spans(text: str) -> list[Span]:
    """What deduce finds in ``text``."""
    document = _deduce_instance().deidentify(text)
    return [
        Span(a.start_char, a.end_char, a.tag.split("+")[0].upper().replace("_", ""))
        for a in document.annotations
    ]


# --- together --------------------------------------------------------------------------


def redact(text: str, spans: Iterable[Span]) -> str:
    """``text`` with every span replaced by its tag (overlapping spans become one)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.tag)
        else:
            merged.append(span)
    parts: list[str] = []
    position = 0
    for span in merged:
        parts += [text[position : span.start], f"[{span.tag}]"]
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def deidentify(text: str) -> str | None:
    """``text`` with the personal data in it replaced by tags, or ``None`` when it cannot
    be cleaned with confidence (see the module's docstring). Never raises."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_LENGTH:
        return None
    try:
        found = deduce_spans(text)
        found += _maybe_names(text)
    except ReviewUnavailableError:
        return None
    except Exception as exc:  # a bug in deduce on some input: drop the question
        log.warning("de-identification failed", extra={"error": type(exc).__name__})
        return None
    spans = [_widened(text, span) for span in (*found, *pattern_spans(text))]
    cleaned = redact(text, spans)
    return cleaned if _confident(cleaned) else None


def _widened(text: str, span: Span) -> Span:
    """An address with what belongs to it around: the first words of a street's name
    deduce did not know, and the letters after a house number."""
    if span.tag != "LOCATIE" or not _HOUSE_NUMBER_END.search(text, 0, span.end):
        return span
    start, end = span.start, span.end
    tail = _HOUSE_NUMBER_TAIL.match(text, end)
    if tail:
        end = tail.end()
    head = _STREET_HEAD.search(text, 0, start)
    if head and not _SENTENCE_END.search(text[: head.start()]):
        start = head.start()
    return Span(start, end, span.tag)


def _confident(cleaned: str) -> bool:
    if "@" in cleaned or any(
        sum(c.isdigit() for c in m.group()) >= _LONG_NUMBER for m in _DIGITS.finditer(cleaned)
    ):
        return False
    words = cleaned.split()
    tags = sum(bool(_TAG.search(word)) for word in words)
    return tags <= MAX_REDACTED_SHARE * len(words)
