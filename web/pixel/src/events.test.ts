import { describe, expect, it } from "vitest";

import { STANDARD_EVENTS, toIntakeEvent } from "./events";
import { BUYER_EMAIL, BUYER_PHONE, BUYER_STREET, LANDING, SHOP, shopifyEvent } from "./fixtures";

const CHECKOUT_STEPS = [
  "checkout_started",
  "checkout_contact_info_submitted",
  "checkout_address_info_submitted",
  "checkout_shipping_info_submitted",
  "payment_info_submitted",
] as const;

const VARIANT = {
  id: "gid://shopify/ProductVariant/11",
  title: "Large / Blue",
  sku: "TEE-L-BLU",
  price: { amount: 24.5, currencyCode: "EUR" },
  product: { id: "gid://shopify/Product/7", title: "Tee", type: "Shirts", vendor: "Demo" },
};

const CHECKOUT = {
  token: "c1-token-abc",
  currencyCode: "EUR",
  subtotalPrice: { amount: 44, currencyCode: "EUR" },
  totalPrice: { amount: 48.9, currencyCode: "EUR" },
  totalTax: { amount: 8.15, currencyCode: "EUR" },
  discountsAmount: { amount: 5, currencyCode: "EUR" },
  shippingLine: { price: { amount: 4.9, currencyCode: "EUR" } },
  lineItems: [
    {
      id: "gid://shopify/CheckoutLineItem/1",
      quantity: 2,
      finalLinePrice: { amount: 49, currencyCode: "EUR" },
      variant: { id: VARIANT.id, product: { id: VARIANT.product.id } },
    },
  ],
};

describe("toIntakeEvent", () => {
  it.each(STANDARD_EVENTS)("keeps what the landing reads of %s", (name) => {
    const event = shopifyEvent(name, { id: `sh-${name}` });

    const mapped = toIntakeEvent(event);

    expect(mapped).toMatchObject({
      id: `sh-${name}`,
      name,
      type: "standard",
      clientId: "client-1",
      timestamp: "2026-12-05T02:00:00.000Z",
      seq: event.seq,
      // The page URL whole: its query holds the UTM parameters and click ids the landing reads.
      context: {
        document: { location: { href: LANDING }, referrer: "https://www.facebook.com/" },
      },
    });
    expect(Object.keys(mapped.context.document.location)).toEqual(["href"]);
  });

  it.each(STANDARD_EVENTS)("sends nothing that identifies the buyer in %s", (name) => {
    const wire = JSON.stringify(toIntakeEvent(shopifyEvent(name)));

    for (const personal of [BUYER_EMAIL, BUYER_PHONE, BUYER_STREET, "Lovelace", "N1 9GU"]) {
      expect(wire).not.toContain(personal);
    }
  });

  it("maps page_viewed to no data", () => {
    expect(toIntakeEvent(shopifyEvent("page_viewed")).data).toEqual({});
  });

  it("maps product_viewed to the variant and its product", () => {
    expect(toIntakeEvent(shopifyEvent("product_viewed")).data).toEqual({ productVariant: VARIANT });
  });

  it("maps collection_viewed to the collection", () => {
    expect(toIntakeEvent(shopifyEvent("collection_viewed")).data).toEqual({
      collection: { id: "gid://shopify/Collection/3", title: "Summer" },
    });
  });

  it("maps search_submitted to the query", () => {
    expect(toIntakeEvent(shopifyEvent("search_submitted")).data).toEqual({
      searchResult: { query: "blue tee" },
    });
  });

  it.each(["product_added_to_cart", "product_removed_from_cart"] as const)(
    "maps %s to the cart line",
    (name) => {
      expect(toIntakeEvent(shopifyEvent(name)).data).toEqual({
        cartLine: {
          quantity: 2,
          cost: { totalAmount: { amount: 49, currencyCode: "EUR" } },
          merchandise: VARIANT,
        },
      });
    },
  );

  it("keeps a cart line Shopify could not tell as null", () => {
    const event = shopifyEvent("product_added_to_cart", { data: { cartLine: null } });
    expect(toIntakeEvent(event).data).toEqual({ cartLine: null });
  });

  it("maps cart_viewed to the cart's lines and total", () => {
    expect(toIntakeEvent(shopifyEvent("cart_viewed")).data).toEqual({
      cart: {
        id: "gid://shopify/Cart/c1",
        totalQuantity: 2,
        cost: { totalAmount: { amount: 49, currencyCode: "EUR" } },
        lines: [
          { quantity: 2, merchandise: { id: VARIANT.id, product: { id: VARIANT.product.id } } },
        ],
      },
    });
  });

  it.each(CHECKOUT_STEPS)("maps %s to the checkout's token, amounts and lines", (name) => {
    expect(toIntakeEvent(shopifyEvent(name)).data).toEqual({ checkout: CHECKOUT });
  });

  it("maps checkout_completed to the order, its customer and its total", () => {
    const mapped = toIntakeEvent(
      shopifyEvent("checkout_completed", { href: `${SHOP}/checkouts/cn/c1/thank-you` }),
    );

    expect(mapped.context.document.location.href).toBe(`${SHOP}/checkouts/cn/c1/thank-you`);
    expect(mapped.data).toEqual({
      checkout: {
        ...CHECKOUT,
        order: {
          id: "gid://shopify/Order/1001",
          customer: { id: "gid://shopify/Customer/42", isFirstOrder: true },
        },
      },
    });
  });

  it("keeps a guest's order without a customer", () => {
    const event = shopifyEvent("checkout_completed");
    event.data.checkout.order = { id: "gid://shopify/Order/1002", customer: null };

    expect(toIntakeEvent(event).data.checkout).toMatchObject({
      order: { id: "gid://shopify/Order/1002", customer: null },
    });
  });
});
