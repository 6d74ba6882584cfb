"""polbot: a Dutch chat assistant for the VeiligheidsAlliantie handbook *Aanpak polarisatie*.

The flow of one question::

    channel adapter  ->  dialogue.Assistant  ->  search.Engine  ->  knowledge.KnowledgeBase

Only the composition roots (``polbot.cli`` and ``polbot.server``) wire these together.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
