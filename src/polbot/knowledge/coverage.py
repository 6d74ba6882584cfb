"""Does the knowledge base still hold every sentence of the handbook?

The handbook source is a flat export of an interactive PDF. :func:`source_sentences` turns it
into the sentences a reader must be able to find, leaving out the PDF's navigation;
:func:`handbook_texts` gathers the handbook text that the knowledge models carry; and
:func:`missing_sentences` lists the sentences that no single text contains.

>>> sentences = source_sentences("Tools\\n\\nEen zin. Nog een zin.\\n\\nTerug naar Signalering")
>>> sentences
('Een zin.', 'Nog een zin.')
>>> missing_sentences(sentences, ["Een zin. Nog een  zin."])
()
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel

# The export wrote "Polarisation" where the handbook means "Polarisatie" (knowledge contract).
_EXPORT_FIXES = (("Polarisation", "Polarisatie"),)

# Lines that only steered the reader through the PDF: links back, the menu prompt, and the
# bare "Tools" label above each page's list of tools.
_NAVIGATION = re.compile(
    r"^(?:\[?Terug naar\b.*|KLIK OP HET ONDERWERP\b.*|Tools)$",
)

# The export wrapped two headings over two lines ("Schakel de juiste ketenpartners" / "in",
# "Terug naar Preventie en" / "Repressie"): a line continues onto the next when the next
# starts in lower case or the line ends on a conjunction.
_CONTINUES = re.compile(r"\s(?:en|of)$")

# A sentence ends at . ! or ? (perhaps closing a quotation) followed by white space and
# something that can start a sentence.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['’\"]))\s+(?=[A-Z0-9'‘\"(À-Ý])")

# Knowledge fields that are not handbook text: ids, references, the users' example questions.
_NOT_HANDBOOK_TEXT = frozenset({"id", "theme", "page", "pages", "related", "questions", "url"})


def normalise(text: str) -> str:
    """Collapse white space and ignore case, the way the coverage check compares text.

    Case is ignored because the export capitalises the cover title ("AANPAK POLARISATIE").

    >>> normalise("  Beleg en\\n borg ")
    'beleg en borg'
    """
    return " ".join(text.split()).casefold()


def _logical_lines(text: str) -> list[str]:
    """Source lines with the export's wrapped lines joined again; blank lines dropped."""
    lines: list[str] = []
    previous_blank = True
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            previous_blank = True
            continue
        wrapped = not previous_blank and (line[0].islower() or _CONTINUES.search(lines[-1]))
        if wrapped:
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        previous_blank = False
    return lines


def source_lines(text: str) -> tuple[str, ...]:
    """The handbook source as lines of content: export fixed, wraps joined, navigation gone.

    A table row (cells separated by tabs in the export) gives one line per cell.
    """
    for wrong, right in _EXPORT_FIXES:
        text = text.replace(wrong, right)
    lines = _logical_lines(text.replace("\t", "\n\n"))
    return tuple(line for line in lines if not _NAVIGATION.match(line))


def split_sentences(line: str) -> list[str]:
    """The sentences of one line of text.

    >>> split_sentences("Polarisatie is 'een definitie.' Het kan. Of niet?")
    ["Polarisatie is 'een definitie.'", 'Het kan.', 'Of niet?']
    """
    return _SENTENCE_END.split(line)


def source_sentences(text: str) -> tuple[str, ...]:
    """Every sentence of the handbook source a reader must find, in order, without repeats.

    Headings, list items, table cells and tool names count as sentences of their own.
    """
    sentences = (sentence for line in source_lines(text) for sentence in split_sentences(line))
    return tuple(dict.fromkeys(sentences))


def source_sections(text: str, titles: dict[str, str]) -> dict[str | None, list[str]]:
    """The source's sentences by the page whose heading they follow (``None``: before any
    heading); ``titles`` maps each page's title to its id."""
    by_title = {normalise(title): page_id for title, page_id in titles.items()}
    sections: dict[str | None, list[str]] = defaultdict(list)
    page_id: str | None = None
    for line in source_lines(text):
        page_id = by_title.get(normalise(line), page_id)
        sections[page_id].extend(split_sentences(line))
    return sections


def question_key(question: str) -> str:
    """An example question as compared with others: case, punctuation and spacing aside.

    >>> question_key("Wie moet ik  trainen?") == question_key("wie moet ik trainen")
    True
    """
    return " ".join(re.sub(r"[^\w\s]", " ", question.casefold()).split())


def handbook_texts(*models: BaseModel) -> tuple[str, ...]:
    """Every string of handbook text the given pages, themes or home carry.

    Titles, summaries, paragraphs, list items, table cells, tools, sources, intros, the
    welcome and menu labels count; ids, references and example questions do not.
    """
    texts: list[str] = []
    for model in models:
        _collect(model, texts)
    return tuple(texts)


def _collect(value: object, texts: list[str]) -> None:
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in _NOT_HANDBOOK_TEXT:
                _collect(getattr(value, name), texts)
    elif isinstance(value, tuple | list):
        for item in value:
            _collect(item, texts)


def missing_sentences(sentences: Iterable[str], texts: Iterable[str]) -> tuple[str, ...]:
    """The sentences that no single text contains (white space and case normalised).

    A sentence must stand on word boundaries in the text, so that a one-word heading such as
    "Intern" is not found inside "interne".

    >>> missing_sentences(["Intern", "Extern"], ["interne contacten", "Extern"])
    ('Intern',)
    """
    haystack = [normalise(text) for text in texts]
    return tuple(
        sentence
        for sentence in sentences
        if not any(_contains(text, normalise(sentence)) for text in haystack)
    )


def _contains(text: str, sentence: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(sentence)}(?!\w)", text) is not None
