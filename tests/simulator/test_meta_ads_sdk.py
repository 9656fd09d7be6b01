"""Meta's own SDK (`facebook-business`) reads the Meta simulator as it reads the Graph API.

The SDK encodes requests its own way (lists as JSON arrays, async report parameters in a form
body, the token as a query parameter), unlike our connector: if the simulator only understood
our client's habits, these tests would fail. Every figure is checked against the world.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.adsinsights import AdsInsights
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from metricx.settings import Settings
from simulator.merchants import Merchant
from simulator.meta_ads.faults import MetaEndpoint, MetaFault
from simulator.meta_ads.world import Ad
from simulator.server import SimulatorServer
from simulator.world import World

# 11:30 in New York (demo-1): the day before is complete, today is under way.
NOW = datetime(2026, 8, 10, 15, 30, tzinfo=UTC)
DAY = date(2026, 8, 9)
API_VERSION = Settings.model_fields["meta_api_version"].default
HOURLY = AdsInsights.Breakdowns.hourly_stats_aggregated_by_advertiser_time_zone
FIELDS = [
    AdsInsights.Field.account_id,
    AdsInsights.Field.campaign_id,
    AdsInsights.Field.adset_id,
    AdsInsights.Field.ad_id,
    AdsInsights.Field.spend,
    AdsInsights.Field.impressions,
    AdsInsights.Field.inline_link_clicks,
    AdsInsights.Field.actions,
    AdsInsights.Field.action_values,
]
# A row as compared: (date_start, date_stop, object id, hour or None, spend, impressions,
# clicks, purchases, purchase value).
Row = tuple[date, date, str, int | None, Decimal, int, int, int, Decimal]


@pytest.fixture(scope="module")
def world() -> World:
    return World(clock=lambda: NOW)


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[SimulatorServer]:
    with SimulatorServer(world) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults_left(world: World) -> Iterator[None]:
    yield
    world.faults.clear()


@pytest.fixture(scope="module")
def merchant(world: World) -> Merchant:
    return world.merchants[0]


def graph_api(server: SimulatorServer, access_token: str) -> FacebookAdsApi:
    """The SDK pointed at the simulator: it builds every URL from its session's `GRAPH`
    (graph.facebook.com by default). Built directly rather than with `FacebookAdsApi.init`,
    which would also set a process-wide default API and install Meta's crash reporter."""
    session = FacebookSession(access_token=access_token, timeout=10)
    session.GRAPH = f"{server.base_url}/meta"
    return FacebookAdsApi(session, api_version=API_VERSION)


@pytest.fixture(scope="module")
def api(server: SimulatorServer, merchant: Merchant) -> FacebookAdsApi:
    return graph_api(server, merchant.meta_access_token)


@pytest.fixture(scope="module")
def account(api: FacebookAdsApi, merchant: Merchant) -> AdAccount:
    return AdAccount(f"act_{merchant.meta_account_id}", api=api)


def insights_params(since: date, until: date, **params: Any) -> dict[str, Any]:
    return {"time_range": {"since": since.isoformat(), "until": until.isoformat()}, **params}


def observed(rows: Iterable[AdsInsights], level: str) -> list[Row]:
    """The SDK's rows as compared; purchases are the canonical purchase action's."""
    result = []
    for row in rows:
        purchases = {a["action_type"]: a["value"] for a in row.get("actions", [])}
        values = {a["action_type"]: a["value"] for a in row.get("action_values", [])}
        hourly = row.get(HOURLY)
        result.append(
            (
                date.fromisoformat(row["date_start"]),
                date.fromisoformat(row["date_stop"]),
                row[f"{level}_id"],
                None if hourly is None else int(hourly[:2]),
                Decimal(row["spend"]),
                int(row["impressions"]),
                int(row["inline_link_clicks"]),
                int(purchases.get("omni_purchase", "0")),
                Decimal(values.get("omni_purchase", "0.00")),
            )
        )
    return result


def object_id(ad: Ad, level: str) -> str:
    return {"ad": ad.ad_id, "adset": ad.adset_id, "campaign": ad.campaign_id}.get(
        level, ad.account_id
    )


