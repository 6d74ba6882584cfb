"""The Teams channel: the endpoint ``POST /api/messages`` (:mod:`.endpoint`), activities to
events (:mod:`.inbound`), replies as cards (:mod:`.cards`), the guarded way back
(:mod:`.outbound`, :mod:`.signing_keys`), and the app package (:mod:`.package`).

The package itself exports nothing: each module is imported where it is needed.
"""

__all__: list[str] = []
