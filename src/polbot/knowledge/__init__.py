"""The knowledge base: the handbook as a typed, validated, read-only model.

``load_knowledge(folder)`` reads the YAML files of a knowledge folder and returns a
:class:`KnowledgeBase`, or raises :class:`KnowledgeError` listing every problem.
"""

from polbot.errors import KnowledgeError, KnowledgeFolderNotFoundError, Problem
from polbot.knowledge.loader import load_knowledge
from polbot.knowledge.model import (
    HOME,
    Home,
    ItemList,
    KnowledgeBase,
    KnowledgeFile,
    MenuEntry,
    Page,
    SmalltalkIntent,
    Table,
    Theme,
    Tool,
)

__all__ = [
    "HOME",
    "Home",
    "ItemList",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeFile",
    "KnowledgeFolderNotFoundError",
    "MenuEntry",
    "Page",
    "Problem",
    "SmalltalkIntent",
    "Table",
    "Theme",
    "Tool",
    "load_knowledge",
]
