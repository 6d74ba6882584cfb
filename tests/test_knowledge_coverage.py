"""The coverage check itself: how the handbook source is cut into sentences and matched."""

import pytest

from polbot.knowledge.coverage import (
    handbook_texts,
    missing_sentences,
    source_lines,
    source_sentences,
    split_sentences,
)
from polbot.knowledge.model import ItemList, Page, Table, Tool


@pytest.mark.parametrize(
    "navigation",
    [
        "Terug naar Signalering",
        "Terug naar Preventie en\nRepressie",
        "[Terug naar hoofdmenu](#)",
        "[Terug naar Inleiding](#)",
        "KLIK OP HET ONDERWERP WAAR U MEER INFORMATIE OVER WILT",
        "Tools",
        "  \u00a0 ",
    ],
)
def test_navigation_is_not_content(navigation):
    assert source_lines(f"Een zin.\n\n{navigation}\n\nNog een zin.") == ("Een zin.", "Nog een zin.")


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        ("Schakel de juiste ketenpartners\nin", ("Schakel de juiste ketenpartners in",)),
        ("Mogelijke partners\nPolitie\nScholen", ("Mogelijke partners", "Politie", "Scholen")),
        (
            "Extern\tIntern\nJongerenwerkers\tSociaal Domein",
            ("Extern", "Intern", "Jongerenwerkers", "Sociaal Domein"),
        ),
        ("Definitie Polarisation", ("Definitie Polarisatie",)),
        ("Tools", ()),
    ],
)
def test_source_lines_undo_the_pdf_export(export, expected):
    assert source_lines(export) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Eén zin.", ["Eén zin."]),
        ("Eerste. Tweede? Derde!", ["Eerste.", "Tweede?", "Derde!"]),
        ("Het is 'een citaat.' Daarna meer.", ["Het is 'een citaat.'", "Daarna meer."]),
        ("Sport (2017). Weerbare Jongeren", ["Sport (2017).", "Weerbare Jongeren"]),
        ("Denk aan: politie, scholen.", ["Denk aan: politie, scholen."]),
        ("Naar VeiligheidsAlliantie@rotterdam.nl", ["Naar VeiligheidsAlliantie@rotterdam.nl"]),
    ],
)
def test_split_sentences(line, expected):
    assert split_sentences(line) == expected


def test_a_sentence_repeated_in_the_source_is_listed_once():
    assert source_sentences("Kop\n\nTekst.\n\nKop") == ("Kop", "Tekst.")


@pytest.mark.parametrize(
    ("sentence", "texts", "missing"),
    [
        ("Beleg en borg.", ["Beleg  en\nborg. Meer."], False),
        ("BELEG EN BORG.", ["Beleg en borg."], False),
        ("Intern", ["interne contacten"], True),
        ("Beleg en borg.", ["Beleg en", "borg."], True),
        ("Beleg en borg.", [], True),
    ],
)
def test_a_sentence_must_stand_whole_in_one_text(sentence, texts, missing):
    assert missing_sentences([sentence], texts) == ((sentence,) if missing else ())


def _page(**fields):
    base = {
        "id": "p",
        "title": "Titel",
        "theme": "t",
        "summary": "Samenvatting.",
        "text": ["Alinea."],
        "questions": ["Vraag een?", "Vraag twee?", "Vraag drie?", "Vraag vier?", "Vraag vijf?"],
        "related": ["ander"],
    }
    return Page.model_validate(base | fields)


def test_handbook_texts_include_every_kind_of_page_content():
    page = _page(
        lists=[ItemList(title="Lijst", items=("Item",))],
        tables=[Table(title="Tabel", columns=("Kolom",), rows=(("Cel",),))],
        tools=[Tool(name="Instrument", description="Uitleg")],
        sources=["Bron"],
    )
    texts = set(handbook_texts(page))
    expected = {"Titel", "Samenvatting.", "Alinea.", "Lijst", "Item", "Tabel", "Kolom", "Cel"}
    assert expected | {"Instrument", "Uitleg", "Bron"} <= texts


def test_example_questions_and_ids_do_not_count_as_handbook_text():
    texts = set(handbook_texts(_page()))
    assert not texts & {"Vraag een?", "p", "t", "ander"}
