"""Shared by the review store's tests: the check for leaked personal data, and a scripted
session of 50 questions full of it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from polbot.search import Engine

_INTERFIXES = frozenset({"van", "der", "den", "ter", "ten"})


def leaks(secret: str, text: str) -> list[str]:
    """The parts of ``secret`` still in ``text``: each run of three or more letters or
    digits of it that ``text`` holds as a whole word (or number), surname interfixes aside."""
    found = []
    for part in re.findall(r"[A-Za-zÀ-ÿ]{3,}|\d{3,}", secret):
        if part.lower() in _INTERFIXES:
            continue  # "van" in "Kees van der Berg" identifies nobody
        kind = "A-Za-zÀ-ÿ" if part[0].isalpha() else "0-9"
        if re.search(rf"(?<![{kind}]){re.escape(part)}(?![{kind}])", text, re.IGNORECASE):
            found.append(part)
    return found


# What users ask that the handbook does not answer, or answers only nearly, each asked five
# times with personal data of a different kind.
TOPICS = (
    "waar vraag ik een parkeervergunning aan",
    "hoe verleng ik mijn paspoort",
    "wanneer wordt de groene container geleegd",
    "hoe laat vertrekt de laatste trein naar Parijs",
    "kan ik subsidie krijgen voor een buurtfeest",
    "hoe vraag ik een uitkering aan",
    "waar meld ik een kapotte lantaarnpaal",
    "hoeveel kost een hondenbelasting per jaar",
    "hoe krijg ik een uittreksel uit het bevolkingsregister",
    "wat zijn de openingstijden van het stadhuis",
)
PERSONAL = (
    ("Mijn naam is {0}, {1}?", ["Jan de Vries", "Fatima El Amrani", "Pieter Jansen",
                               "Sanne Bakker", "Mohammed Yilmaz", "Kees van der Berg",
                               "Lotte Mulder", "Ahmet Kaya", "Emma de Jong", "Willem Hoekstra"]),
    ("{1}? Mail mij op {0}", ["jan.devries@gmail.com", "f.elamrani@rotterdam.nl",
                             "p.jansen@hotmail.com", "sanne.bakker@ziggo.nl",
                             "m.yilmaz@outlook.com", "kees@vanderberg.nl",
                             "lotte.mulder@kpnmail.nl", "a.kaya@live.nl",
                             "emma.dejong@xs4all.nl", "w.hoekstra@planet.nl"]),
    ("{1}? Bel mij op {0}", ["06-12345678", "+31 6 2345 6789", "0612398765", "010-4178912",
                            "+31612345670", "06 11 22 33 44", "0031 20 555 12 34",
                            "(010) 123 45 67", "06-87654321", "070-3456789"]),
    ("Ik woon in {0}, {1}?", ["3011 AB", "3512jk", "2595AA", "1012 WX", "5611 EM",
                             "9711 LM", "6211 KL", "2511 CV", "3581 BC", "7511 JE"]),
    ("{1}? Mijn rekening is {0}", ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00",
                                  "NL20INGB0001234567", "NL02 RABO 0123 4567 89",
                                  "NL39RABO0300065264", "NL44 RABO 0123 4567 89",
                                  "NL86INGB0002445588", "NL18 ABNA 0484 8696 03",
                                  "NL69INGB0123456789", "NL56 TRIO 0390 4107 79"]),
)  # fmt: skip


def session() -> list[tuple[str, list[str]]]:
    """The 50 questions, each with the personal data it holds."""
    questions = []
    for kind, (template, values) in enumerate(PERSONAL):
        for index, topic in enumerate(TOPICS):
            value = values[(index + kind) % len(values)]
            question = template.format(value, topic)
            questions.append((question[0].upper() + question[1:], [value]))
    return questions


def record_session(recorder: object, engine: Engine, channels: Iterable[str] = ("web",)) -> int:
    """Ask every question of :func:`session`, record it as the server would; how many the
    engine did not answer straight away (the ones a store keeps)."""
    worth = 0
    names = list(channels)
    for number, (question, _) in enumerate(session()):
        result = engine.search(question)
        worth += result.kind == "fallback" or (result.kind == "answer" and not result.direct)
        recorder.record_question(question, result, names[number % len(names)])  # type: ignore[attr-defined]
    return worth
