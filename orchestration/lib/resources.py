"""Resources every integration shares: the warehouse and the app database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dagster import ConfigurableResource

from metricx.settings import get_settings
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.queries import active_connections
from warehouse.appdb.session import make_engine, make_session_factory
from warehouse.connection import Warehouse, open_warehouse
from warehouse.url import parse_warehouse_url


class WarehouseResource(ConfigurableResource):
    url: str

    @contextmanager
    def open(self) -> Iterator[Warehouse]:
        warehouse = open_warehouse(self.url)
        try:
            yield warehouse
        finally:
            warehouse.close()

    @contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """Point dbt's profile at this warehouse for the commands started inside the block.

        dagster-dbt hands the process environment to the dbt subprocess when it starts it, so
        the variables need only be set while the command is launched.
        """
        overrides = parse_warehouse_url(self.url).dbt_env()
        saved = {name: os.environ.get(name) for name in overrides}
        os.environ.update(overrides)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@dataclass(frozen=True)
class SyncTarget:
    """An active connection as a sync sees it: ids, decrypted credentials, settings."""

    connection_id: str
    workspace_id: str
    external_account_id: str
    display_name: str
    credentials: dict[str, Any]
    settings: dict[str, Any]


class AppDatabaseResource(ConfigurableResource):
    url: str
    secret_key: str = ""

    def _cipher(self) -> CredentialCipher:
        if self.secret_key:
            return CredentialCipher(self.secret_key)
        return load_cipher(get_settings())

    def sync_targets(self, provider: str) -> list[SyncTarget]:
        engine = make_engine(self.url)
        cipher = self._cipher()
        try:
            with make_session_factory(engine)() as session:
                return [
                    SyncTarget(
                        connection_id=connection.id,
                        workspace_id=connection.workspace_id,
                        external_account_id=connection.external_account_id,
                        display_name=connection.display_name,
                        credentials=cipher.decrypt(connection.credentials_encrypted),
                        settings=dict(connection.settings or {}),
                    )
                    for connection in active_connections(session, provider)
                ]
        finally:
            engine.dispose()
