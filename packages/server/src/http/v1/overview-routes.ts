import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { formatMinor } from "@tollgate/core";
import type { Ledger, Overview, UsageWindow } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { callerOf, requireAdmin } from "./auth.ts";
import { errorResponses, jsonContent } from "./schemas.ts";

const DateTime = z.string().openapi({ format: "date-time" });
const SignedAmount = z.string().openapi({ description: "A decimal string in the unit's scale", example: "297.00" });
const Usd = z.string().openapi({ description: "Exact USD, a decimal string", example: "0.0123" });

const UsageTotals = z
  .object({
    unit: z.string(),
    events: z.number().int().openapi({ description: "Usage events recorded, failed calls included" }),
    failedEvents: z.number().int(),
    charged: SignedAmount.openapi({ description: "What the events charged, in the unit" }),
    providerCostUsd: Usd.openapi({ description: "What the calls cost their providers" }),
    chargedUsd: Usd.nullable().openapi({
      description: "The charges in USD at each event's own conversion; null for a unit with none (a feature unit)",
    }),
    marginUsd: Usd.nullable().openapi({
      description: "chargedUsd − providerCostUsd over the events with a USD charge; null when none has one",
    }),
  })
  .openapi("OverviewUsage");

const Window = z.object({ from: DateTime, to: DateTime, units: z.array(UsageTotals) });

const OverviewJson = z
  .object({
    now: DateTime,
    timeZone: z.string(),
    outstanding: z.array(
      z.object({
        unit: z.string(),
        accounts: z.number().int().openapi({ description: "Customer accounts with a balance in the unit" }),
        balance: SignedAmount.openapi({ description: "The sum of the customers' balances: credits outstanding" }),
        held: SignedAmount.openapi({ description: "Of it, reserved by active holds" }),
        debt: SignedAmount,
      }),
    ),
    activeHolds: z.array(z.object({ unit: z.string(), holds: z.number().int(), amount: SignedAmount })),
    today: Window.openapi({ description: "Since the start of today in `timeZone`" }),
    last30Days: Window.openapi({ description: "The 30 days (720 hours) before `now`" }),
    webhooks: z.object({
      failedDeliveries: z.number().int().openapi({ description: "Failed for good and not delivered since" }),
      retryingDeliveries: z.number().int().openapi({ description: "Last attempt failed, waiting for the next" }),
      endpoints: z.array(
        z.object({
          id: z.string(),
          url: z.string(),
          enabled: z.boolean(),
          failedDeliveries: z.number().int(),
          retryingDeliveries: z.number().int(),
          lastAttemptAt: DateTime.nullable(),
          lastError: z.string().nullable(),
        }),
      ),
    }),
  })
  .openapi("Overview");

const getOverview = createRoute({
  method: "get",
  path: "/overview",
  summary:
    "The deployment at a glance: credits outstanding, active holds, usage, provider cost and margin today and over 30 days, failing webhooks (admin keys only)",
  description:
    "Amounts are per unit (never added across units), as decimal strings in the unit's scale. Margin is in USD, where both sides are exact: each usage event keeps its charge converted back to USD at the rate its price snapshot used, and the margin is that minus the provider's cost. Amount-only charges and deductions record no usage event, so they are not usage here (they do lower the balances).",
  request: {
    query: z.strictObject({
      timeZone: z
        .string()
        .max(64)
        .refine(isTimeZone, "not a time zone (an IANA name such as Europe/Paris)")
        .optional()
        .openapi({ description: "Where today begins (default UTC)", example: "Europe/Paris" }),
    }),
  },
  responses: { 200: jsonContent(OverviewJson, "The overview"), ...errorResponses([400, 401, 403]) },
});

/** `/v1/overview`: the operator dashboard's first page, for an admin key. */
export function overviewRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  const { ledger } = deps;
  app.openapi(getOverview, async (c) => {
    requireAdmin(callerOf(c));
    const timeZone = c.req.valid("query").timeZone ?? "UTC";
    return c.json(overviewJson(ledger, await ledger.overview({ timeZone }), timeZone), 200);
  });
}

function overviewJson(ledger: Ledger, overview: Overview, timeZone: string): z.infer<typeof OverviewJson> {
  const format = (minor: bigint, unit: string) => formatMinor(minor, ledger.units.get(unit)?.scale ?? 0);
  const window = (usage: UsageWindow) => ({
    from: usage.from.toISOString(),
    to: usage.to.toISOString(),
    units: usage.units.map(({ chargedMinor, ...totals }) => ({
      ...totals,
      charged: format(chargedMinor, totals.unit),
    })),
  });
  return {
    now: overview.now.toISOString(),
    timeZone,
    outstanding: overview.outstanding.map((row) => ({
      unit: row.unit,
      accounts: row.accounts,
      balance: format(row.balanceMinor, row.unit),
      held: format(row.heldMinor, row.unit),
      debt: format(row.debtMinor, row.unit),
    })),
    activeHolds: overview.activeHolds.map((row) => ({
      unit: row.unit,
      holds: row.holds,
      amount: format(row.amountMinor, row.unit),
    })),
    today: window(overview.today),
    last30Days: window(overview.last30Days),
    webhooks: {
      failedDeliveries: overview.webhooks.failedDeliveries,
      retryingDeliveries: overview.webhooks.retryingDeliveries,
      endpoints: overview.webhooks.endpoints.map(({ endpointId, lastAttemptAt, ...endpoint }) => ({
        id: endpointId,
        ...endpoint,
        lastAttemptAt: lastAttemptAt?.toISOString() ?? null,
      })),
    },
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
