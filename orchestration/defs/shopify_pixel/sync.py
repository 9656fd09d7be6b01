"""One Shopify connection's pixel events moved from the app database's inbox into the warehouse,
a slice per window of receipt, independent of Dagster."""

from __future__ import annotations

import bisect

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestration.connectors.http import SyncUsage
from orchestration.connectors.quarantine import MalformedRow
from orchestration.defs.shopify_pixel.events import pixel_row
from orchestration.lib.outcomes import ConnectionOutcome, recorded
from orchestration.lib.resources import SyncTarget
from orchestration.lib.slices import land_window_slices
from orchestration.lib.windows import Window
from warehouse.appdb.models import PixelEvent
from warehouse.connection import Warehouse
from warehouse.raw_tables import SHOPIFY_PIXEL_EVENTS


def land_pixel_events(
    target: SyncTarget, inbox: Session, windows: list[Window], warehouse: Warehouse
) -> ConnectionOutcome:
    """Land, for every window, the events the intake received in it.

    Every window gets its slice, empty or not, so a re-run replaces exactly what it landed before
    and the landing log tells a quiet window from one never landed. The inbox keeps the events:
    a re-run of a window finds the same ones again.
    """
    outcome = ConnectionOutcome.of(target)
    # The inbox is the app database: no platform request to count.
    with recorded(outcome, SyncUsage()):
        starts = [window.start for window in windows]
        rows: dict[Window, list[tuple[object, ...]]] = {window: [] for window in windows}
        quarantined: dict[Window, list[tuple[str, str]]] = {window: [] for window in windows}
        received = inbox.execute(
            select(PixelEvent.payload, PixelEvent.received_at)
            .where(
                PixelEvent.connection_id == target.connection_id,
                PixelEvent.received_at >= windows[0].start,
                PixelEvent.received_at < windows[-1].end,
            )
            .order_by(PixelEvent.received_at, PixelEvent.event_id)
        )
        for payload, received_at in received:
            window = windows[bisect.bisect_right(starts, received_at) - 1]
            row = pixel_row(
                payload,
                shop_domain=target.external_account_id,
                received_at=received_at,
                redactions=target.redactions,
            )
            if isinstance(row, MalformedRow):
                quarantined[window].append((row.reason, row.payload))
            else:
                rows[window].append(row)
        land_window_slices(warehouse, SHOPIFY_PIXEL_EVENTS, target, outcome, rows, quarantined)
    return outcome
