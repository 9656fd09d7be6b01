"""The part of Shopify's Admin GraphQL schema the simulator serves: what metricx's connector
may select, and what each field costs."""

from __future__ import annotations

from simulator.shopify.admin_graphql import (
    PAGE_INFO,
    FieldDef,
    connection,
    connection_types,
    listed,
    obj,
    scalar,
)

_MONEY_FIELDS = (
    "totalPriceSet",
    "subtotalPriceSet",
    "totalDiscountsSet",
    "totalShippingPriceSet",
    "totalTaxSet",
    "totalRefundedSet",
)

SCHEMA: dict[str, dict[str, FieldDef]] = {
    "QueryRoot": {
        "orders": connection("Order", "sortKey", "reverse", "query"),
        "currentBulkOperation": obj("BulkOperation", "type"),
        "node": obj("Node", "id"),
        "nodes": listed("Node", "ids"),
    },
    "Mutation": {
        "bulkOperationRunQuery": obj("BulkOperationRunQueryPayload", "query", "groupObjects"),
        "webPixelCreate": obj("WebPixelCreatePayload", "webPixel"),
    },
    "WebPixelCreatePayload": {
        "webPixel": obj("WebPixel"),
        "userErrors": listed("ErrorsWebPixelUserError"),
    },
    "WebPixel": {"id": scalar(), "settings": scalar()},
    "ErrorsWebPixelUserError": {"field": scalar(), "message": scalar(), "code": scalar()},
    "BulkOperationRunQueryPayload": {
        "bulkOperation": obj("BulkOperation"),
        "userErrors": listed("BulkOperationUserError"),
    },
    "BulkOperationUserError": {"field": scalar(), "message": scalar(), "code": scalar()},
    "Node": {"id": scalar()},
    "BulkOperation": {
        name: scalar()
        for name in (
            "id",
            "status",
            "errorCode",
            "createdAt",
            "completedAt",
            "objectCount",
            "rootObjectCount",
            "fileSize",
            "url",
            "partialDataUrl",
            "query",
            "type",
        )
    },
    "Order": {
        **{
            name: scalar()
            for name in (
                "id",
                "legacyResourceId",
                "name",
                "createdAt",
                "updatedAt",
                "processedAt",
                "cancelledAt",
                "test",
                "currencyCode",
                "presentmentCurrencyCode",
                "taxesIncluded",
                "displayFinancialStatus",
                "displayFulfillmentStatus",
            )
        },
        **{name: obj("MoneyBag") for name in _MONEY_FIELDS},
        "customer": obj("Customer"),
        "customerJourneySummary": obj("CustomerJourneySummary"),
        "refunds": listed("Refund", "first"),
        "lineItems": connection("LineItem"),
        "shippingLine": obj("ShippingLine"),
    },
    "ShippingLine": {
        "id": scalar(),
        "title": scalar(),
        "originalPriceSet": obj("MoneyBag"),
        "taxLines": listed("TaxLine"),
    },
    "TaxLine": {"title": scalar(), "priceSet": obj("MoneyBag")},
    "MoneyBag": {"shopMoney": obj("MoneyV2"), "presentmentMoney": obj("MoneyV2")},
    "MoneyV2": {"amount": scalar(), "currencyCode": scalar()},
    "Customer": {"id": scalar(), "numberOfOrders": scalar()},
    "CustomerJourneySummary": {
        "ready": scalar(),
        "customerOrderIndex": scalar(),
        "daysToConversion": scalar(),
        "firstVisit": obj("CustomerVisit"),
        "lastVisit": obj("CustomerVisit"),
    },
    "CustomerVisit": {
        "id": scalar(),
        "landingPage": scalar(),
        "referrerUrl": scalar(),
        "occurredAt": scalar(),
        "source": scalar(),
        "utmParameters": obj("UTMParameters"),
    },
    "UTMParameters": {
        name: scalar() for name in ("source", "medium", "campaign", "content", "term")
    },
    "Refund": {
        "id": scalar(),
        "createdAt": scalar(),
        "totalRefundedSet": obj("MoneyBag"),
        "refundLineItems": connection("RefundLineItem"),
        "refundShippingLines": connection("RefundShippingLine"),
    },
    "RefundLineItem": {
        "id": scalar(),
        "quantity": scalar(),
        "lineItem": obj("LineItem"),
        **{name: obj("MoneyBag") for name in ("priceSet", "subtotalSet", "totalTaxSet")},
    },
    "RefundShippingLine": {
        "id": scalar(),
        **{name: obj("MoneyBag") for name in ("subtotalAmountSet", "taxAmountSet")},
    },
    "LineItem": {
        "id": scalar(),
        "name": scalar(),
        "sku": scalar(),
        "quantity": scalar(),
        "originalUnitPriceSet": obj("MoneyBag"),
    },
    **connection_types("Order"),
    **connection_types("LineItem"),
    **connection_types("RefundLineItem"),
    **connection_types("RefundShippingLine"),
    **PAGE_INFO,
}
