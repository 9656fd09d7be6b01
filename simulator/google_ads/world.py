"""Google Ads delivery of the world: search campaigns and ad groups per merchant, hourly metrics
per ad group, and conversions that keep arriving for days after the click.

Like the Meta part of the world nothing is stored: an ad group's hour is a pure function of
(seed, ad group id, UTC hour start). "Now" hides the hours not started, pro-rates the current
one and decides how much of each hour's conversions Google has attributed so far: cost,
impressions and clicks are final once the hour ended, conversions are not (restatement). The
only state is what a test or the demo restates on purpose (`restate_conversions`), kept with
the moment it happened so every earlier reading stays what it was.

Each ad group holds two ads (`ad_group_ad`); campaigns, ad groups and ads have the status the
advertiser set (ENABLED, PAUSED or REMOVED, Google's CampaignStatus, AdGroupStatus and
AdGroupAdStatus). Every account starts with one ad paused and one removed, as accounts that
test ad variants do; a test or the demo pauses, enables or removes an entity from a moment on
(`set_status`). A campaign or ad group that is not ENABLED delivers nothing from the first hour
starting at or after the change; an ad's status does not change its ad group's metrics (Google
reports them per ad group here, and the group's other ad keeps serving).
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from simulator.consent import AuthorizationCodes
from simulator.draws import BASIS, between, seeded_draws
from simulator.hours import HOUR, HOUR_MICROSECONDS, MICROSECOND
from simulator.merchants import Merchant
from simulator.money import CENT
from simulator.restatements import FULL_PERMILLE, Restatements

if TYPE_CHECKING:
    from simulator.world import World

# What metricx's own Google Ads API registration holds; anything else is refused.
DEVELOPER_TOKEN = "sim-developer-token"
OAUTH_CLIENT_ID = "sim-client-id"
OAUTH_CLIENT_SECRET = "sim-client-secret"
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
DEFAULT_ACCESS_TOKEN_LIFETIME = timedelta(seconds=3599)
# Google streams search results in batches of 10,000 rows.
DEFAULT_STREAM_BATCH_SIZE = 10_000

# Share of an hour's conversions visible once the hour ended, and how long after the end of the
# account-local day the rest keeps arriving (linearly): late conversions and data-driven
# attribution make Google restate recent days' conversions.
VISIBLE_AT_FIRST_PERMILLE = 700
RESTATEMENT_PERIOD = timedelta(days=3)

_RESTATEMENT_MICROSECONDS = RESTATEMENT_PERIOD // MICROSECOND
# Google bills in micros of the account currency, but charges whole hundredths of a unit.
COST_MICROS_STEP = 10_000

_CAMPAIGNS = (
    ("Search | Brand", ("Brand exact", "Brand phrase")),
    ("Search | Generic", ("Bestsellers", "Category terms")),
    ("Shopping | All products", ("All products", "Top sellers")),
)
# Two ads per ad group: the one serving, and a variant being tested against it.
_AD_NAMES = ("Ad A", "Ad B (variant)")
ADS_PER_AD_GROUP = len(_AD_NAMES)
# Search demand per local hour: quiet nights, 03:00-04:59 deliver nothing.
_HOURLY_WEIGHT = (2, 1, 1, 0, 0, 1, 2, 4, 6, 8, 9, 10, 10, 10, 10, 9, 9, 9, 10, 10, 9, 7, 5, 3)
_WEIGHT_TOTAL = sum(_HOURLY_WEIGHT)


class EntityStatus(StrEnum):
    """The status an advertiser sets on a campaign, ad group or ad, as Google's enums name it."""

    ENABLED = "ENABLED"
    PAUSED = "PAUSED"
    REMOVED = "REMOVED"


# Every account's variant in its first ad group is paused and the one in its second removed,
# since before any moment the world is asked about.
_SEEDED_AD_STATUSES = {1: EntityStatus.PAUSED, 3: EntityStatus.REMOVED}


@dataclass(frozen=True)
class Campaign:
    customer_id: str
    campaign_id: str
    campaign_name: str


@dataclass(frozen=True)
class AdGroup:
    customer_id: str
    campaign_id: str
    campaign_name: str
    ad_group_id: str
    ad_group_name: str


