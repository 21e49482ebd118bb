import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { FAILURE_CODES } from "@tollgate/core";
import type { Ledger } from "@tollgate/store";
import type { AppEnv } from "../../app-env.ts";
import { duplicateKeys, IMPORT_ROWS_MAX, ImportRowSchema } from "../../imports/import-row.ts";
import { runImport } from "../../imports/run-import.ts";
import { ApiError } from "../api-error.ts";
import { callerOf, requireSecret } from "./auth.ts";
import { Amount, errorResponses, jsonContent } from "./schemas.ts";

const RowResult = z
  .object({
    index: z.number().int().openapi({ description: "The row's position in `rows`, from 0" }),
    key: z.string().openapi({ description: "Its idempotency key: its own `key`, or derived from its content" }),
    status: z.enum(["applied", "would_apply", "already_applied", "refused"]),
    accountId: z.string().nullable(),
    unit: z.string(),
    amount: Amount.nullable(),
    transactionId: z.string().optional(),
    lotId: z.string().optional(),
    balance: Amount.optional().openapi({ description: "applied, already_applied: the balance after the grant" }),
    available: z.string().optional(),
    accountExists: z.boolean().optional().openapi({ description: "A dry run: false when the row would create it" }),
    balanceBefore: z.string().optional().openapi({ description: "A dry run: the balance the row finds" }),
    balanceAfter: z.string().optional().openapi({ description: "A dry run: the balance after the row" }),
    error: z.object({ code: z.enum(FAILURE_CODES), message: z.string() }).optional(),
  })
  .openapi("ImportRowResult");

const importRows = createRoute({
  method: "post",
  path: "/imports",
  summary: "Bring existing balances in: each row a grant to its account, idempotent per row",
  description: `At most ${IMPORT_ROWS_MAX} rows a request. Each row's idempotency key is its \`key\`, else derived from its content and its occurrence among identical rows, so sending the same rows again changes nothing. A malformed row refuses the whole request (400, \`details.fields\` names \`rows.<index>.<field>\`, nothing written); a row the ledger refuses is answered \`refused\` and the others go on. \`dryRun: true\` writes nothing and says what each row would do.`,
  request: {
    query: z.strictObject({}),
    body: {
      content: {
        "application/json": {
          schema: z.strictObject({
            rows: z.array(ImportRowSchema).min(1).max(IMPORT_ROWS_MAX),
            dryRun: z.boolean().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: jsonContent(
      z
        .object({
          dryRun: z.boolean(),
          summary: z.object({
            applied: z.number().int().openapi({ description: "Applied (in a dry run: would be)" }),
            alreadyApplied: z.number().int(),
            refused: z.number().int(),
          }),
          data: z.array(RowResult),
        })
        .openapi("ImportResult"),
      "One result per row, in order",
    ),
    ...errorResponses([400, 401, 403, 409, 422]),
  },
});

/** `POST /v1/imports`: balances brought in from an app's own tables, for secret keys only. */
export function importRoutes(app: OpenAPIHono<AppEnv>, deps: { ledger: Ledger }): void {
  app.openapi(importRows, async (c) => {
    requireSecret(callerOf(c));
    const body = c.req.valid("json");
    const duplicates = duplicateKeys(body.rows);
    if (duplicates.length > 0) {
      const fields = duplicates.map(({ index, firstIndex }) => ({
        field: `rows.${index}.key`,
        message: `the key of rows.${firstIndex}: a key is its row's own id`,
      }));
      throw new ApiError("invalid_request", `${fields[0]?.field}: ${fields[0]?.message}`, { fields });
    }
    const dryRun = body.dryRun === true;
    const data = await runImport(deps.ledger, body.rows, { dryRun });
    const count = (statuses: string[]) => data.filter((row) => statuses.includes(row.status)).length;
    const summary = {
      applied: count(["applied", "would_apply"]),
      alreadyApplied: count(["already_applied"]),
      refused: count(["refused"]),
    };
    return c.json({ dryRun, summary, data }, 200);
  });
}
