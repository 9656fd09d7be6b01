"""Erasing what Shopify's privacy webhooks ask to forget from the warehouse.

The API erases the app database's copy when `customers/redact` or `shop/redact` arrives and
records the redaction; the warehouse has one writer, the pipeline, so this job erases its copy
(raw tables and marts, warehouse/redaction.py), publishes the marts for readers, and leaves only
digests in the app database. The sensor launches it when a redaction is pending. From then on
every landing of the shop anonymises the redacted customer's rows as they land
(`SyncTarget.redactions`), so no re-run brings them back.

No `from __future__ import annotations` here: Dagster reads the context annotation at definition
time.
"""

from collections.abc import Iterator

from dagster import (
    DefaultSensorStatus,
    OpExecutionContext,
    Output,
    RunRequest,
    SensorEvaluationContext,
    job,
    op,
    sensor,
)

from orchestration.lib.pools import WAREHOUSE_WRITES_POOL
from orchestration.lib.resources import AppDatabaseResource, WarehouseResource
from warehouse.appdb.models import RedactionScope
from warehouse.redaction import erase_customer, erase_shop
from warehouse.serving import publish_marts

REDACTION_JOB_NAME = "erase_shopify_personal_data"
SENSOR_NAME = "erase_redacted_personal_data"
# Shopify gives an app 30 days to act on a redaction; a minute keeps the erasure prompt without
# a run per webhook when several arrive together.
SENSOR_INTERVAL_SECONDS = 60


@op(
    description="Erase the pending Shopify redactions' personal data from the raw tables and "
    "the marts, and publish the marts.",
    pool=WAREHOUSE_WRITES_POOL,
)
def erase_pending_redactions(
    context: OpExecutionContext, warehouse: WarehouseResource, app_database: AppDatabaseResource
) -> Output[int]:
    redactions = app_database.pending_redactions()
    found: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    with warehouse.open() as landed:
        landed.ensure_raw_schema()
        for redaction in redactions:
            if redaction.scope == RedactionScope.SHOP:
                erase_shop(landed, redaction.connection_id, redaction.workspace_id)
                found[redaction.redaction_id] = ((), ())
            else:
                erased = erase_customer(
                    landed,
                    redaction.connection_id,
                    customer_id=redaction.customer_id,
                    order_ids=redaction.order_ids,
                    visitor_token=redaction.visitor_token,
                )
                found[redaction.redaction_id] = (erased.order_ids, erased.client_ids)
        if redactions:
            publish_marts(landed)
    # Only once readers see the erased marts: a failure before leaves the redaction pending, and
    # erasing again is harmless.
    for redaction_id, (order_ids, client_ids) in found.items():
        app_database.mark_redaction_erased(redaction_id, order_ids, client_ids)
    context.log.info(f"Erased {len(redactions)} Shopify redaction(s) from the warehouse")
    return Output(len(redactions), metadata={"redactions": len(redactions)})


@job(
    name=REDACTION_JOB_NAME,
    description="Erases from the warehouse the customers and shops Shopify's privacy webhooks "
    "asked to forget. Launched by its sensor; idempotent.",
)
def erase_shopify_personal_data() -> None:
    erase_pending_redactions()


@sensor(
    name=SENSOR_NAME,
    job=erase_shopify_personal_data,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Launch the erasure when a Shopify redaction is pending.",
)
def erase_redacted_personal_data(
    context: SensorEvaluationContext, app_database: AppDatabaseResource
) -> Iterator[RunRequest]:
    pending = sorted(redaction.redaction_id for redaction in app_database.pending_redactions())
    if pending:
        # One run for what is pending now; the same pending set never launches twice.
        yield RunRequest(run_key=f"redact-{'-'.join(pending)}")
