"""Schema migrations of the app database, run programmatically (no alembic.ini, any cwd)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from warehouse.appdb.session import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    """Alembic configuration bound to an open connection (`migrations/env.py` uses it)."""
    config = Config(attributes={"connection": connection})
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the latest revision; a no-op when it is already there."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()
