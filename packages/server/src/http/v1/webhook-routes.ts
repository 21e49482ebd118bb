import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  descriptionOf,
  type Ledger,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PAGE_MAX,
  WEBHOOK_URL_LENGTH_MAX,
  Webhooks,
  webhookUrlOf,
} from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { ApiError } from "../api-error.ts";
import { replayAnswer } from "../idempotency/idempotency.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { lowBalanceThresholdRoutes } from "./low-balance-threshold-routes.ts";
import { errorResponses, jsonContent } from "./schemas.ts";
import { EventType, endpointJson, WebhookEndpoint } from "./webhook-json.ts";
import { webhookLogRoutes } from "./webhook-log-routes.ts";

/** A store check (it throws RangeError) as a schema refinement, so bad input is a 400 naming the field. */
const checkedBy =
  (check: (value: string) => unknown) =>
  (value: string, ctx: z.RefinementCtx): void => {
    try {
      check(value);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  };

const WebhookUrl = z
  .string()
  .max(WEBHOOK_URL_LENGTH_MAX)
  .superRefine(checkedBy(webhookUrlOf))
  // Said without a URL: the reference page links to nothing elsewhere.
  .openapi({ description: "An https URL (http for local development), without a user name, password or #fragment" });

const EventTypes = z
  .array(EventType)
  .max(WEBHOOK_EVENT_TYPES.length)
  .openapi({ description: "The types to send; empty: every type, including types added later" });

const Description = z
  .string()
  .max(200)
  .superRefine(checkedBy(descriptionOf))
  .nullable()
  .openapi({ description: "A label for people: 1 to 200 printable characters" });

export const EndpointParam = z.strictObject({
  endpoint: z
    .string()
    .regex(/^we_[0-9a-f]{32}$/, "an endpoint id: we_ and 32 hex digits")
    .openapi({ param: { name: "endpoint", in: "path" }, example: "we_0193…" }),
});

const createEndpoint = createRoute({
  method: "post",
  path: "/webhook-endpoints",
  summary: "Register a webhook endpoint; its signing secret is in this answer only",
  description:
    "A replay of this request (same Idempotency-Key) answers the endpoint with `secret: null`: the secret is never stored with the answer.",
  request: {
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            url: WebhookUrl,
            eventTypes: EventTypes.optional(),
            description: Description.optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      WebhookEndpoint.extend({ secret: z.string().nullable().openapi({ example: "whsec_…" }) }),
      "The endpoint and its signing secret (shown once)",
    ),
    ...errorResponses([400, 401, 403, 409, 422]),
  },
});

const listEndpoints = createRoute({
  method: "get",
  path: "/webhook-endpoints",
  summary: "Webhook endpoints in creation order, a page at a time (cursor: `after`); never a secret",
  request: {
    query: z.strictObject({
      includeDisabled: z.enum(["true", "false"]).optional(),
      limit: z.coerce.number().int().min(1).max(WEBHOOK_PAGE_MAX).optional(),
      after: EndpointParam.shape.endpoint.optional().openapi({ param: { name: "after", in: "query" } }),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ data: z.array(WebhookEndpoint), nextCursor: z.string().nullable() }),
      "A page of endpoints",
    ),
    ...errorResponses([400, 401, 403]),
  },
});

const getEndpoint = createRoute({
  method: "get",
  path: "/webhook-endpoints/{endpoint}",
  summary: "One webhook endpoint, enabled or not",
  request: { params: EndpointParam, query: z.strictObject({}) },
  responses: { 200: jsonContent(WebhookEndpoint, "The endpoint"), ...errorResponses([400, 401, 403, 404]) },
});

const updateEndpoint = createRoute({
  method: "post",
  path: "/webhook-endpoints/{endpoint}",
  summary: "Change an endpoint's URL, event types or description; a field left out stays as it is",
  description:
    "Pending deliveries go to the new URL from their next attempt on; new event types apply to events from now on. A disabled endpoint cannot be changed (disabling is for good).",
  request: {
    params: EndpointParam,
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z
            .strictObject({ url: WebhookUrl.optional(), eventTypes: EventTypes.optional(), description: Description })
            .partial()
            .refine((body) => Object.keys(body).length > 0, "name at least one of url, eventTypes, description"),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(WebhookEndpoint, "The endpoint as it is now"),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

const disableEndpoint = createRoute({
  method: "post",
  path: "/webhook-endpoints/{endpoint}/disable",
  summary: "Stop sending to an endpoint for good; its pending deliveries fail (replay them elsewhere)",
  description: "Disabling twice is harmless: the second answer says `alreadyDisabled: true`.",
  request: { params: EndpointParam, query: z.strictObject({}) },
  responses: {
    200: jsonContent(
      WebhookEndpoint.extend({
        alreadyDisabled: z.boolean(),
        pendingFailed: z.number().int().openapi({ description: "Pending deliveries failed by this call" }),
      }),
      "The disabled endpoint",
    ),
    ...errorResponses([400, 401, 403, 404, 409, 422]),
  },
});

/**
 * Outgoing webhooks under `/v1`, for secret keys only: endpoints here, events, deliveries and
 * replays in webhook-log-routes.ts, accounts' `balance.low` thresholds in
 * low-balance-threshold-routes.ts.
 */
export function webhookRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const webhooks = Webhooks.of(deps.ledger);
  const notFound = () => new ApiError("not_found", "No such webhook endpoint.");

  app.openapi(createEndpoint, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const { endpoint, secret } = await webhooks.createEndpoint({
      url: body.url,
      eventTypes: body.eventTypes ?? [],
      description: body.description ?? null,
    });
    replayAnswer(c, { ...endpointJson(endpoint), secret: null });
    return c.json({ ...endpointJson(endpoint), secret }, 200);
  });

  app.openapi(listEndpoints, async (c) => {
    requireSecret(callerOf(c));
    const query = c.req.valid("query");
    const page = await webhooks.endpointPage({
      includeDisabled: query.includeDisabled === "true",
      limit: query.limit ?? 50,
      after: query.after ?? null,
    });
    return c.json({ data: page.items.map(endpointJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getEndpoint, async (c) => {
    requireSecret(callerOf(c));
    const endpoint = await webhooks.getEndpoint(c.req.valid("param").endpoint);
    if (!endpoint) throw notFound();
    return c.json(endpointJson(endpoint), 200);
  });

  app.openapi(updateEndpoint, async (c) => {
    requireSecret(callerOf(c));
    const result = await webhooks.updateEndpoint(c.req.valid("param").endpoint, c.req.valid("json"));
    if (result.code === "not_found") throw notFound();
    if (result.code === "disabled") {
      throw new ApiError(
        "invalid_request",
        "This endpoint is disabled, for good; register a new one with POST /v1/webhook-endpoints.",
        { reason: "endpoint_disabled" },
      );
    }
    return c.json(endpointJson(result.endpoint), 200);
  });

  app.openapi(disableEndpoint, async (c) => {
    requireSecret(callerOf(c));
    const result = await webhooks.disableEndpoint(c.req.valid("param").endpoint);
    if (result.code === "not_found") throw notFound();
    return c.json(
      {
        ...endpointJson(result.endpoint),
        alreadyDisabled: result.code === "already_disabled",
        pendingFailed: result.code === "disabled" ? result.pendingFailed : 0,
      },
      200,
    );
  });

  webhookLogRoutes(app, { webhooks, ledger: deps.ledger });
  lowBalanceThresholdRoutes(app, { webhooks, ledger: deps.ledger });
}
