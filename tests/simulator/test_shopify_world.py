"""The shops of the simulated world: one deterministic story of sessions, customers and orders."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from simulator.google_ads.world import GoogleAdsWorld
from simulator.hours import HOUR
from simulator.shopify.orders import JOURNEY_DELAY
from simulator.shopify.records import Channel, PixelEventName, ShopOrder
from simulator.shopify.sales import SalesEventKind, SalesFigures, sales_events
from simulator.shopify.world import ShopWorld
from simulator.world import World

NOW = datetime(2026, 11, 20, 8, 7, tzinfo=UTC)
OWN_CHANNELS = {Channel.ORGANIC_SEARCH, Channel.DIRECT, Channel.REFERRAL, Channel.EMAIL}
# Orders placed long enough before NOW to have had every refund they will ever have.
SETTLED = (NOW - timedelta(days=60), NOW - timedelta(days=36))


def shops_at(now: datetime, **knobs: int) -> ShopWorld:
    return ShopWorld.of(World(clock=lambda: now, **knobs))


@pytest.fixture(scope="module")
def shops() -> ShopWorld:
    return shops_at(NOW)


@pytest.fixture(scope="module")
def fortnight(shops: ShopWorld) -> dict[str, list[ShopOrder]]:
    """Every merchant's orders created in the 14 days before NOW."""
    return {
        merchant.shop_domain: shops.orders(merchant.shop_domain, NOW - timedelta(days=14), NOW)
        for merchant in shops.world.merchants
    }


def test_the_same_seed_tells_the_same_story_and_another_seed_does_not(
    shops: ShopWorld, fortnight: dict[str, list[ShopOrder]]
) -> None:
    shop = shops.world.merchants[0].shop_domain
    day = (NOW - timedelta(days=3), NOW - timedelta(days=2))
    again = shops_at(NOW).orders(shop, *day)
    other = ShopWorld.of(World(seed=8, clock=lambda: NOW)).orders(shop, *day)
    assert again == shops.orders(shop, *day)
    assert again == [o for o in fortnight[shop] if day[0] <= o.created_at < day[1]]
    assert [o.total for o in other] != [o.total for o in again]


def test_the_shops_own_customers_order_about_orders_per_day(
    fortnight: dict[str, list[ShopOrder]],
) -> None:
    """`orders_per_day` is the shop's own demand: customers arriving through organic, direct,
    referral and email sessions place about that many orders a day, repeat orders included
    (65% of them first orders, at 1.53 orders per customer). Paid orders come on top."""
    for orders in fortnight.values():
        own_firsts = [o for o in orders if _first_order_through(o, OWN_CHANNELS)]
        assert 40 * 0.6517 * 0.85 <= len(own_firsts) / 14 <= 40 * 0.6517 * 1.15
        paid_firsts = [o for o in orders if _first_order_through(o, {Channel.META, Channel.GOOGLE})]
        assert paid_firsts
    bigger = shops_at(NOW, orders_per_day=120)
    shop = bigger.world.merchants[0].shop_domain
    week = bigger.orders(shop, NOW - timedelta(days=7), NOW)
    own_firsts = [o for o in week if _first_order_through(o, OWN_CHANNELS)]
    assert 120 * 0.6517 * 0.85 <= len(own_firsts) / 7 <= 120 * 0.6517 * 1.15


def test_every_meta_ad_hour_converts_exactly_as_the_world_says_the_ad_drove(
    shops: ShopWorld,
) -> None:
    world = shops.world
    merchant = world.merchants[0]
    day_start = datetime(2026, 11, 1, tzinfo=UTC)
    # Customers who arrived that day buy within a week of arriving.
    orders = shops.orders(merchant.shop_domain, day_start, day_start + timedelta(days=9))
    arrived: dict[tuple[str, datetime], list[ShopOrder]] = defaultdict(list)
    for order in orders:
        visit = order.first_visit
        if order.customer_order_index == 1 and visit.channel is Channel.META:
            hour = visit.started_at.replace(minute=0, second=0)
            arrived[(visit.utm.content or "", hour)].append(order)
    checked = 0
    for ad in world.meta.ads(merchant.meta_account_id):
        for n in range(24):
            hour = day_start + n * HOUR
            driven = world.meta.ad_driven_orders(ad, hour)
            firsts = arrived.get((ad.ad_id, hour), [])
            assert len(firsts) == driven.count, (ad.ad_id, hour)
            assert sum((o.subtotal for o in firsts), Decimal("0.00")) == driven.value
            checked += driven.count
    assert checked > 20


