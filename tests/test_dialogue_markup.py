"""The light markup of conversation texts, and links in handbook text."""

from __future__ import annotations

import pytest

from polbot.dialogue.markup import parse, spans
from polbot.dialogue.replies import BulletList, Paragraph, Span


def test_blank_lines_separate_paragraphs_and_single_breaks_are_spaces() -> None:
    assert parse("een\ntwee\n\n  \ndrie") == (
        Paragraph((Span("een twee"),)),
        Paragraph((Span("drie"),)),
    )


def test_dash_lines_are_bullets_after_a_lead_in_and_continue_on_the_next_line() -> None:
    assert parse("Kies:\n- eerste\n  vervolg\n- tweede") == (
        Paragraph((Span("Kies:"),)),
        BulletList(((Span("eerste vervolg"),), (Span("tweede"),))),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**vet** niet", (Span("vet", bold=True), Span(" niet"))),
        ("[site](https://x.nl/a)", (Span("site", link="https://x.nl/a"),)),
        ("[mail ons](mailto:a@b.nl)", (Span("mail ons", link="mailto:a@b.nl"),)),
        (
            "naar a.b@c-d.nl.",
            (Span("naar "), Span("a.b@c-d.nl", link="mailto:a.b@c-d.nl"), Span(".")),
        ),
        (
            "zie https://x.nl/p.",
            (Span("zie "), Span("https://x.nl/p", link="https://x.nl/p"), Span(".")),
        ),
        (
            "**mail a@b.nl**",
            (Span("mail ", bold=True), Span("a@b.nl", bold=True, link="mailto:a@b.nl")),
        ),
        ("[x](javascript:alert(1))", (Span("[x](javascript:alert(1))"),)),
        ("** los", (Span("** los"),)),
    ],
)
def test_inline_markup(text: str, expected: tuple[Span, ...]) -> None:
    assert parse(text) == (Paragraph(expected),)


def test_empty_text_has_no_blocks() -> None:
    assert parse("  \n\n ") == ()


def test_handbook_text_keeps_markup_characters_and_links_addresses() -> None:
    assert spans("**niet vet** [x](https://y.nl) mail z@y.nl") == (
        Span("**niet vet** [x]("),
        Span("https://y.nl", link="https://y.nl"),
        Span(") mail "),
        Span("z@y.nl", link="mailto:z@y.nl"),
    )


def test_handbook_text_can_be_bold_throughout() -> None:
    assert spans("Titel", bold=True) == (Span("Titel", bold=True),)
