"""The review database's tables, and the steps that bring an older database up to date.

The program creates and migrates the schema itself: ``review_schema`` holds the version a
database is at, and :func:`migrate` runs each step after it, in one transaction. On
PostgreSQL several replicas may start at once; an advisory lock lets one migrate while the
others wait, and they then find the work done.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from polbot.errors import ReviewStoreError

metadata = MetaData()

schema_version = Table("review_schema", metadata, Column("version", Integer, nullable=False))

events = Table(
    "review_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("decision", String(16), nullable=False),
    # De-identified; none for feedback, which carries no question.
    Column("question", Text, nullable=True),
    Column("page_id", String(200), nullable=True),
    # JSON: [[page id, score], ...], best first.
    Column("candidates", Text, nullable=False),
)


def _create_events(connection: Connection) -> None:
    events.create(connection)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_create_events,)
"""Step ``n`` brings a database from version ``n`` to ``n + 1``."""
VERSION = len(MIGRATIONS)

# Any number, the same in every polbot process: the key of the migration's advisory lock.
_LOCK_KEY = 0x706F6C626F74


def migrate(connection: Connection) -> int:
    """Bring the database on ``connection`` to :data:`VERSION` (inside the caller's
    transaction); the version it was at."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    schema_version.create(connection, checkfirst=True)
    found = connection.execute(select(schema_version.c.version)).scalar()
    current = 0 if found is None else int(found)
    if current > VERSION:
        raise ReviewStoreError(
            f"the review database is at schema version {current}, newer than this "
            f"polbot's {VERSION}: upgrade polbot"
        )
    for step in MIGRATIONS[current:]:
        step(connection)
    if found is None:
        connection.execute(schema_version.insert().values(version=VERSION))
    elif current < VERSION:
        connection.execute(schema_version.update().values(version=VERSION))
    return current