@dataclass(frozen=True)
class GoogleAd:
    """An ad of an ad group (`ad_group_ad`): Google identifies it by (ad group id, ad id)."""

    customer_id: str
    campaign_id: str
    ad_group_id: str
    ad_id: str
    ad_name: str


@dataclass(frozen=True)
class StatusChange:
    """From `effective_at` (the world's clock) on, the entity has `status`."""

    effective_at: datetime
    status: EntityStatus


@dataclass(frozen=True)
class GoogleMetrics:
    cost_micros: int
    impressions: int
    clicks: int
    conversions: Decimal  # fractional: data-driven attribution splits conversions across clicks
    conversions_value: Decimal

    def __add__(self, other: GoogleMetrics) -> GoogleMetrics:
        return GoogleMetrics(
            cost_micros=self.cost_micros + other.cost_micros,
            impressions=self.impressions + other.impressions,
            clicks=self.clicks + other.clicks,
            conversions=self.conversions + other.conversions,
            conversions_value=self.conversions_value + other.conversions_value,
        )


NO_METRICS = GoogleMetrics(0, 0, 0, Decimal("0.00"), Decimal("0.00"))


@dataclass(frozen=True)
class AdGroupHour:
    """One ad group's metrics in one hour of the customer's time zone (`segments.date`,
    `segments.hour`). On the autumn DST day the repeated hour holds both UTC hours."""

    ad_group: AdGroup
    local_date: date
    hour: int
    metrics: GoogleMetrics


@dataclass(frozen=True)
class _FinalHour:
    """An hour as it ends up once every conversion arrived; conversions in hundredths."""

    cost_micros: int
    impressions: int
    clicks: int
    conversion_hundredths: int
    value_cents: int


_NOTHING = _FinalHour(0, 0, 0, 0, 0)


@dataclass(frozen=True)
class _AdGroupProfile:
    daily_budget_micros: int
    cpc_micros: int
    ctr_bp: int
    cvr_bp: int
    order_value_cents: int


class StreamFault(StrEnum):
    RESOURCE_EXHAUSTED = "resource_exhausted"  # HTTP 429
    INTERNAL = "internal"  # HTTP 500
    UNAVAILABLE = "unavailable"  # HTTP 503


@dataclass(frozen=True)
class StreamFailure:
    kind: StreamFault
    # What a RESOURCE_EXHAUSTED answer announces in `quotaErrorDetails.retryDelay`.
    retry_delay_seconds: int = 2


class RowCorruption(StrEnum):
    NON_NUMERIC_COST = "non_numeric_cost"
    MISSING_AD_GROUP_ID = "missing_ad_group_id"