def test_every_click_is_a_session_with_its_click_id_and_utm_parameters(shops: ShopWorld) -> None:
    world = shops.world
    merchant = world.merchants[1]
    start = datetime(2026, 11, 19, 10, tzinfo=UTC)
    sessions = shops.sessions(merchant.shop_domain, start, start + 3 * HOUR)
    by_source: Counter[tuple[str | None, str | None]] = Counter(
        (s.utm.content, s.started_at.replace(minute=0, second=0).isoformat()) for s in sessions
    )
    for n in range(3):
        hour = start + n * HOUR
        for ad in world.meta.ads(merchant.meta_account_id):
            clicks = world.meta.delivery(ad, hour).link_clicks
            assert by_source[(ad.ad_id, hour.isoformat())] == clicks
        google = GoogleAdsWorld.of(world)
        for group in google.ad_groups(merchant.google_customer_id):
            clicks = google.metrics(group, hour).clicks
            assert by_source[(group.ad_group_id, hour.isoformat())] == clicks
    for session in sessions:
        assert start <= session.started_at < start + 3 * HOUR
        assert session.landing_page.startswith(f"https://{merchant.shop_domain}/")
        if session.channel is Channel.META:
            assert (session.utm.source, session.utm.medium) == ("facebook", "paid")
            assert f"fbclid={session.fbclid}" in session.landing_page
            assert f"utm_campaign={session.utm.campaign}" in session.landing_page
        elif session.channel is Channel.GOOGLE:
            assert (session.utm.source, session.utm.medium) == ("google", "cpc")
            assert f"gclid={session.gclid}" in session.landing_page
        else:
            assert session.fbclid is None and session.gclid is None
    assert {s.channel for s in sessions} == set(Channel)


def test_money_is_exact_cents_and_adds_up(fortnight: dict[str, list[ShopOrder]]) -> None:
    for orders in fortnight.values():
        assert orders
        for order in orders:
            amounts = (
                order.subtotal,
                order.total_discounts,
                order.shipping,
                order.tax,
                order.total,
            )
            assert all(a.as_tuple().exponent == -2 and a >= 0 for a in amounts)
            lines = sum((item.unit_price * item.quantity for item in order.line_items), Decimal(0))
            assert lines - order.total_discounts == order.subtotal
            expected = order.subtotal + order.shipping
            if not order.taxes_included:
                expected += order.tax
            assert order.total == expected
            assert order.total_refunded <= order.total
            assert 0 <= order.shipping_tax <= order.tax
            if not order.taxes_included:
                assert order.shipping_tax == 0  # US sales tax is on the goods only
            changes = [order.created_at, *(refund.created_at for refund in order.refunds)]
            changes += [moment for moment in (order.cancelled_at, order.fulfilled_at) if moment]
            assert order.updated_at == max(changes)


def test_refunds_arrive_days_later_and_move_updated_at(shops: ShopWorld) -> None:
    shop = shops.world.merchants[0].shop_domain
    orders = shops.orders(shop, NOW - timedelta(days=40), NOW - timedelta(days=10))
    refunded = [o for o in orders if o.refunds]
    assert len(refunded) > 20
    assert {o.financial_status for o in refunded} == {"REFUNDED", "PARTIALLY_REFUNDED"}
    order = refunded[0]
    refund = order.refunds[-1]
    assert refund.created_at - order.created_at >= timedelta(days=3)
    before = refund.created_at - timedelta(seconds=1)
    same_second = (order.created_at, order.created_at + timedelta(seconds=1))
    earlier = next(
        o for o in shops.orders(shop, *same_second, as_of=before) if o.order_id == order.order_id
    )
    assert earlier.updated_at < refund.created_at == order.updated_at
    assert earlier.total_refunded == order.total_refunded - refund.amount
    refund_hour = (refund.created_at, refund.created_at + HOUR)
    assert order in shops.orders_updated(shop, *refund_hour)
    updated_before = shops.orders_updated(shop, *refund_hour, as_of=before)
    assert order.order_id not in {o.order_id for o in updated_before}


