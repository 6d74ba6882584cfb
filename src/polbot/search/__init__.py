"""The search engine: a Dutch question to the handbook page that answers it.

``Engine(kb)`` builds the index once; ``engine.search(text)`` returns a
:class:`SearchResult` with the decision (answer, smalltalk or fallback), the confidence and
at most three candidate pages.
"""

from polbot.search.engine import Engine
from polbot.search.result import Candidate, SearchResult

__all__ = ["Candidate", "Engine", "SearchResult"]
