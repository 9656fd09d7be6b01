"""Engines and sessions for the app database (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: API handlers serialize them once the unit of work ends.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def open_session(url: str) -> Iterator[Session]:
    """A session on an engine of its own, disposed of after: for a one-off piece of work (a
    seeding, a test's setup). Long-lived processes keep one engine and its pool instead."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _enable_sqlite_foreign_keys(dbapi_connection: SQLiteConnection, _record: Any) -> None:
    # SQLite ignores REFERENCES clauses unless each connection opts in.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