def test_what_was_seen_is_never_rewritten_later(shops: ShopWorld) -> None:
    shop = shops.world.merchants[1].shop_domain
    earlier_now = NOW - timedelta(hours=30)
    earlier = shops.orders(shop, earlier_now - timedelta(days=2), earlier_now, as_of=earlier_now)
    later = shops.orders(shop, earlier_now - timedelta(days=2), earlier_now + timedelta(hours=1))
    later_by_id = {o.order_id: o for o in later}
    assert earlier
    for order in earlier:
        seen_again = later_by_id[order.order_id]
        assert (seen_again.created_at, seen_again.total) == (order.created_at, order.total)
        assert seen_again.updated_at >= order.updated_at
    assert all(o.created_at <= earlier_now for o in earlier)


def test_customers_come_back_and_their_orders_are_counted(
    fortnight: dict[str, list[ShopOrder]], shops: ShopWorld
) -> None:
    shop = shops.world.merchants[0].shop_domain
    real = [o for o in fortnight[shop] if not o.test]
    returning = [o for o in real if (o.customer_order_index or 0) > 1]
    assert 0.2 < len(returning) / len(real) < 0.5
    # A customer's orders span at most 3 gaps of 30 days, so this history holds every order of
    # the customers who ordered in the fortnight.
    history = shops.orders(shop, NOW - timedelta(days=14 + 91), NOW)
    by_customer: dict[str, list[ShopOrder]] = defaultdict(list)
    for order in history:
        if order.customer_id:
            by_customer[order.customer_id].append(order)
    for customer_id in {o.customer_id for o in real}:
        orders = by_customer[customer_id]
        assert [o.customer_order_index for o in orders] == list(range(1, len(orders) + 1))
        assert {o.customer_orders_count for o in orders} == {len(orders)}
        assert len({o.last_visit.client_id for o in orders}) == 1
    tests = [o for orders in fortnight.values() for o in orders if o.test]
    assert tests and all(o.customer_id is None and not o.refunds for o in tests)


def test_journeys_point_at_real_sessions(shops: ShopWorld) -> None:
    merchant = shops.world.merchants[0]
    start = datetime(2026, 11, 19, 12, tzinfo=UTC)
    orders = shops.orders(merchant.shop_domain, start, start + 4 * HOUR)
    assert len(orders) > 10
    assert {o.last_visit.channel for o in orders} & {Channel.META, Channel.GOOGLE}
    assert any(o.first_visit != o.last_visit for o in orders)
    for order in orders:
        for visit in (order.first_visit, order.last_visit):
            around = shops.sessions(
                merchant.shop_domain, visit.started_at, visit.started_at + timedelta(seconds=1)
            )
            assert visit in around
        assert order.first_visit.client_id == order.last_visit.client_id
        assert order.first_visit.started_at <= order.last_visit.started_at < order.created_at
        assert order.journey_ready


