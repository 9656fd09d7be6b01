"""Users mirrored from Clerk: its webhooks, a first sign-in nobody announced, and the repair that
reconciles the whole list when deliveries went missing. Clerk is the truth; these functions make
the app database agree with it whatever order (or how many times) they hear of a change.

Shared by the API (webhooks, sign-in, the admin route), the `metricx` command line and the
Dagster job, so it lives beside the tables. Each flushes and leaves the commit to the caller.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warehouse.appdb.clerk_api import (
    PAGE_SIZE,
    ClerkBackend,
    ClerkProfile,
    from_clerk_ms,
    parse_user,
)
from warehouse.appdb.models import (
    ClerkWebhookDelivery,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    utc_now,
)

USER_EVENTS = frozenset({"user.created", "user.updated", "user.deleted"})
# A first workspace's settings until its owner sets theirs.
DEFAULT_CURRENCY = "USD"
DEFAULT_TIMEZONE = "UTC"


def apply_user_event(session: Session, svix_id: str, event: dict[str, Any]) -> bool:
    """Apply a verified Clerk event once: False when this delivery was applied before (a
    replay or a retry), or is not about users."""
    if event.get("type") not in USER_EVENTS:
        return False
    if session.get(ClerkWebhookDelivery, svix_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ClerkWebhookDelivery(svix_id=svix_id, event_type=event["type"]))
    except IntegrityError:
        return False  # the same delivery, applied concurrently by another worker
    data = event["data"]
    if event["type"] == "user.deleted":
        # No profile and no `updated_at` in a deletion: the event's own time orders it.
        mark_deleted(session, data["id"], from_clerk_ms(event["timestamp"]))
    else:
        apply_profile(session, parse_user(data))
    return True


def apply_profile(session: Session, profile: ClerkProfile) -> str:
    """Mirror a profile unless a newer version (or a later deletion) is mirrored already.

    Returns what happened: `created`, `updated` or `unchanged`.
    """
    user = session.scalar(select(User).where(User.clerk_user_id == profile.clerk_user_id))
    if user is None:
        session.add(
            User(
                clerk_user_id=profile.clerk_user_id,
                email=profile.email,
                clerk_updated_at=profile.updated_at,
            )
        )
        session.flush()
        return "created"
    if user.clerk_updated_at is not None and user.clerk_updated_at >= profile.updated_at:
        return "unchanged"
    changed = user.email != profile.email or user.deleted_at is not None
    user.email = profile.email
    user.clerk_updated_at = profile.updated_at
    user.deleted_at = None
    session.flush()
    return "updated" if changed else "unchanged"


def mark_deleted(session: Session, clerk_user_id: str, at: datetime) -> bool:
    """Soft-delete the user as of `at`; False when already deleted. A deletion heard before the
    user's creation leaves a tombstone, so the late `user.created` cannot bring it back."""
    user = session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))
    if user is None:
        session.add(User(clerk_user_id=clerk_user_id, email="", clerk_updated_at=at, deleted_at=at))
        session.flush()
        return True
    if user.deleted_at is not None:
        return False
    user.deleted_at = at
    user.clerk_updated_at = max(user.clerk_updated_at or at, at)
    session.flush()
    return True


@dataclass(frozen=True)
class RepairCounts:
    created: int
    updated: int
    deleted: int
    unchanged: int


def repair_users(session: Session, clerk: ClerkBackend, page_size: int = PAGE_SIZE) -> RepairCounts:
    """Make the users agree with Clerk's list: create the missing, update the changed (and
    restore those wrongly deleted), soft-delete those Clerk no longer has. A second run right
    after counts everything unchanged."""
    outcomes = {"created": 0, "updated": 0, "unchanged": 0}
    in_clerk: set[str] = set()
    for profile in clerk.users(page_size):
        in_clerk.add(profile.clerk_user_id)
        outcome = _reconcile(session, profile)
        outcomes[outcome] += 1
    deleted = 0
    for user in session.scalars(select(User).where(User.deleted_at.is_(None))):
        if user.clerk_user_id not in in_clerk:
            user.deleted_at = utc_now()
            deleted += 1
    session.flush()
    return RepairCounts(deleted=deleted, **outcomes)


def _reconcile(session: Session, profile: ClerkProfile) -> str:
    # Clerk's current list outranks anything mirrored, even a deletion "newer" than the profile.
    user = session.scalar(select(User).where(User.clerk_user_id == profile.clerk_user_id))
    if user is not None and user.deleted_at is not None:
        user.clerk_updated_at = None
    return apply_profile(session, profile)


def first_sign_in(session: Session, clerk: ClerkBackend, clerk_user_id: str) -> User | None:
    """The user of a valid session whom no webhook announced, created from Clerk's profile;
    None when Clerk has no such user."""
    profile = clerk.user(clerk_user_id)
    if profile is None:
        return None
    try:
        with session.begin_nested():
            apply_profile(session, profile)
    except IntegrityError:
        pass  # the same user's first requests racing: another one created the row
    return session.scalar(select(User).where(User.clerk_user_id == clerk_user_id))


def settle_memberships(session: Session, user: User) -> None:
    """On sign-in: accept the invitations sent to the user's email, and give a user who then
    belongs nowhere a workspace of their own to own."""
    if user.email:
        invitations = session.scalars(
            select(Invitation).where(func.lower(Invitation.email) == user.email.lower())
        )
        for invitation in invitations:
            if session.get(Membership, (user.id, invitation.workspace_id)) is None:
                session.add(
                    Membership(
                        user_id=user.id, workspace_id=invitation.workspace_id, role=invitation.role
                    )
                )
            session.delete(invitation)
        session.flush()
    has_membership = session.scalar(select(Membership.user_id).where(Membership.user_id == user.id))
    if has_membership is None:
        name = f"{user.email.split('@')[0] or 'My'} workspace"
        create_workspace(session, user, name, DEFAULT_CURRENCY, DEFAULT_TIMEZONE)


def create_workspace(
    session: Session, owner: User, name: str, currency: str, timezone: str
) -> Workspace:
    workspace = Workspace(slug=_slug(name), name=name, currency=currency, timezone=timezone)
    session.add(workspace)
    session.flush()
    session.add(Membership(user_id=owner.id, workspace_id=workspace.id, role=Role.OWNER))
    session.flush()
    return workspace


def _slug(name: str) -> str:
    # Unique by its random tail; readable by its head.
    head = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "workspace"
    return f"{head}-{secrets.token_hex(3)}"