class GoogleAdsFaults:
    """Failures injected on purpose; thread-safe, like the Meta faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stream_failures: deque[StreamFailure] = deque()
        self._corruptions: deque[RowCorruption] = deque()
        self._objects_without_id = 0

    def fail_search_stream(
        self, count: int, kind: StreamFault, *, retry_delay_seconds: int = 2
    ) -> None:
        """Make the next `count` searchStream requests fail with `kind`."""
        with self._lock:
            self._stream_failures.extend([StreamFailure(kind, retry_delay_seconds)] * count)

    def corrupt_rows(self, count: int, kind: RowCorruption) -> None:
        """Corrupt the next `count` ad group rows served, inside otherwise valid batches."""
        with self._lock:
            self._corruptions.extend([kind] * count)

    def drop_object_ids(self, count: int) -> None:
        """Leave the id out of the next `count` campaign, ad group or ad rows a query of
        attributes lists."""
        with self._lock:
            self._objects_without_id += count

    def take_objects_without_id(self, limit: int) -> int:
        with self._lock:
            taken = min(limit, self._objects_without_id)
            self._objects_without_id -= taken
            return taken

    def take_search_stream_failure(self) -> StreamFailure | None:
        with self._lock:
            return self._stream_failures.popleft() if self._stream_failures else None

    def take_corruptions(self, limit: int) -> list[RowCorruption]:
        with self._lock:
            return [self._corruptions.popleft() for _ in range(min(limit, len(self._corruptions)))]

    def clear(self) -> None:
        with self._lock:
            self._stream_failures.clear()
            self._corruptions.clear()
            self._objects_without_id = 0


@dataclass(frozen=True)
class AccessToken:
    token: str
    merchant: Merchant
    expires_at: datetime  # on the world's clock
    grant: str | None = None  # the refresh token it came from: revoking one revokes both


@dataclass(frozen=True)
class CustomerClient:
    """A customer in the hierarchy under another (`customer_client`): level 0 is the customer
    itself, level 1 the clients a manager links directly."""

    customer_id: str
    descriptive_name: str
    manager: bool
    level: int
    currency_code: str
    time_zone: str


class GoogleAdsWorld:
    """The Google side of one `World`: get it with `GoogleAdsWorld.of(world)`, so the simulator's
    routes and the tests share its knobs (faults, token lifetime, batch size)."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.faults = GoogleAdsFaults()
        self.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME
        self.stream_batch_size = DEFAULT_STREAM_BATCH_SIZE
        self._tokens: dict[str, AccessToken] = {}
        self._tokens_lock = threading.Lock()
        self.codes = AuthorizationCodes("4/0Asim")
        self._consent_denied = False
        self.online_codes: set[str] = set()  # codes of consents without `access_type=offline`
        self._granted_refresh_tokens: dict[str, Merchant] = {}
        self._revoked_refresh_tokens: set[str] = set()
        self.revocations: list[str] = []  # tokens sent to the revocation endpoint, in order
        self._restatements = Restatements()
        self._by_customer = {m.google_customer_id: m for m in world.merchants}
        self._by_manager = {
            m.google_manager_customer_id: m for m in world.merchants if m.google_manager_customer_id
        }
        self._by_refresh_token = {m.google_refresh_token: m for m in world.merchants}
        self._ad_groups = {
            m.google_customer_id: self._make_ad_groups(m, merchant_no)
            for merchant_no, m in enumerate(world.merchants, start=1)
        }
        self._owners = {
            group.ad_group_id: self._by_customer[group.customer_id]
            for groups in self._ad_groups.values()
            for group in groups
        }
        self._profiles = {
            ad_group_id: self._make_profile(ad_group_id) for ad_group_id in self._owners
        }
        self._ads = {
            customer_id: [
                _make_ad(group, ad_no) for group in groups for ad_no in range(ADS_PER_AD_GROUP)
            ]
            for customer_id, groups in self._ad_groups.items()
        }
        self._seeded_statuses = {
            ads[ad_index].ad_id: status
            for ads in self._ads.values()
            for ad_index, status in _SEEDED_AD_STATUSES.items()
            if ad_index < len(ads)
        }
        # Per entity id, in the order they were made.
        self._status_changes: dict[str, tuple[StatusChange, ...]] = {}
        self._status_lock = threading.Lock()

    @classmethod
    def of(cls, world: World) -> GoogleAdsWorld:
        """The Google side of `world`, made on first use and kept by the world."""
        return world.platform(cls)

    # -- lookups ---------------------------------------------------------------------------

    def merchant_by_customer_id(self, customer_id: str) -> Merchant | None:
        return self._by_customer.get(customer_id)

    def merchant_by_any_customer_id(self, customer_id: str) -> Merchant | None:
        """The merchant of an ad account or of the manager account above it."""
        return self._by_customer.get(customer_id) or self._by_manager.get(customer_id)

    def is_manager(self, customer_id: str) -> bool:
        return customer_id in self._by_manager

    def accessible_customers(self, merchant: Merchant) -> list[str]:
        """What `customers:listAccessibleCustomers` answers the merchant's Google user: the
        accounts the user was granted directly, so a managed ad account is not among them."""
        return [merchant.google_manager_customer_id or merchant.google_customer_id]

    def customer_clients(self, customer_id: str) -> list[CustomerClient]:
        """The hierarchy under `customer_id`, itself first (level 0); empty if unknown."""
        merchant = self.merchant_by_any_customer_id(customer_id)
        if merchant is None:
            return []
        account = CustomerClient(
            merchant.google_customer_id,
            merchant.name,
            False,
            0,
            merchant.currency,
            merchant.timezone,
        )
        if customer_id == merchant.google_customer_id:
            return [account]
        manager = CustomerClient(
            customer_id,
            merchant.google_manager_name or customer_id,
            True,
            0,
            merchant.currency,
            merchant.timezone,
        )
        return [manager, CustomerClient(**{**account.__dict__, "level": 1})]

    def may_read(self, merchant: Merchant, customer_id: str, login_customer_id: str) -> bool:
        """Whether the merchant's Google user may operate `customer_id` logged in through
        `login_customer_id`: the user must reach the login customer directly, and the operating
        customer must be it or in its hierarchy."""
        return login_customer_id in self.accessible_customers(merchant) and any(
            client.customer_id == customer_id for client in self.customer_clients(login_customer_id)
        )

    def merchant_by_refresh_token(self, refresh_token: str) -> Merchant | None:
        """The refresh token's user: seeded or granted by consent, unless revoked or expired."""
        with self._tokens_lock:
            if refresh_token in self._revoked_refresh_tokens:
                return None
            granted = self._granted_refresh_tokens.get(refresh_token)
        return self._by_refresh_token.get(refresh_token) or granted

    def ad_groups(self, customer_id: str) -> list[AdGroup]:
        """Ad groups of the customer ordered by id; empty for an unknown customer."""
        return self._ad_groups.get(customer_id, [])

    def campaigns(self, customer_id: str) -> list[Campaign]:
        """Campaigns of the customer ordered by id; empty for an unknown customer."""
        campaigns = {
            group.campaign_id: Campaign(customer_id, group.campaign_id, group.campaign_name)
            for group in self.ad_groups(customer_id)
        }
        return [campaigns[campaign_id] for campaign_id in sorted(campaigns)]

    def ads(self, customer_id: str) -> list[GoogleAd]:
        """Ads of the customer ordered by ad group then ad id; empty for an unknown customer."""
        return self._ads.get(customer_id, [])

    def now(self) -> datetime:
        return self._world.now()

    # -- OAuth -----------------------------------------------------------------------------

    def issue_access_token(self, merchant: Merchant, grant: str | None = None) -> AccessToken:
        issued = AccessToken(
            # Google access tokens start with "ya29."; the rest only has to be opaque.
            token=f"ya29.sim-{secrets.token_urlsafe(32)}",
            merchant=merchant,
            expires_at=self._world.now() + self.access_token_lifetime,
            grant=grant,
        )
        with self._tokens_lock:
            self._tokens[issued.token] = issued
        return issued

    def access_token(self, token: str) -> AccessToken | None:
        with self._tokens_lock:
            return self._tokens.get(token)

    def deny_consent(self, denied: bool = True) -> None:
        """The signed-in user clicks Cancel on the consent screen."""
        self._consent_denied = denied

    @property
    def consent_denied(self) -> bool:
        return self._consent_denied

    def grant_refresh_token(self, merchant: Merchant) -> str:
        """The offline grant of a consent (`access_type=offline`)."""
        # Google refresh tokens start with "1//"; the rest only has to be opaque.
        token = f"1//sim-granted-{secrets.token_urlsafe(32)}"
        with self._tokens_lock:
            self._granted_refresh_tokens[token] = merchant
        return token

    def revoke_refresh_tokens(self, merchant: Merchant) -> None:
        """The merchant's grants so far (the seeded one too) are revoked or expire, as when they
        remove access or a Testing-mode grant runs out after 7 days: refreshing answers
        `invalid_grant` and the access tokens already issued stop working."""
        with self._tokens_lock:
            self._revoked_refresh_tokens |= {
                token for token, m in self._granted_refresh_tokens.items() if m is merchant
            }
            self._revoked_refresh_tokens.add(merchant.google_refresh_token)
            for token in [t for t, issued in self._tokens.items() if issued.merchant is merchant]:
                del self._tokens[token]

    def revoke(self, token: str) -> bool:
        """Google's revocation endpoint: an access or refresh token ends its whole grant (the
        refresh token and every access token from it). False for a token it does not know or
        already revoked."""
        with self._tokens_lock:
            issued = self._tokens.get(token)
            grant = issued.grant if issued is not None else token
            known = (
                grant in self._granted_refresh_tokens or grant in self._by_refresh_token
            ) and grant not in self._revoked_refresh_tokens
            if issued is None and not known:
                return False
            if grant is not None and known:
                self._revoked_refresh_tokens.add(grant)
            for access in [
                t for t, a in self._tokens.items() if t == token or (grant and a.grant == grant)
            ]:
                del self._tokens[access]
            self.revocations.append(token)
            return True

    # -- statuses ----------------------------------------------------------------------------

    def set_status(self, entity_id: str, status: EntityStatus, at: datetime) -> None:
        """Give the campaign, ad group or ad `entity_id` the status `status` from `at` (tz-aware)
        on, as the advertiser does in the Google Ads UI. A campaign or ad group that is not
        ENABLED delivers nothing from the first hour starting at or after `at`; readings as of
        an earlier moment do not change."""
        if at.tzinfo is None:
            raise ValueError("at must be tz-aware")
        if not self._is_entity(entity_id):
            raise KeyError(f"no Google Ads campaign, ad group or ad {entity_id}")
        change = StatusChange(at.astimezone(UTC), EntityStatus(status))
        with self._status_lock:
            self._status_changes[entity_id] = (*self._status_changes.get(entity_id, ()), change)

    def clear_status_changes(self) -> None:
        with self._status_lock:
            self._status_changes.clear()

    def status(self, entity_id: str, *, as_of: datetime | None = None) -> EntityStatus:
        """The status of the campaign, ad group or ad as of `as_of` (default the clock)."""
        now = self._world.now() if as_of is None else as_of.astimezone(UTC)
        return self._status_as_of(entity_id, now)

    def _status_as_of(self, entity_id: str, now: datetime) -> EntityStatus:
        seeded = self._seeded_statuses.get(entity_id, EntityStatus.ENABLED)
        if not self._status_changes:  # read per hour: stay lock-free when nothing changed
            return seeded
        with self._status_lock:
            changes = self._status_changes.get(entity_id, ())
        # The latest made by `now`; of two at the same moment, the one made last.
        in_force = [
            (change.effective_at, order, change.status)
            for order, change in enumerate(changes)
            if change.effective_at <= now
        ]
        return max(in_force)[2] if in_force else seeded

    def _serving(self, ad_group: AdGroup, hour_start: datetime) -> bool:
        """Whether the ad group and its campaign were ENABLED when the hour started."""
        return all(
            self._status_as_of(entity_id, hour_start) is EntityStatus.ENABLED
            for entity_id in (ad_group.campaign_id, ad_group.ad_group_id)
        )

    def _is_entity(self, entity_id: str) -> bool:
        return (
            entity_id in self._owners
            or any(
                group.campaign_id == entity_id
                for groups in self._ad_groups.values()
                for group in groups
            )
            or any(ad.ad_id == entity_id for ads in self._ads.values() for ad in ads)
        )

    # -- restatement on demand -------------------------------------------------------------

    def restate_conversions(self, customer_id: str, local_date: date, permille: int) -> None:
        """From now on (the world's clock), report `permille`/1000 of the conversions and
        conversion value of the customer's account-local day `local_date`, every hour of it.

        What Google does after an uploaded conversion adjustment (a retraction below 1000, a
        restatement above) or a re-run of data-driven attribution: a past day changes long
        after it was read. Readings as of an earlier moment do not change, so what a capture
        saw stays reproducible; a later call for the same day replaces this one from its own
        moment on. Conversions still arriving (`RESTATEMENT_PERIOD`) keep arriving, scaled.
        """
        if customer_id not in self._by_customer:
            raise KeyError(f"no merchant with Google Ads customer {customer_id}")
        self._restatements.restate(customer_id, local_date, permille, self._world.now())

    # -- delivery --------------------------------------------------------------------------

    def metrics(
        self, ad_group: AdGroup, hour_start: datetime, *, as_of: datetime | None = None
    ) -> GoogleMetrics:
        """Metrics of `ad_group` in the UTC hour starting at `hour_start`, as of `as_of`
        (default the clock)."""
        if hour_start.tzinfo is None:
            raise ValueError("hour_start must be tz-aware")
        hour_start = hour_start.astimezone(UTC)
        if hour_start.minute or hour_start.second or hour_start.microsecond:
            raise ValueError(f"{hour_start.isoformat()} is not the start of an hour")
        now = self._world.now() if as_of is None else as_of.astimezone(UTC)
        return self._metrics_as_of(ad_group, hour_start, now)

    def ad_group_hours(
        self, customer_id: str, local_date: date, *, as_of: datetime | None = None
    ) -> list[AdGroupHour]:
        """Hourly rows of one account-local day with any impressions, as of `as_of` (default
        the clock).

        Ordered by ad group id then hour, which is also the order the simulator serves.
        """
        now = self._world.now() if as_of is None else as_of.astimezone(UTC)
        return self._ad_group_hours(customer_id, local_date, now)

    def cost_micros_by_day(self, customer_id: str, start: date, end: date) -> dict[date, int]:
        """Customer cost per account-local day from `start` to `end` inclusive, as of the clock."""
        now = self._world.now()  # one reading, so a real clock cannot tear the range
        cost: dict[date, int] = {}
        day = start
        while day <= end:
            rows = self._ad_group_hours(customer_id, day, now)
            cost[day] = sum(row.metrics.cost_micros for row in rows)
            day += timedelta(days=1)
        return cost

    def rows_between(self, customer_id: str, since: date, until: date) -> Iterator[AdGroupHour]:
        """Rows of the days since..until in (day, ad group id, hour) order, one clock reading."""
        now = self._world.now()
        day = since
        while day <= until:
            yield from self._ad_group_hours(customer_id, day, now)
            day += timedelta(days=1)

    def _ad_group_hours(
        self, customer_id: str, local_date: date, now: datetime
    ) -> list[AdGroupHour]:
        merchant = self._by_customer.get(customer_id)
        if merchant is None:
            raise KeyError(f"no merchant with Google Ads customer {customer_id}")
        hours = list(_local_day_hours(local_date, merchant.tz))
        rows: list[AdGroupHour] = []
        for ad_group in self.ad_groups(customer_id):
            by_hour: dict[int, GoogleMetrics] = {}
            for hour_start, hour in hours:
                metrics = self._metrics_as_of(ad_group, hour_start, now)
                if metrics.impressions:
                    by_hour[hour] = by_hour.get(hour, NO_METRICS) + metrics
            rows.extend(
                AdGroupHour(ad_group, local_date, hour, metrics)
                for hour, metrics in sorted(by_hour.items())
            )
        return rows

    def _metrics_as_of(
        self, ad_group: AdGroup, hour_start: datetime, now: datetime
    ) -> GoogleMetrics:
        elapsed_us = (now - hour_start) // MICROSECOND
        if elapsed_us <= 0 or not self._serving(ad_group, hour_start):
            return NO_METRICS
        delivered = self._final_hour(ad_group, hour_start)
        if elapsed_us < HOUR_MICROSECONDS:
            delivered = _pro_rate(delivered, elapsed_us)
        if delivered.impressions == 0:
            return NO_METRICS
        tz = self._owners[ad_group.ad_group_id].tz
        local_date = hour_start.astimezone(tz).date()
        day_end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=tz)
        late_us = max(0, (now - day_end) // MICROSECOND)
        permille_us = VISIBLE_AT_FIRST_PERMILLE * _RESTATEMENT_MICROSECONDS + (
            1000 - VISIBLE_AT_FIRST_PERMILLE
        ) * min(late_us, _RESTATEMENT_MICROSECONDS)
        hundredths = (
            delivered.conversion_hundredths * permille_us // (1000 * _RESTATEMENT_MICROSECONDS)
        )
        hundredths = (
            hundredths
            * self._restatements.permille(ad_group.customer_id, local_date, now)
            // FULL_PERMILLE
        )
        value_cents = (
            delivered.value_cents * hundredths // delivered.conversion_hundredths
            if hundredths
            else 0
        )
        return GoogleMetrics(
            cost_micros=delivered.cost_micros,
            impressions=delivered.impressions,
            clicks=delivered.clicks,
            conversions=Decimal(hundredths).scaleb(-2).quantize(CENT),
            conversions_value=Decimal(value_cents).scaleb(-2).quantize(CENT),
        )

    # -- construction ----------------------------------------------------------------------

    def _make_ad_groups(self, merchant: Merchant, merchant_no: int) -> list[AdGroup]:
        campaigns = 2 + _draws(self._world.seed, merchant.google_customer_id, "campaigns")[0] % 2
        groups = []
        for campaign_no, (campaign_name, group_names) in enumerate(_CAMPAIGNS[:campaigns]):
            for group_no, group_name in enumerate(group_names):
                # Prefixes keep Google ids apart from each other and from the Meta ids.
                groups.append(
                    AdGroup(
                        customer_id=merchant.google_customer_id,
                        campaign_id=f"2101{merchant_no:06d}{campaign_no:06d}",
                        campaign_name=f"{merchant.name} | {campaign_name}",
                        ad_group_id=f"2102{merchant_no:06d}{campaign_no * 2 + group_no:06d}",
                        ad_group_name=group_name,
                    )
                )
        return groups

    def _make_profile(self, ad_group_id: str) -> _AdGroupProfile:
        draws = _draws(self._world.seed, ad_group_id, "profile")
        return _AdGroupProfile(
            daily_budget_micros=between(draws[0], 30, 250) * 1_000_000,
            cpc_micros=between(draws[1], 40, 250) * 10_000,
            ctr_bp=between(draws[2], 200, 900),
            cvr_bp=between(draws[3], 200, 800),
            order_value_cents=between(draws[4], 3_000, 15_000),
        )

    def _final_hour(self, ad_group: AdGroup, hour_start: datetime) -> _FinalHour:
        tz = self._owners[ad_group.ad_group_id].tz
        weight = _HOURLY_WEIGHT[hour_start.astimezone(tz).hour]
        draws = _draws(self._world.seed, ad_group.ad_group_id, hour_start.isoformat())
        if weight == 0 or draws[0] % BASIS < 600:  # ~6% of hours limited by budget pacing
            return _NOTHING
        profile = self._profiles[ad_group.ad_group_id]
        budget_micros = (
            profile.daily_budget_micros * weight * between(draws[1], 6_000, 14_000)
        ) // (_WEIGHT_TOTAL * BASIS)
        # Adding a uniform draw before flooring rounds an expected count up or down at random
        # in proportion, so quiet hours still get the odd click and conversion.
        clicks = (budget_micros * BASIS + draws[2] % (profile.cpc_micros * BASIS)) // (
            profile.cpc_micros * BASIS
        )
        impressions = clicks * BASIS // profile.ctr_bp + draws[3] % 25
        if impressions == 0:
            return _NOTHING
        # Search is paid per click: no click, no cost, though the ad was shown.
        cpc_micros = profile.cpc_micros * between(draws[4], 7_000, 13_000) // BASIS
        cost_micros = clicks * cpc_micros // COST_MICROS_STEP * COST_MICROS_STEP
        expected = clicks * profile.cvr_bp * between(draws[5], 6_000, 14_000) * 100
        hundredths = (expected + draws[6] % BASIS**2) // BASIS**2
        order_cents = profile.order_value_cents * between(draws[7], 8_000, 12_000) // BASIS
        return _FinalHour(
            cost_micros=cost_micros,
            impressions=impressions,
            clicks=clicks,
            conversion_hundredths=hundredths,
            value_cents=hundredths * order_cents // 100,
        )


