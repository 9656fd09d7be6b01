from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from warehouse.appdb.credentials import CredentialCipher
from warehouse.appdb.migrate import upgrade
from warehouse.appdb.session import open_session


@pytest.fixture
def postgres_url(create_postgres_database: Callable[[str], str]) -> str:
    return create_postgres_database("appdb")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    # A nested folder that does not exist yet: make_engine must create it.
    return f"sqlite:///{tmp_path / 'data' / 'app.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def app_db_url(request: pytest.FixtureRequest) -> str:
    """An empty app database URL, once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def session(app_db_url: str) -> Iterator[Session]:
    upgrade(app_db_url)
    with open_session(app_db_url) as session:
        yield session


@pytest.fixture(scope="session")
def cipher() -> CredentialCipher:
    return CredentialCipher(Fernet.generate_key())
