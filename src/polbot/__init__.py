"""polbot: a Dutch chat assistant for the VeiligheidsAlliantie handbook *Aanpak polarisatie*.

The flow of one question::

    channel adapter  ->  dialogue.Assistant  ->  search.Engine  ->  knowledge.KnowledgeBase

The packages are layers; each imports only from the layers below it (``lint-imports``
checks this with the contract in ``pyproject.toml``)::

    commands, server    the ``polbot`` commands; the aiohttp application and its configuration
    channels            one adapter per platform, all behind one ``ChannelHandler``
    runtime             what the channels share: the composition root, bodies, metrics, logs
    dialogue            the channel-neutral conversation
    search              the search engine
    knowledge           the validated knowledge base

``errors``, ``vocabulary`` and ``paths`` sit beside them, importable from every layer.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
