/**
 * Shopify's standard customer events, as the intake (`POST /v1/pixel/events`, api/pixel/) takes
 * them: Shopify's own shape (shopify.dev, "Web pixels API: standard events"), trimmed to what
 * attribution and reporting read. The landing (orchestration/defs/shopify_pixel/events.py) takes
 * each event's page URL, whose query holds the UTM parameters and the fbclid/gclid click ids,
 * its referrer, and on checkout_completed the order id, customer id and total.
 *
 * Nothing that identifies the buyer (email, phone, addresses, names) leaves the browser: the
 * checkout's personal fields are left out here, not filtered later.
 */
import type {
  Cart,
  CartLine,
  Checkout,
  CheckoutLineItem,
  Collection,
  MoneyV2,
  ProductVariant,
  SearchResult,
  StandardEvents,
} from "@shopify/web-pixels-extension";

export const STANDARD_EVENTS = [
  "page_viewed",
  "product_viewed",
  "collection_viewed",
  "search_submitted",
  "product_added_to_cart",
  "product_removed_from_cart",
  "cart_viewed",
  "checkout_started",
  "checkout_contact_info_submitted",
  "checkout_address_info_submitted",
  "checkout_shipping_info_submitted",
  "payment_info_submitted",
  "checkout_completed",
] as const;

export type StandardEventName = (typeof STANDARD_EVENTS)[number];
export type ShopifyEvent<N extends StandardEventName = StandardEventName> = StandardEvents[N];

/** One event of an intake batch. */
export interface IntakeEvent {
  id: string;
  name: StandardEventName;
  type: "standard";
  clientId: string;
  timestamp: string;
  seq: number;
  context: { document: { location: { href: string }; referrer: string; title: string } };
  data: Record<string, unknown>;
}

export const CHECKOUT_COMPLETED = "checkout_completed";

export function toIntakeEvent(event: ShopifyEvent): IntakeEvent {
  const document = event.context.document;
  return {
    id: event.id,
    name: event.name,
    type: "standard",
    clientId: event.clientId,
    timestamp: event.timestamp,
    seq: event.seq,
    context: {
      document: {
        location: { href: document.location.href },
        referrer: document.referrer,
        title: document.title,
      },
    },
    data: eventData(event),
  };
}

function eventData(event: ShopifyEvent): Record<string, unknown> {
  switch (event.name) {
    case "page_viewed":
      return {};
    case "product_viewed":
      return { productVariant: variant(event.data.productVariant) };
    case "collection_viewed":
      return { collection: collection(event.data.collection) };
    case "search_submitted":
      return { searchResult: searchResult(event.data.searchResult) };
    case "product_added_to_cart":
    case "product_removed_from_cart":
      return { cartLine: event.data.cartLine && cartLine(event.data.cartLine) };
    case "cart_viewed":
      return { cart: event.data.cart && cart(event.data.cart) };
    case "checkout_started":
    case "checkout_contact_info_submitted":
    case "checkout_address_info_submitted":
    case "checkout_shipping_info_submitted":
    case "payment_info_submitted":
      return { checkout: checkout(event.data.checkout) };
    case "checkout_completed": {
      const order = event.data.checkout.order;
      return {
        checkout: {
          ...checkout(event.data.checkout),
          // The order id ties the visit to the order the shop's Admin API reports; the customer
          // id to the buyer's other orders (new or returning).
          order: order && {
            id: order.id,
            customer: order.customer && {
              id: order.customer.id,
              isFirstOrder: order.customer.isFirstOrder,
            },
          },
        },
      };
    }
  }
}

function money(amount: MoneyV2 | null | undefined): MoneyV2 | null {
  // Amounts stay JSON numbers, as Shopify sends them; the intake reads them as decimals.
  return amount ? { amount: amount.amount, currencyCode: amount.currencyCode } : null;
}

function variant(productVariant: ProductVariant) {
  const product = productVariant.product;
  return {
    id: productVariant.id,
    title: productVariant.title,
    sku: productVariant.sku,
    price: money(productVariant.price),
    product: { id: product.id, title: product.title, type: product.type, vendor: product.vendor },
  };
}

function collection(viewed: Collection) {
  return { id: viewed.id, title: viewed.title };
}

function searchResult(result: SearchResult) {
  return { query: result.query };
}

function cartLine(line: CartLine) {
  return {
    quantity: line.quantity,
    cost: { totalAmount: money(line.cost.totalAmount) },
    merchandise: variant(line.merchandise),
  };
}

function cart(viewed: Cart) {
  return {
    id: viewed.id,
    totalQuantity: viewed.totalQuantity,
    cost: { totalAmount: money(viewed.cost.totalAmount) },
    lines: viewed.lines.map((line) => ({
      quantity: line.quantity,
      merchandise: { id: line.merchandise.id, product: { id: line.merchandise.product.id } },
    })),
  };
}

function checkout(current: Checkout) {
  return {
    token: current.token,
    currencyCode: current.currencyCode,
    subtotalPrice: money(current.subtotalPrice),
    totalPrice: money(current.totalPrice),
    totalTax: money(current.totalTax),
    discountsAmount: money(current.discountsAmount),
    shippingLine: current.shippingLine && { price: money(current.shippingLine.price) },
    lineItems: current.lineItems.map(lineItem),
  };
}

function lineItem(item: CheckoutLineItem) {
  return {
    id: item.id,
    quantity: item.quantity,
    finalLinePrice: money(item.finalLinePrice),
    variant: item.variant && { id: item.variant.id, product: { id: item.variant.product.id } },
  };
}