def _make_ad(group: AdGroup, ad_no: int) -> GoogleAd:
    # The ad group's own number behind a 2103 prefix keeps ad ids apart from every other id.
    return GoogleAd(
        customer_id=group.customer_id,
        campaign_id=group.campaign_id,
        ad_group_id=group.ad_group_id,
        ad_id=f"2103{group.ad_group_id[4:]}{ad_no:02d}",
        ad_name=f"{group.ad_group_name} | {_AD_NAMES[ad_no]}",
    )


def _pro_rate(final: _FinalHour, elapsed_us: int) -> _FinalHour:
    """The part of a final hour delivered `elapsed_us` into it: linear, rounded down."""
    impressions = final.impressions * elapsed_us // HOUR_MICROSECONDS
    if impressions == 0:
        return _NOTHING
    steps = final.cost_micros // COST_MICROS_STEP * elapsed_us // HOUR_MICROSECONDS
    hundredths = final.conversion_hundredths * elapsed_us // HOUR_MICROSECONDS
    return _FinalHour(
        cost_micros=steps * COST_MICROS_STEP,
        impressions=impressions,
        clicks=final.clicks * elapsed_us // HOUR_MICROSECONDS,
        conversion_hundredths=hundredths,
        value_cents=(
            final.value_cents * hundredths // final.conversion_hundredths if hundredths else 0
        ),
    )


def _local_day_hours(local_date: date, tz: ZoneInfo) -> Iterator[tuple[datetime, int]]:
    """(UTC hour start, local hour of day) for every UTC hour of an account-local day."""
    hour = datetime.combine(local_date, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    while hour < end:
        yield hour, hour.astimezone(tz).hour
        hour += HOUR


def _draws(seed: int, key: str, salt: str) -> tuple[int, ...]:
    # A "google" salt keeps these draws independent of the Meta ones for the same seed.
    return seeded_draws("google", seed, key, salt)
