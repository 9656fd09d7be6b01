/**
 * Shopify's standard events as its pixel manager hands them to a subscriber (shopify.dev,
 * "Web pixels API: standard events"), personal fields included, for the tests.
 */
import type { ShopifyEvent, StandardEventName } from "./events";

export const SHOP = "https://demo-1.myshopify.com";
export const LANDING =
  `${SHOP}/?utm_source=facebook&utm_medium=paid&utm_campaign=120001` +
  "&fbclid=IwAR0abc&gclid=Cj0KCQ";
export const BUYER_EMAIL = "ada@example.com";
export const BUYER_PHONE = "+16135551111";
export const BUYER_STREET = "1 Lovelace Lane";

const variant = {
  id: "gid://shopify/ProductVariant/11",
  title: "Large / Blue",
  sku: "TEE-L-BLU",
  untranslatedTitle: "Large / Blue",
  image: { src: "https://cdn.shopify.com/tee.png" },
  price: { amount: 24.5, currencyCode: "EUR" },
  product: {
    id: "gid://shopify/Product/7",
    title: "Tee",
    type: "Shirts",
    untranslatedTitle: "Tee",
    url: "/products/tee",
    vendor: "Demo",
  },
};

const address = {
  address1: BUYER_STREET,
  city: "London",
  country: "United Kingdom",
  countryCode: "GB",
  firstName: "Ada",
  lastName: "Lovelace",
  phone: BUYER_PHONE,
  zip: "N1 9GU",
};

export function checkout(order: { id: string | null; customer: unknown } | null = null) {
  return {
    attributes: [],
    billingAddress: address,
    shippingAddress: address,
    buyerAcceptsEmailMarketing: false,
    buyerAcceptsSmsMarketing: false,
    currencyCode: "EUR",
    delivery: null,
    discountApplications: [],
    discountsAmount: { amount: 5, currencyCode: "EUR" },
    email: BUYER_EMAIL,
    phone: BUYER_PHONE,
    smsMarketingPhone: BUYER_PHONE,
    localization: { country: { isoCode: "GB" } },
    lineItems: [
      {
        id: "gid://shopify/CheckoutLineItem/1",
        quantity: 2,
        title: "Tee",
        discountAllocations: [],
        properties: [],
        sellingPlanAllocation: null,
        finalLinePrice: { amount: 49, currencyCode: "EUR" },
        variant,
      },
    ],
    order,
    shippingLine: { price: { amount: 4.9, currencyCode: "EUR" } },
    subtotalPrice: { amount: 44, currencyCode: "EUR" },
    token: "c1-token-abc",
    totalPrice: { amount: 48.9, currencyCode: "EUR" },
    totalTax: { amount: 8.15, currencyCode: "EUR" },
    transactions: [{ amount: { amount: 48.9, currencyCode: "EUR" }, gateway: "shopify_payments" }],
  };
}

const cartLine = {
  quantity: 2,
  cost: { totalAmount: { amount: 49, currencyCode: "EUR" } },
  merchandise: variant,
};

/** Each standard event's `data`, as Shopify fills it. */
export const DATA: Record<StandardEventName, unknown> = {
  page_viewed: {},
  product_viewed: { productVariant: variant },
  collection_viewed: {
    collection: { id: "gid://shopify/Collection/3", title: "Summer", productVariants: [variant] },
  },
  search_submitted: { searchResult: { query: "blue tee", productVariants: [variant] } },
  product_added_to_cart: { cartLine },
  product_removed_from_cart: { cartLine },
  cart_viewed: {
    cart: {
      id: "gid://shopify/Cart/c1",
      attributes: [],
      totalQuantity: 2,
      cost: { totalAmount: { amount: 49, currencyCode: "EUR" } },
      lines: [cartLine],
    },
  },
  checkout_started: { checkout: checkout() },
  checkout_contact_info_submitted: { checkout: checkout() },
  checkout_address_info_submitted: { checkout: checkout() },
  checkout_shipping_info_submitted: { checkout: checkout() },
  payment_info_submitted: { checkout: checkout() },
  checkout_completed: {
    checkout: checkout({
      id: "gid://shopify/Order/1001",
      customer: { id: "gid://shopify/Customer/42", isFirstOrder: true },
    }),
  },
};

let sequence = 0;

export function shopifyEvent<N extends StandardEventName>(
  name: N,
  overrides: { id?: string; href?: string; referrer?: string; data?: unknown } = {},
): ShopifyEvent<N> {
  sequence += 1;
  const href = overrides.href ?? LANDING;
  return {
    id: overrides.id ?? `sh-${sequence}`,
    name,
    type: "standard",
    clientId: "client-1",
    timestamp: "2026-12-05T02:00:00.000Z",
    seq: sequence,
    context: {
      document: {
        characterSet: "UTF-8",
        location: {
          href,
          hash: "",
          host: "demo-1.myshopify.com",
          hostname: "demo-1.myshopify.com",
        },
        referrer: overrides.referrer ?? "https://www.facebook.com/",
        title: "Demo shop",
      },
      navigator: { cookieEnabled: true, language: "en", languages: ["en"], userAgent: "test" },
      window: { innerHeight: 800, innerWidth: 1200 },
    },
    data: overrides.data ?? DATA[name],
  } as unknown as ShopifyEvent<N>;
}
