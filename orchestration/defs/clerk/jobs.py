"""`clerk_repair`: the user repair of `POST /v1/admin/clerk/repair` and `metricx clerk-repair`,
for a data engineer to launch from the Dagster UI when Clerk's webhooks were lost.

No `from __future__ import annotations` here: Dagster reads the context annotation at definition
time.
"""

from dataclasses import asdict

from dagster import OpExecutionContext, Output, job, op

from orchestration.defs.clerk.resources import ClerkApiResource
from orchestration.lib.resources import AppDatabaseResource
from warehouse.appdb.accounts import repair_users
from warehouse.appdb.session import open_session

CLERK_REPAIR_JOB_NAME = "clerk_repair"


@op(description="Reconcile the app database's users with Clerk's user list.")
def repair_clerk_users(
    context: OpExecutionContext, clerk_api: ClerkApiResource, app_database: AppDatabaseResource
) -> Output[dict[str, int]]:
    with open_session(app_database.url) as session, clerk_api.client() as clerk:
        counts = asdict(repair_users(session, clerk))
        session.commit()
    context.log.info(f"Clerk repair: {counts}")
    return Output(counts, metadata=dict(counts))


@job(
    name=CLERK_REPAIR_JOB_NAME,
    description="Creates the users Clerk has and the app database missed, updates the changed, "
    "soft-deletes those Clerk no longer has. Idempotent: run it whenever in doubt.",
)
def clerk_repair() -> None:
    repair_clerk_users()
