import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Meter } from "@tollgate/metering";
import type { AppEnv } from "../../app-env.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { ledgerFailure } from "./ledger-failure.ts";
import { errorResponses, jsonContent } from "./schemas.ts";
import { RecordedUsage, recordedUsageJson, toUsageInput, UsageBody } from "./usage-body.ts";

/** The most events one batch carries: a bounded request, a bounded response, a bounded wait. */
export const USAGE_BATCH_SIZE_MAX = 1000;

const BatchEvent = UsageBody.extend({
  id: z
    .string()
    .min(1)
    .max(200)
    .refine((id) => !id.startsWith("tollgate:"), "the tollgate: prefix is reserved")
    .openapi({
      description:
        "The event's own idempotency key: sending the same id again (in this batch's retry or any later one) replays its first result and charges nothing more",
      example: "call_7f3a",
    }),
});

const BatchBody = z
  .strictObject({ events: z.array(BatchEvent).min(1).max(USAGE_BATCH_SIZE_MAX) })
  .superRefine(({ events }, context) => {
    const seen = new Set<string>();
    events.forEach((event, index) => {
      if (seen.has(event.id))
        context.addIssue({ code: "custom", path: ["events", index, "id"], message: "duplicate id" });
      seen.add(event.id);
    });
  });

const ItemError = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });

const BatchResult = z
  .object({
    data: z.array(
      z.union([
        RecordedUsage.extend({ id: z.string(), ok: z.literal(true) }),
        z.object({ id: z.string(), ok: z.literal(false), error: ItemError }),
      ]),
    ),
  })
  .openapi("UsageEventBatchResult");

const recordBatch = createRoute({
  method: "post",
  path: "/usage-events/batch",
  summary: `Record up to ${USAGE_BATCH_SIZE_MAX} model calls' usage; each event is charged on its own and answered in order`,
  description:
    "A malformed event refuses the whole batch (400, nothing recorded). Otherwise every event is recorded or refused on its own (an account short of credits, an unknown price), and `data` answers each in the request's order with `ok`.",
  request: {
    query: z.strictObject({}),
    body: { content: { "application/json": { schema: BatchBody } }, required: true },
  },
  responses: {
    200: jsonContent(BatchResult, "Each event's outcome, in order"),
    ...errorResponses([400, 401, 403, 409, 422]),
  },
});

/** `POST /v1/usage-events/batch`: the way to send usage in bulk (an importer, a queue consumer). */
export function usageBatchRoutes(app: OpenAPIHono<AppEnv>, deps: { meter: Meter }): void {
  const { meter } = deps;
  const { ledger } = meter;

  app.openapi(recordBatch, async (c) => {
    requireSecret(callerOf(c));
    // The schema checked every event as the meter would (a malformed one refuses the whole
    // batch, naming it), so they are priced in one loop and submitted in one ledger call: the
    // ledger queues them together, so they go in as few transactions as its batch size allows,
    // and each keeps its own result and its own idempotency key.
    const events = c.req.valid("json").events.map(({ id, ...body }) => ({ id, input: toUsageInput(body, id) }));
    const results = await meter.recordUsageMany(events.map(({ input }) => input));
    const data = results.map((result, index) => {
      const id = events[index]?.id as string;
      if (result.ok) return { id, ok: true as const, ...recordedUsageJson(ledger, result.value) };
      const { code, message, details } = ledgerFailure(result, { ledger, unit: meter.unit.unit });
      return { id, ok: false as const, error: { code, message, details } };
    });
    return c.json({ data }, 200);
  });
}
