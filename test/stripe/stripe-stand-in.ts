// A local stand-in for the parts of Stripe's REST API Tollgate uses, for tests: Stripe cannot be
// reached from a test machine, and the point is to run the real SDK against something that
// answers as Stripe does. Form-encoded bodies with nested keys, Bearer sk_test_ keys,
// Idempotency-Key replay, list objects with has_more, and Stripe's error shape and statuses.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Params = { [key: string]: Param };
type Param = string | Params | Param[];
type StripeObject = Record<string, unknown> & { id: string; created: number };

/** One request as the SDK sent it. */
export interface RecordedRequest {
  method: string;
  path: string;
  params: Params;
  idempotencyKey: string | null;
}

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; message: string; param?: string; [more: string]: unknown },
  ) {
    super(body.message);
  }
}

/**
 * Starts the stand-in on 127.0.0.1 at a free port, its objects' `created` from `nowSeconds`
 * (default: the real clock). `requests` records every request in order;
 * `url` is what `STRIPE_API_BASE` takes.
 *
 * @example
 * const standIn = await startStripeStandIn();
 * const stripe = new Stripe("sk_test_123", { host: "127.0.0.1", port: standIn.port, protocol: "http" });
 */
export async function startStripeStandIn(options: { nowSeconds?: () => number } = {}) {
  const requests: RecordedRequest[] = [];
  const tables = {
    products: new Map<string, StripeObject>(),
    prices: new Map<string, StripeObject>(),
    customers: new Map<string, StripeObject>(),
    sessions: new Map<string, StripeObject>(),
    paymentMethods: new Map<string, StripeObject>(),
    paymentIntents: new Map<string, StripeObject>(),
  };
  const replays = new Map<string, { fingerprint: string; status: number; body: string }>();
  // Stripe's `created`: the test's clock, ticking at least a second per object so lists have an order.
  let last = 0;
  const tick = () => {
    last = Math.max(last + 1, Math.floor(options.nowSeconds?.() ?? Date.now() / 1000));
    return last;
  };

  const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
  const make = (table: Map<string, StripeObject>, prefix: string, object: string, fields: Record<string, unknown>) => {
    const made: StripeObject = { id: newId(prefix), object, created: tick(), livemode: false, ...fields };
    table.set(made.id, made);
    return made;
  };
  const find = (table: Map<string, StripeObject>, kind: string, id: string) => {
    const found = table.get(id);
    if (!found) {
      throw new StripeFailure(404, {
        type: "invalid_request_error",
        code: "resource_missing",
        message: `No such ${kind}: '${id}'`,
        param: "id",
      });
    }
    return found;
  };
  const list = (items: StripeObject[], params: Params, url: string) => {
    const sorted = [...items].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const limit = Math.min(100, Number(text(params.limit) ?? 10));
    const after = text(params.starting_after);
    const start = after ? sorted.findIndex((item) => item.id === after) + 1 : 0;
    const data = sorted.slice(start, start + limit);
    return { object: "list", data, has_more: start + limit < sorted.length, url };
  };

  const routes: Array<[method: string, pattern: RegExp, handle: (params: Params, id: string) => unknown]> = [
    [
      "POST",
      /^\/v1\/products$/,
      (p) => {
        return make(tables.products, "prod", "product", {
          name: required(p, "name"),
          active: bool(p.active) ?? true,
          metadata: metadataOf(p.metadata, {}),
        });
      },
    ],
    [
      "GET",
      /^\/v1\/products$/,
      (p) => {
        const active = bool(p.active);
        return list(
          [...tables.products.values()].filter((x) => active === undefined || x.active === active),
          p,
          "/v1/products",
        );
      },
    ],
    ["GET", /^\/v1\/products\/([^/]+)$/, (_p, id) => find(tables.products, "product", id)],
    [
      "POST",
      /^\/v1\/products\/([^/]+)$/,
      (p, id) => {
        const product = find(tables.products, "product", id);
        if (p.name !== undefined) product.name = text(p.name);
        if (p.active !== undefined) product.active = bool(p.active);
        if (p.metadata !== undefined)
          product.metadata = metadataOf(p.metadata, product.metadata as Record<string, string>);
        return product;
      },
    ],
    [
      "POST",
      /^\/v1\/prices$/,
      (p) => {
        const product = find(tables.products, "product", required(p, "product"));
        const currency = required(p, "currency");
        const lookupKey = text(p.lookup_key) ?? null;
        const holder =
          lookupKey === null ? undefined : [...tables.prices.values()].find((x) => x.lookup_key === lookupKey);
        if (holder) {
          if (bool(p.transfer_lookup_key) !== true) {
            throw new StripeFailure(400, {
              type: "invalid_request_error",
              message: `A price (\`${holder.id}\`) already uses that lookup key.`,
              param: "lookup_key",
            });
          }
          holder.lookup_key = null;
        }
        const recurring = p.recurring as Params | undefined;
        return make(tables.prices, "price", "price", {
          product: product.id,
          currency: currency.toLowerCase(),
          unit_amount: Number(required(p, "unit_amount")),
          unit_amount_decimal: required(p, "unit_amount"),
          active: bool(p.active) ?? true,
          lookup_key: lookupKey,
          type: recurring ? "recurring" : "one_time",
          recurring: recurring
            ? { interval: text(recurring.interval), interval_count: Number(text(recurring.interval_count) ?? 1) }
            : null,
          metadata: metadataOf(p.metadata, {}),
        });
      },
    ],
    [
      "GET",
      /^\/v1\/prices$/,
      (p) => {
        const keys = p.lookup_keys === undefined ? undefined : values(p.lookup_keys);
        const active = bool(p.active);
        const product = text(p.product);
        const matching = [...tables.prices.values()].filter(
          (x) =>
            (keys === undefined || keys.includes(String(x.lookup_key))) &&
            (active === undefined || x.active === active) &&
            (product === undefined || x.product === product),
        );
        return list(matching, p, "/v1/prices");
      },
    ],
    ["GET", /^\/v1\/prices\/([^/]+)$/, (_p, id) => find(tables.prices, "price", id)],
    [
      "POST",
      /^\/v1\/prices\/([^/]+)$/,
      (p, id) => {
        const price = find(tables.prices, "price", id);
        if (p.active !== undefined) price.active = bool(p.active);
        if (p.lookup_key !== undefined) price.lookup_key = text(p.lookup_key) || null;
        if (p.metadata !== undefined) price.metadata = metadataOf(p.metadata, price.metadata as Record<string, string>);
        return price;
      },
    ],
    [
      "POST",
      /^\/v1\/customers$/,
      (p) => {
        return make(tables.customers, "cus", "customer", {
          email: text(p.email) ?? null,
          name: text(p.name) ?? null,
          metadata: metadataOf(p.metadata, {}),
        });
      },
    ],
    ["GET", /^\/v1\/customers$/, (p) => list([...tables.customers.values()], p, "/v1/customers")],
    ["GET", /^\/v1\/customers\/([^/]+)$/, (_p, id) => find(tables.customers, "customer", id)],
    [
      "POST",
      /^\/v1\/checkout\/sessions$/,
      (p) => {
        const mode = required(p, "mode");
        if (mode !== "payment" && mode !== "subscription") {
          throw new StripeFailure(400, {
            type: "invalid_request_error",
            message: `Invalid mode: ${mode}`,
            param: "mode",
          });
        }
        const lineItems = (Array.isArray(p.line_items) ? p.line_items : []) as Params[];
        if (lineItems.length === 0) {
          throw new StripeFailure(400, {
            type: "invalid_request_error",
            code: "parameter_missing",
            message: "Missing required param: line_items.",
            param: "line_items",
          });
        }
        for (const [index, item] of lineItems.entries()) {
          const price = find(tables.prices, "price", text(item.price) ?? "");
          if (!price.active) {
            throw new StripeFailure(400, {
              type: "invalid_request_error",
              message: `The price specified is inactive. This field only accepts active prices.`,
              param: `line_items[${index}][price]`,
            });
          }
          const recurring = price.type === "recurring";
          if (recurring !== (mode === "subscription")) {
            throw new StripeFailure(400, {
              type: "invalid_request_error",
              message: recurring
                ? "You must be in `subscription` mode to use recurring prices."
                : "You specified `subscription` mode but passed only one-time prices.",
              param: `line_items[${index}][price]`,
            });
          }
        }
        const customer = text(p.customer);
        if (customer !== undefined) find(tables.customers, "customer", customer);
        const session = make(tables.sessions, "cs_test", "checkout.session", {
          mode,
          customer: customer ?? null,
          client_reference_id: text(p.client_reference_id) ?? null,
          metadata: metadataOf(p.metadata, {}),
          success_url: required(p, "success_url"),
          cancel_url: text(p.cancel_url) ?? null,
          status: "open",
          payment_status: "unpaid",
        });
        session.url = `https://checkout.stripe.com/c/pay/${session.id}`;
        return session;
      },
    ],
    [
      "GET",
      /^\/v1\/customers\/([^/]+)\/payment_methods$/,
      (p, id) => {
        find(tables.customers, "customer", id);
        return list(
          [...tables.paymentMethods.values()].filter((x) => x.customer === id),
          p,
          `/v1/customers/${id}/payment_methods`,
        );
      },
    ],
    [
      "POST",
      /^\/v1\/payment_intents$/,
      (p) => {
        const customer = text(p.customer);
        if (customer !== undefined) find(tables.customers, "customer", customer);
        const method = text(p.payment_method);
        const saved = method === undefined ? undefined : find(tables.paymentMethods, "payment_method", method);
        if (saved && saved.customer !== customer) {
          throw new StripeFailure(400, {
            type: "invalid_request_error",
            message: `The payment method \`${method}\` does not belong to the customer.`,
            param: "payment_method",
          });
        }
        const confirm = bool(p.confirm) === true;
        const intent = make(tables.paymentIntents, "pi", "payment_intent", {
          amount: Number(required(p, "amount")),
          currency: required(p, "currency").toLowerCase(),
          customer: customer ?? null,
          payment_method: method ?? null,
          description: text(p.description) ?? null,
          metadata: metadataOf(p.metadata, {}),
          off_session: bool(p.off_session) ?? null,
          status: confirm ? "succeeded" : method ? "requires_confirmation" : "requires_payment_method",
          last_payment_error: null,
        });
        if (confirm && saved?.declines === true) {
          intent.status = "requires_payment_method";
          const error = { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };
          intent.last_payment_error = error;
          throw new StripeFailure(402, { type: "card_error", ...error, payment_intent: intent });
        }
        return intent;
      },
    ],
    ["GET", /^\/v1\/payment_intents\/([^/]+)$/, (_p, id) => find(tables.paymentIntents, "payment_intent", id)],
    [
      "POST",
      /^\/v1\/billing_portal\/sessions$/,
      (p) => {
        const customer = find(tables.customers, "customer", required(p, "customer"));
        return {
          id: newId("bps"),
          object: "billing_portal.session",
          created: tick(),
          customer: customer.id,
          return_url: text(p.return_url) ?? null,
          url: `https://billing.stripe.com/p/session/test_${randomBytes(8).toString("hex")}`,
        };
      },
    ],
  ];

  const answer = (response: ServerResponse, status: number, body: string, replayed = false) => {
    response.writeHead(status, {
      "content-type": "application/json",
      "request-id": `req_${randomBytes(7).toString("hex")}`,
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const url = new URL(request.url ?? "/", "http://stand-in");
    const method = request.method ?? "GET";
    const params = parseForm(method === "GET" ? url.search.slice(1) : bodyText);
    const idempotencyKey =
      method === "POST" ? ((request.headers["idempotency-key"] as string | undefined) ?? null) : null;
    requests.push({ method, path: url.pathname, params, idempotencyKey });
    const fail = (error: StripeFailure) => answer(response, error.status, JSON.stringify({ error: error.body }));
    const auth = request.headers.authorization ?? "";
    if (!/^Bearer sk_test_[A-Za-z0-9_]+$/.test(auth)) {
      return fail(
        new StripeFailure(401, {
          type: "invalid_request_error",
          message: "Invalid API Key provided: the stand-in takes sk_test_… keys only.",
        }),
      );
    }
    const fingerprint = `${method} ${url.pathname} ${bodyText}`;
    if (idempotencyKey !== null) {
      const earlier = replays.get(idempotencyKey);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          return fail(
            new StripeFailure(400, {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            }),
          );
        }
        return answer(response, earlier.status, earlier.body, true);
      }
    }
    let status = 200;
    let body: string;
    try {
      const route = routes.find(([routeMethod, pattern]) => routeMethod === method && pattern.test(url.pathname));
      if (!route) {
        throw new StripeFailure(404, {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${method}: ${url.pathname}).`,
        });
      }
      const id = decodeURIComponent(route[1].exec(url.pathname)?.[1] ?? "");
      body = JSON.stringify(route[2](params, id));
    } catch (error) {
      if (!(error instanceof StripeFailure)) throw error;
      status = error.status;
      body = JSON.stringify({ error: error.body });
    }
    // Stripe stores the first answer under the key, errors from validation included.
    if (idempotencyKey !== null) replays.set(idempotencyKey, { fingerprint, status, body });
    answer(response, status, body);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) =>
      answer(response, 500, JSON.stringify({ error: { type: "api_error", message: String(error) } })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    tables,
    /**
     * Saves a card for the customer, as the customer would at a checkout or in the portal; one that
     * `declines` fails every payment, as Stripe's test card 4000 0000 0000 0002 does.
     */
    savePaymentMethod(customerId: string, options: { declines?: boolean } = {}): string {
      find(tables.customers, "customer", customerId);
      return make(tables.paymentMethods, "pm", "payment_method", {
        type: "card",
        customer: customerId,
        card: { brand: "visa", last4: options.declines ? "0002" : "4242" },
        declines: options.declines ?? false,
      }).id;
    },
    /** The requests to one path (and method), in order. */
    requestsTo(method: string, path: string): RecordedRequest[] {
      return requests.filter((request) => request.method === method && request.path === path);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type StripeStandIn = Awaited<ReturnType<typeof startStripeStandIn>>;

/** `a[b][0][c]=v&lookup_keys[]=x` as Stripe reads it: nested objects, arrays by index or `[]`. */
export function parseForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = [...key.matchAll(/^([^[]+)|\[([^\]]*)\]/g)].map((match) => match[1] ?? match[2] ?? "");
    let node: Params | Param[] = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const nextIsArray = !last && /^\d*$/.test(path[index + 1] ?? "");
      const container = node as Record<string, Param> & Param[];
      const slot = segment === "" && Array.isArray(node) ? node.length : segment;
      if (last) {
        container[slot as never] = value as never;
        return;
      }
      container[slot as never] ??= (nextIsArray ? [] : {}) as never;
      node = container[slot as never] as unknown as Params | Param[];
    });
  }
  return root;
}

function text(param: Param | undefined): string | undefined {
  return typeof param === "string" ? param : undefined;
}
function bool(param: Param | undefined): boolean | undefined {
  return param === "true" ? true : param === "false" ? false : undefined;
}
function values(param: Param): string[] {
  return (Array.isArray(param) ? param : Object.values(param)).filter((x): x is string => typeof x === "string");
}
function required(params: Params, name: string): string {
  const value = text(params[name]);
  if (value === undefined || value === "") {
    throw new StripeFailure(400, {
      type: "invalid_request_error",
      code: "parameter_missing",
      message: `Missing required param: ${name}.`,
      param: name,
    });
  }
  return value;
}
/** Stripe merges metadata on update; an empty value removes its key. */
function metadataOf(param: Param | undefined, current: Record<string, string>): Record<string, string> {
  const merged = { ...current };
  if (param && typeof param === "object" && !Array.isArray(param)) {
    for (const [key, value] of Object.entries(param)) {
      if (typeof value !== "string") continue;
      if (value === "") delete merged[key];
      else merged[key] = value;
    }
  }
  return merged;
}