def expected(
    world: World,
    merchant: Merchant,
    since: date,
    until: date,
    *,
    level: str,
    days_per_period: int | None,
    hourly: bool,
) -> list[Row]:
    """The world's hourly rows summed per (period, object, hour if hourly), in the order the
    Graph API serves them; `days_per_period` None is the whole range as one period."""
    sums: dict[tuple[date, str, int | None], list[Any]] = defaultdict(
        lambda: [Decimal("0.00"), 0, 0, 0, Decimal("0.00")]
    )
    day = since
    while day <= until:
        offset = (day - since).days
        start = since if days_per_period is None else day - timedelta(offset % days_per_period)
        for row in world.meta.ad_hours(merchant.meta_account_id, day):
            figures = sums[(start, object_id(row.ad, level), row.hour_of_day if hourly else None)]
            delivery = row.delivery
            figures[0] += delivery.spend
            figures[1] += delivery.impressions
            figures[2] += delivery.link_clicks
            figures[3] += delivery.purchases
            figures[4] += delivery.purchase_value
        day += timedelta(days=1)

    def stop(start: date) -> date:
        if days_per_period is None:
            return until
        return min(start + timedelta(days=days_per_period - 1), until)

    return [
        (start, stop(start), object_key, hour, *figures)
        for (start, object_key, hour), figures in sorted(
            sums.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
        )
    ]


def test_sync_hourly_insights_match_the_world(
    world: World, merchant: Merchant, account: AdAccount
) -> None:
    rows = account.get_insights(
        fields=FIELDS,
        params=insights_params(
            DAY, DAY, level=AdsInsights.Level.ad, time_increment=1, breakdowns=[HOURLY], limit=500
        ),
    )
    truth = expected(world, merchant, DAY, DAY, level="ad", days_per_period=1, hourly=True)
    assert len(truth) > 24
    assert observed(rows, "ad") == truth


@pytest.mark.parametrize(
    ("level", "time_increment", "days_per_period"),
    [
        (AdsInsights.Level.ad, 1, 1),
        (AdsInsights.Level.adset, 2, 2),
        (AdsInsights.Level.campaign, "all_days", None),
        (AdsInsights.Level.account, None, None),  # Graph's default: all days as one row
    ],
)
def test_rows_without_the_hourly_breakdown_sum_the_hours_of_their_level_and_period(
    world: World,
    merchant: Merchant,
    account: AdAccount,
    level: str,
    time_increment: int | str | None,
    days_per_period: int | None,
) -> None:
    since = DAY - timedelta(days=2)
    params = insights_params(since, DAY, level=level, limit=500)
    if time_increment is not None:
        params["time_increment"] = time_increment
    rows = list(account.get_insights(fields=FIELDS, params=params))
    truth = expected(
        world, merchant, since, DAY, level=level, days_per_period=days_per_period, hourly=False
    )
    assert truth
    assert observed(rows, level) == truth
    assert all(HOURLY not in row for row in rows)
    # A row carries ids down to its level only.
    assert all(AdsInsights.Field.ad_id not in row for row in rows if level != "ad")


def test_a_daily_row_is_the_sum_of_that_days_hourly_rows(
    merchant: Merchant, account: AdAccount
) -> None:
    common = insights_params(DAY, DAY, level=AdsInsights.Level.ad, time_increment=1, limit=500)
    daily = observed(account.get_insights(fields=FIELDS, params=common), "ad")
    hourly = observed(
        account.get_insights(fields=FIELDS, params={**common, "breakdowns": [HOURLY]}), "ad"
    )
    summed: dict[str, list[Any]] = defaultdict(lambda: [Decimal("0.00"), 0, 0, 0, Decimal("0.00")])
    for *_, ad_id, _, spend, impressions, clicks, purchases, value in hourly:
        for n, figure in enumerate((spend, impressions, clicks, purchases, value)):
            summed[ad_id][n] += figure
    assert daily == [(DAY, DAY, ad_id, None, *summed[ad_id]) for ad_id in sorted(summed)]


