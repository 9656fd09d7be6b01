"""Resources every integration shares: the warehouse and the app database."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dagster import ConfigurableResource, EnvVar

from metricx.settings import Settings, get_settings
from warehouse.appdb.credentials import CredentialCipher, load_cipher
from warehouse.appdb.models import Connection, utc_now
from warehouse.appdb.queries import active_connections, connections_meant_to_land
from warehouse.appdb.reconnects import clear_backfill, mark_needs_reconnect, pending_backfills
from warehouse.appdb.session import make_engine, make_session_factory, open_session
from warehouse.appdb.shopify_webhooks import (
    clear_landing_request,
    landing_redactions,
    landing_requests,
    mark_erased,
    pending_redactions,
)
from warehouse.appdb.sync_errors import record_sync_results
from warehouse.connection import Warehouse, open_warehouse
from warehouse.redaction import LandingRedactions
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


class UnreadableCredentials(Exception):
    """A connection's stored credentials no longer decrypt: its sync fails alone, clearly."""


@dataclass(frozen=True)
class SyncTarget:
    """An active connection as a sync sees it: ids, decrypted credentials, settings."""

    connection_id: str
    workspace_id: str
    external_account_id: str
    display_name: str
    # None: sealed under a key since replaced (see `credentials`).
    decrypted_credentials: dict[str, Any] | None
    settings: dict[str, Any]
    # The shop's redacted customers, anonymised in every row landed (Shopify connections).
    redactions: LandingRedactions = field(default_factory=LandingRedactions)

    @property
    def credentials(self) -> dict[str, Any]:
        """Raises `UnreadableCredentials` inside the connection's own sync, so one connection
        sealed under another key fails alone instead of stopping every merchant's landing. Not
        a reconnect: restoring the key (a deployment's wrong secret) makes it sync again as it
        was, and the retries of the run fill what it missed."""
        if self.decrypted_credentials is None:
            raise UnreadableCredentials(
                f"the stored credentials of connection {self.connection_id} do not decrypt "
                "with the secret key (METRICX_SECRET_KEY, or secret.key in the data folder) "
                "they were sealed under: restore that key, or reconnect the account"
            )
        return self.decrypted_credentials


@dataclass(frozen=True)
class Backfill:
    """The windows a reconnected connection missed, [start, end), to be landed again."""

    connection_id: str
    provider: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Redaction:
    """A customer's or a shop's personal data still to erase from the warehouse."""

    redaction_id: str
    connection_id: str
    workspace_id: str
    scope: str  # RedactionScope
    customer_id: str | None
    order_ids: tuple[str, ...]
    visitor_token: str


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
                        decrypted_credentials=cipher.readable(connection.credentials_encrypted),
                        settings=dict(connection.settings or {}),
                        redactions=landing_redactions(session, connection),
                    )
                    for connection in active_connections(session, provider)
                ]
        finally:
            engine.dispose()

    def connections_meant_to_land(self, provider: str) -> list[str]:
        with open_session(self.url) as session:
            return connections_meant_to_land(session, provider)

    def mark_needs_reconnect(self, connection_ids: list[str], since: datetime) -> None:
        """Stop syncing connections whose credentials the platform refused, until reconnected."""
        if not connection_ids:
            return
        with open_session(self.url) as session, session.begin():
            mark_needs_reconnect(session, connection_ids, since)

    def record_sync_results(self, failed: list[str], succeeded: list[str], at: datetime) -> None:
        """Connections whose sync failed in a way a retry can fix are in error until one
        succeeds."""
        with open_session(self.url) as session, session.begin():
            record_sync_results(session, failed, succeeded, at)

    def pending_backfills(self) -> list[Backfill]:
        with open_session(self.url) as session:
            return [
                Backfill(c.id, c.provider, c.backfill_from, c.backfill_until)  # type: ignore[arg-type]
                for c in pending_backfills(session)
            ]

    def clear_backfill(self, backfill: Backfill) -> None:
        with open_session(self.url) as session, session.begin():
            clear_backfill(session, backfill.connection_id, backfill.end)

    def pending_redactions(self) -> list[Redaction]:
        with open_session(self.url) as session:
            return [
                Redaction(
                    redaction_id=r.id,
                    connection_id=r.connection_id,
                    workspace_id=connection.workspace_id,
                    scope=r.scope,
                    customer_id=r.customer_id,
                    order_ids=tuple(r.order_ids),
                    visitor_token=r.visitor_token,
                )
                for r in pending_redactions(session)
                if (connection := session.get(Connection, r.connection_id)) is not None
            ]

    def mark_redaction_erased(
        self, redaction_id: str, order_ids: Sequence[str], client_ids: Sequence[str]
    ) -> None:
        with open_session(self.url) as session, session.begin():
            mark_erased(session, redaction_id, order_ids, client_ids, utc_now())

    def shopify_landing_requests(self) -> list[tuple[str, datetime]]:
        """(connection id, latest request) of the shops whose order webhooks ask for a landing."""
        with open_session(self.url) as session:
            return [(r.connection_id, r.requested_at) for r in landing_requests(session)]

    def clear_shopify_landing_request(self, connection_id: str, requested_at: datetime) -> None:
        with open_session(self.url) as session, session.begin():
            clear_landing_request(session, connection_id, requested_at)


def from_environment(value: str, variable: str) -> str | EnvVar:
    """`value` as a reference to `variable` when that is where it came from.

    Dagster resolves an `EnvVar` in the run's process and shows only the variable's name in the
    UI and in stored run config; a plain string would show the secret (credentials key, app
    tokens, passwords inside database URLs). Settings built in code (tests, benchmarks) keep
    their literal values.
    """
    return EnvVar(variable) if value and os.environ.get(variable) == value else value


def shared_resources(settings: Settings) -> dict[str, ConfigurableResource]:
    """The resources every integration uses, given once by the code location: Dagster merges
    integrations' definitions only when a shared key holds the very same object."""
    return {
        "warehouse": WarehouseResource(
            url=from_environment(settings.warehouse_url, "METRICX_WAREHOUSE_URL")
        ),
        "app_database": AppDatabaseResource(
            url=from_environment(settings.app_database_url, "METRICX_APP_DATABASE_URL"),
            secret_key=from_environment(settings.secret_key, "METRICX_SECRET_KEY"),
        ),
    }
