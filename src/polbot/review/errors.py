"""What can go wrong with the review store, as errors that say what to do."""

from __future__ import annotations


class ReviewError(Exception):
    """The review store or its report cannot be used; the message says why."""


class ReviewUnavailableError(ReviewError):
    """Review is switched on but what it needs (the de-identifier, a driver) is missing."""


class ReviewStoreError(ReviewError):
    """The review database cannot be opened, migrated or read."""
