"""The ``review:`` section of the configuration: whether questions are kept, where, how long."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_DATABASE = "review.db"


class ReviewSettings(BaseModel):
    """``review.enabled``, ``review.database_url`` and ``review.retention_days``.

    With ``enabled`` off (the default) nothing is written anywhere. ``database_url`` is an
    SQLAlchemy URL, ``sqlite:///path`` (one process, embedded) or ``postgresql://...``
    (several replicas, one shared store); ``None`` means ``review.db`` beside the
    configuration file (see :meth:`resolved`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    database_url: str | None = None
    retention_days: int = Field(default=90, ge=1, le=3650)

    def resolved(self, config_dir: Path) -> ReviewSettings:
        """These settings with the default database, ``config_dir/review.db``, filled in,
        and a relative SQLite path made relative to ``config_dir``."""
        url = self.database_url or f"sqlite:///{DEFAULT_DATABASE}"
        prefix = "sqlite:///"
        if url.startswith(prefix) and not Path(url[len(prefix) :]).is_absolute():
            url = prefix + str((config_dir / url[len(prefix) :]).resolve())
        return self.model_copy(update={"database_url": url})