def test_a_fresh_orders_journey_is_not_ready_yet(shops: ShopWorld) -> None:
    shop = shops.world.merchants[0].shop_domain
    recent = shops.orders(shop, NOW - timedelta(hours=6), NOW)
    for order in recent:
        assert order.journey_ready == (NOW - order.created_at >= JOURNEY_DELAY)
    order = recent[len(recent) // 2]
    for offset, ready in ((-1, False), (0, True)):
        at = order.created_at + JOURNEY_DELAY + timedelta(seconds=offset)
        same_second = shops.orders(
            shop, order.created_at, order.created_at + timedelta(seconds=1), as_of=at
        )
        assert [o.journey_ready for o in same_second if o.order_id == order.order_id] == [ready]


def test_pixel_events_follow_each_session_to_its_checkout(shops: ShopWorld) -> None:
    merchant = shops.world.merchants[1]
    start = datetime(2026, 11, 19, 18, tzinfo=UTC)
    end = start + 2 * HOUR
    sessions = {s.session_id: s for s in shops.sessions(merchant.shop_domain, start, end)}
    events = shops.pixel_events(merchant.shop_domain, start, end)
    landings = [e for e in events if e.name is PixelEventName.PAGE_VIEWED]
    assert len(landings) == len(sessions)
    for event in events:
        session = sessions[event.session_id]
        assert event.client_id == session.client_id
        assert event.occurred_at >= session.started_at
    for event in landings:
        assert event.url == sessions[event.session_id].landing_page
    checkouts = [e for e in events if e.name is PixelEventName.CHECKOUT_COMPLETED]
    orders = shops.orders(merchant.shop_domain, start, end + timedelta(hours=1))
    ended_in_range = {o.order_id for o in orders if start <= o.last_visit.started_at < end}
    assert checkouts and {e.order_id for e in checkouts} == ended_in_range


def test_refunds_give_back_whole_lines_and_the_shipping_last(shops: ShopWorld) -> None:
    """A refund returns whole line items, each at most once; the shipping goes back with the
    last of them only; what it returns adds up to its amount, and all the refunds of a fully
    refunded order to its total (its lines' discounted prices and the tax on them)."""
    for merchant in shops.world.merchants:
        orders = shops.orders(merchant.shop_domain, *SETTLED)
        refunded = [o for o in orders if o.refunds]
        assert len(refunded) > 20
        assert any(len(o.refunds) == 2 for o in refunded)
        for order in refunded:
            returned = [item.line_item_id for r in order.refunds for item in r.line_items]
            assert len(returned) == len(set(returned))
            assert set(returned) <= {item.line_item_id for item in order.line_items}
            for refund in order.refunds:
                assert refund.line_items
                parts = sum((i.subtotal for i in refund.line_items), refund.shipping)
                if not order.taxes_included:
                    parts += sum((i.tax for i in refund.line_items), refund.shipping_tax)
                assert refund.amount == parts
            assert [bool(r.shipping) for r in order.refunds[:-1]] == [False] * (
                len(order.refunds) - 1
            )
            if len(returned) == len(order.line_items):
                assert order.total_refunded == order.total
                assert order.refunds[-1].shipping == order.shipping
                returned_tax = sum(
                    (i.tax for r in order.refunds for i in r.line_items), order.shipping_tax
                )
                assert returned_tax == order.tax
            else:
                assert order.financial_status == "PARTIALLY_REFUNDED"


def test_the_sales_report_books_each_movement_on_its_day(shops: ShopWorld) -> None:
    """Shopify's Sales report of a week: every order's sale on its day, its returns on theirs,
    net of tax and shipping, for the US shop (tax on top) and the Berlin one (VAT inside)."""
    for merchant in shops.world.merchants:
        first, last = date(2026, 10, 20), date(2026, 10, 26)
        report = shops.sales_by_day(merchant.shop_domain, first, last)
        assert list(report) == [first + timedelta(days=n) for n in range(7)]
        start = datetime.combine(first, datetime.min.time(), tzinfo=merchant.tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=merchant.tz)
        orders = shops.orders(merchant.shop_domain, start - timedelta(days=40), end)
        expected: dict[date, SalesFigures] = defaultdict(SalesFigures)
        kinds = set()
        for order in orders:
            events = sales_events(order)
            assert sum((e.figures.total_sales for e in events), Decimal(0)) == (
                0 if order.test or order.cancelled_at else order.total - order.total_refunded
            )
            for event in events:
                if start <= event.at < end:
                    expected[event.at.astimezone(merchant.tz).date()] += event.figures
                    kinds.add(event.kind)
        assert report == dict(expected)
        assert kinds == set(SalesEventKind)
        week = sum(report.values(), SalesFigures())
        assert week.returns > 0 and week.shipping > 0 and week.taxes > 0
        # Net sales leave out shipping and tax: below what customers paid, net of refunds.
        assert week.net_sales < week.total_sales


def test_a_sale_is_the_order_net_of_tax_and_a_return_the_goods_given_back(
    shops: ShopWorld,
) -> None:
    for merchant in shops.world.merchants:
        orders = shops.orders(merchant.shop_domain, *SETTLED)
        refunded = [o for o in orders if o.refunds and not o.cancelled_at]
        for order in refunded:
            sale, *returns = sales_events(order)
            assert sale.kind is SalesEventKind.SALE and sale.at == order.processed_at
            goods_tax = order.tax - order.shipping_tax
            if order.taxes_included:
                assert sale.figures.net_sales == order.subtotal - goods_tax
                assert sale.figures.shipping == order.shipping - order.shipping_tax
                assert 0 < sale.figures.gross_sales < order.subtotal + order.total_discounts
            else:
                assert sale.figures.gross_sales == order.subtotal + order.total_discounts
                assert sale.figures.discounts == order.total_discounts
                assert sale.figures.shipping == order.shipping
            assert sale.figures.taxes == order.tax
            assert sale.figures.total_sales == order.total
            for event, refund in zip(returns, order.refunds, strict=True):
                assert (event.kind, event.at) == (SalesEventKind.RETURN, refund.created_at)
                assert event.figures.total_sales == -refund.amount
                assert event.figures.gross_sales == event.figures.discounts == 0
                assert event.figures.shipping <= 0 and event.figures.taxes <= 0


def test_a_cancellation_returns_what_the_order_had_left(shops: ShopWorld) -> None:
    shop = shops.world.merchants[0].shop_domain
    orders = shops.orders(shop, NOW - timedelta(days=14), NOW)
    cancelled = [o for o in orders if o.cancelled_at]
    assert cancelled
    for order in cancelled:
        sale, cancellation = sales_events(order)
        assert (cancellation.kind, cancellation.at) == (
            SalesEventKind.CANCELLATION,
            order.cancelled_at,
        )
        assert cancellation.figures.returns == sale.figures.net_sales
        assert (sale.figures + cancellation.figures).total_sales == 0
    assert all(not sales_events(o) for o in orders if o.test)


def test_an_order_is_found_by_its_id_once_it_exists(shops: ShopWorld) -> None:
    merchant, other = shops.world.merchants
    orders = shops.orders(merchant.shop_domain, NOW - timedelta(days=2), NOW)
    for order in orders[:: max(1, len(orders) // 20)]:
        assert shops.order(merchant.shop_domain, order.order_id) == order
        assert shops.order(other.shop_domain, order.order_id) is None
        before = order.created_at - HOUR
        assert shops.order(merchant.shop_domain, order.order_id, as_of=before) is None
    for unknown in ("gid://shopify/Order/12", "gid://shopify/Refund/5", "not-an-id"):
        assert shops.order(merchant.shop_domain, unknown) is None


def test_a_currency_change_applies_from_its_moment_on(shops: ShopWorld) -> None:
    shop = shops.world.merchants[0].shop_domain
    switch = NOW - timedelta(days=1)
    shops.change_currency(shop, switch, "CAD")
    try:
        orders = shops.orders(shop, switch - timedelta(hours=6), switch + timedelta(hours=6))
    finally:
        shops.clear_currency_changes()
    assert {o.currency for o in orders if o.created_at < switch} == {"USD"}
    assert {o.currency for o in orders if o.created_at >= switch} == {"CAD"}


def test_orders_moved_deleted_or_anonymised_change_from_that_moment(shops: ShopWorld) -> None:
    shop = shops.world.merchants[1].shop_domain
    start = NOW - timedelta(hours=12)
    orders = [o for o in shops.orders(shop, start, NOW) if o.customer_id is not None]
    moved, deleted, anonymised, other = orders[:4]
    at = NOW - timedelta(minutes=20)
    shops.change_customer(moved.order_id, at, other.customer_id or "")
    shops.delete_order(shop, deleted.order_id, at + timedelta(minutes=1))
    shops.redact_customer(anonymised.customer_id or "", at + timedelta(minutes=2))
    try:
        before = {
            o.order_id: o for o in shops.orders(shop, start, NOW, as_of=at - timedelta(seconds=1))
        }
        now = {o.order_id: o for o in shops.orders(shop, start, NOW)}
        updated = {o.order_id: o for o in shops.orders_updated(shop, at, NOW)}
        deletions = shops.deleted_orders(shop, start, NOW)
    finally:
        shops.clear_order_changes()
    assert before[moved.order_id] == moved and deleted.order_id in before
    assert now[moved.order_id].customer_id == other.customer_id
    assert now[moved.order_id].customer_orders_count == (other.customer_orders_count or 0) + 1
    assert deleted.order_id not in now and deleted.order_id not in updated
    assert deletions == [(deleted.order_id, at + timedelta(minutes=1))]
    assert now[anonymised.order_id].customer_id is None
    # Each change is its order's latest: the next sync reads it again.
    assert updated[moved.order_id].updated_at == at
    assert updated[anonymised.order_id].updated_at == at + timedelta(minutes=2)
    assert [o for o in shops.orders(shop, start, NOW) if o.customer_id is not None][:4] == [
        moved,
        deleted,
        anonymised,
        other,
    ]


def _first_order_through(order: ShopOrder, channels: set[Channel]) -> bool:
    return order.customer_order_index == 1 and order.first_visit.channel in channels
