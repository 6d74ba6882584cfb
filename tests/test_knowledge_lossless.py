"""The knowledge base lost nothing of the handbook, and each sentence is on its own page."""

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from polbot.knowledge import HOME, KnowledgeBase, load_knowledge
from polbot.knowledge.coverage import (
    handbook_texts,
    missing_sentences,
    question_key,
    source_sections,
    source_sentences,
    split_sentences,
)

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
SOURCE = KNOWLEDGE / "source" / "aanpak-polarisatie.txt"
DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.yaml"

# The knowledge contract: page ids per theme, in the handbook's order.
CONTRACT = {
    HOME: ["inleiding", "definitie", "contact", "radicalisering"],
    "beleid-en-organisatie": [
        "borging-portefeuille",
        "capaciteit",
        "problematiek-in-kaart",
        "integrale-visie-en-strategie",
        "monitoren-en-evalueren",
        "financiele-middelen",
    ],
    "signalering": ["vroegtijdige-signalering", "ketenpartners"],
    "preventie-en-repressie": [
        "preventie",
        "netwerken",
        "versterken-van-vertrouwen",
        "gerichte-communicatie",
    ],
    "bewustwording-en-kennis": [
        "verbreden-van-de-kennis",
        "train-de-juiste-mensen",
        "haak-externe-partners-aan",
    ],
}
LABELS = {
    "beleid-en-organisatie": "Beleid & organisatie",
    "signalering": "Signalering",
    "preventie-en-repressie": "Preventie & repressie",
    "bewustwording-en-kennis": "Bewustwording & kennis",
}


def all_handbook_texts(kb: KnowledgeBase) -> tuple[str, ...]:
    return handbook_texts(kb.home, *kb.themes, *kb.pages)


@pytest.fixture(scope="module")
def pages(kb):
    return {page.id: page for page in kb.pages}


@pytest.fixture(scope="module")
def source():
    return SOURCE.read_text(encoding="utf-8")


def test_the_knowledge_base_holds_the_contract_pages_and_themes(kb, pages):
    themes = {theme.id: list(theme.pages) for theme in kb.themes}
    assert themes | {HOME: list(kb.home.pages)} == CONTRACT
    assert {theme.id: theme.label for theme in kb.themes} == LABELS
    assert {page.id: page.theme for page in pages.values()} == {
        page: theme for theme, ids in CONTRACT.items() for page in ids
    }
    assert len(pages) == 19
    assert [entry.theme for entry in kb.home.menu if entry.theme] == list(LABELS)


def test_every_sentence_of_the_handbook_is_in_the_knowledge_base(kb, source):
    sentences = source_sentences(source)
    assert len(sentences) > 150
    assert missing_sentences(sentences, all_handbook_texts(kb)) == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "Vaak wordt deze functie gecombineerd met de functie van aandachtsfunctionaris "
        "radicalisering.",
        "Hierdoor wordt de betrokkenheid bij de eigen woonomgeving vergroot.",
        "Cluster Maatschappelijke Ontwikkeling",
        "Weerbaarheid/preventie- Netwerken",
    ],
)
def test_a_knowledge_base_without_one_sentence_reports_exactly_that_one(tmp_path, source, sentence):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    pattern = re.compile(r"\s+".join(map(re.escape, sentence.split())))
    for path in folder.glob("*.yaml"):
        data = _without(yaml.safe_load(path.read_text(encoding="utf-8")), pattern)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    texts = all_handbook_texts(load_knowledge(folder))

    assert missing_sentences(source_sentences(source), texts) == (sentence,)


def _without(value, pattern):
    """``value`` (parsed YAML) with ``pattern`` cut out of every string but the questions."""
    if isinstance(value, str):
        return pattern.sub("", value)
    if isinstance(value, list):
        return [_without(item, pattern) for item in value]
    if isinstance(value, dict):
        return {k: v if k == "questions" else _without(v, pattern) for k, v in value.items()}
    return value


def _source_sections(source, pages):
    return source_sections(source, {page.title: page.id for page in pages.values()})


def test_every_source_sentence_is_on_the_page_under_whose_heading_it_stands(kb, pages, source):
    sections = _source_sections(source, pages)
    assert missing_sentences(sections.pop(None), handbook_texts(kb.home)) == ()
    assert len(sections) == 17
    for page_id, sentences in sections.items():
        assert missing_sentences(sentences, handbook_texts(pages[page_id])) == (), page_id


def test_tools_are_the_source_lines_listed_under_their_page(pages, source):
    sections = _source_sections(source, pages)
    for page_id, page in pages.items():
        content = handbook_texts(page.model_copy(update={"tools": ()}))
        leftover = missing_sentences(sections.get(page_id, ()), content)
        assert tuple(tool.name for tool in page.tools) == leftover, page_id


def test_the_signalering_table_is_the_source_table(pages, source):
    rows = [line.split("\t") for line in source.splitlines() if "\t" in line]
    (table,) = pages["vroegtijdige-signalering"].tables
    assert [list(table.columns), *map(list, table.rows)] == rows


def test_example_questions_are_unique_across_pages(pages):
    seen = defaultdict(list)
    for page in pages.values():
        for question in page.questions:
            seen[question_key(question)].append(page.id)
    assert {q: ids for q, ids in seen.items() if len(ids) > 1} == {}


def test_no_evaluation_question_is_copied_into_the_knowledge_base(pages):
    if not DEV_QUESTIONS.exists():
        pytest.skip(f"{DEV_QUESTIONS} is not beside the repository")
    dev = {question_key(item["q"]) for item in yaml.safe_load(DEV_QUESTIONS.read_text("utf-8"))}
    copied = [q for page in pages.values() for q in page.questions if question_key(q) in dev]
    assert copied == []


def test_every_summary_is_one_to_three_sentences_in_the_handbooks_own_words(pages, source):
    handbook = source_sentences(source)
    for page in pages.values():
        sentences = split_sentences(" ".join(page.summary.split()))
        assert 1 <= len(sentences) <= 3, page.id
        # A summary may end a handbook sentence early, never reword it.
        assert missing_sentences([s.rstrip(".") for s in sentences], handbook) == (), page.id


def test_every_page_has_eight_to_ten_example_questions(pages):
    assert {p.id: len(p.questions) for p in pages.values() if not 8 <= len(p.questions) <= 10} == {}
