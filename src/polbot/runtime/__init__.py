"""What every channel shares at run time, below the channels and above the conversation:
the composition root, request bodies, observation (metrics, logs, the apology), the
shutdown, and the base of the settings.

Each module is imported where it is needed (``polbot.runtime.body`` needs aiohttp,
``polbot.runtime.metrics`` prometheus_client); this package re-exports nothing, so that
``polbot ask`` pays for neither.
"""

__all__: list[str] = []