def test_paging_through_cursors_returns_every_row_once(
    world: World, merchant: Merchant, api: FacebookAdsApi, account: AdAccount
) -> None:
    since = DAY - timedelta(days=1)
    requests_before = api.get_num_requests_attempted()
    rows = account.get_insights(
        fields=FIELDS,
        params=insights_params(
            since, DAY, level=AdsInsights.Level.ad, time_increment=1, breakdowns=[HOURLY], limit=7
        ),
    )
    paged = observed(rows, "ad")
    truth = expected(world, merchant, since, DAY, level="ad", days_per_period=1, hourly=True)
    assert paged == truth
    assert api.get_num_requests_attempted() - requests_before == -(-len(truth) // 7)


def test_an_async_report_run_is_created_polled_and_read_with_the_same_rows(
    merchant: Merchant, account: AdAccount
) -> None:
    since = DAY - timedelta(days=1)
    params = insights_params(
        since, DAY, level=AdsInsights.Level.ad, time_increment=1, breakdowns=[HOURLY]
    )
    synchronous = observed(
        account.get_insights(fields=FIELDS, params={**params, "limit": 500}), "ad"
    )

    run = account.get_insights_async(fields=FIELDS, params=dict(params))
    assert isinstance(run, AdReportRun)
    statuses = []
    for _ in range(10):
        run.api_get(
            fields=[AdReportRun.Field.async_status, AdReportRun.Field.async_percent_completion]
        )
        statuses.append(run[AdReportRun.Field.async_status])
        if statuses[-1] == "Job Completed":
            break
    assert statuses[-1] == "Job Completed"
    assert run[AdReportRun.Field.async_percent_completion] == 100
    assert observed(run.get_result(params={"limit": 40}), "ad") == synchronous


def test_a_failed_report_run_says_so_in_its_status(world: World, account: AdAccount) -> None:
    world.faults.end_meta_report_runs(1)
    run = account.get_insights(
        fields=FIELDS, params=insights_params(DAY, DAY, level="ad"), is_async=True
    )
    statuses = [run.api_get()[AdReportRun.Field.async_status] for _ in range(5)]
    assert statuses[-1] == "Job Failed"


def test_a_wrong_token_raises_the_sdks_error_with_code_190(server: SimulatorServer) -> None:
    account = AdAccount("act_1000000001", api=graph_api(server, "EAAnot-a-token"))
    with pytest.raises(FacebookRequestError) as raised:
        account.api_get(fields=[AdAccount.Field.name])
    assert raised.value.http_status() == 400
    assert raised.value.api_error_code() == 190
    assert raised.value.api_error_type() == "OAuthException"


def test_an_account_the_token_cannot_see_raises_code_100_subcode_33(api: FacebookAdsApi) -> None:
    with pytest.raises(FacebookRequestError) as raised:
        AdAccount("act_999999", api=api).get_insights(params=insights_params(DAY, DAY))
    assert (raised.value.api_error_code(), raised.value.api_error_subcode()) == (100, 33)


def test_throttling_raises_a_transient_error_with_its_usage_header(
    world: World, merchant: Merchant, account: AdAccount
) -> None:
    world.faults.fail_meta(
        1,
        MetaFault.THROTTLE,
        code=17,
        regain_minutes=3,
        account_id=merchant.meta_account_id,
        endpoint=MetaEndpoint.INSIGHTS,
    )
    with pytest.raises(FacebookRequestError) as raised:
        account.get_insights(params=insights_params(DAY, DAY))
    error = raised.value
    assert (error.api_error_code(), error.api_error_subcode()) == (17, 2446079)
    assert error.api_transient_error() is True
    usage = error.http_headers()["X-Business-Use-Case-Usage"]
    assert '"estimated_time_to_regain_access": 3' in usage
    # The fault is spent: the same call now answers.
    assert list(account.get_insights(params=insights_params(DAY, DAY)))


def test_a_breakdown_the_world_does_not_model_is_refused_not_ignored(account: AdAccount) -> None:
    with pytest.raises(FacebookRequestError) as raised:
        account.get_insights(params=insights_params(DAY, DAY, breakdowns=["age", "gender"]))
    assert raised.value.api_error_code() == 100
    assert "age" in raised.value.api_error_message()


def test_other_clients_forms_are_read_too_a_json_body_and_the_token_in_the_body(
    server: SimulatorServer, merchant: Merchant, account: AdAccount
) -> None:
    """Not the SDK: a client posting a JSON body with native lists and its token inside."""
    params = insights_params(DAY, DAY, level="campaign", time_increment=1)
    created = httpx.post(
        f"{server.base_url}/meta/{API_VERSION}/act_{merchant.meta_account_id}/insights",
        json={
            **params,
            "fields": ["campaign_id", "spend"],
            "access_token": merchant.meta_access_token,
        },
    )
    assert created.status_code == 200, created.text
    run = AdReportRun(created.json()["report_run_id"], api=account.get_api())
    statuses = [run.api_get()[AdReportRun.Field.async_status] for _ in range(4)]
    assert statuses[-1] == "Job Completed"
    direct = account.get_insights(fields=["campaign_id", "spend"], params=params)
    assert [row.export_all_data() for row in run.get_result()] == [
        row.export_all_data() for row in direct
    ]
