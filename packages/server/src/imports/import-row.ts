import { z } from "@hono/zod-openapi";
import {
  ACCOUNT_TYPES,
  type AccountRef,
  type AccountType,
  CANONICAL_AMOUNT,
  externalIdProblem,
  GRANT_SOURCES,
} from "@tollgate/core";
import { canonicalJson, contentHash } from "@tollgate/store";

/** The most rows one `POST /v1/imports` carries; `tollgate import` sends a file in requests of this many. */
export const IMPORT_ROWS_MAX = 1000;
export const IMPORT_KEY_LENGTH_MAX = 100;

/** The source of a row that names none: an operator's act, like `tollgate grant`'s default. */
export const IMPORT_SOURCE_DEFAULT = "admin";
/** The reason of a row that gives none: every balance is explained line by line. */
export const IMPORT_REASON_DEFAULT = "imported balance";

/**
 * `acct_…`, or `type:externalId` with a type Tollgate has and an external id as every account
 * has (`externalIdProblem`); else null.
 *
 * @example
 * importAccountRef("user:alice"); // { type: "user", externalId: "alice" }
 */
export function importAccountRef(text: string): AccountRef | null {
  if (/^acct_[0-9a-f]{32}$/.test(text)) return { accountId: text };
  const colon = text.indexOf(":");
  const type = text.slice(0, colon) as AccountType;
  const externalId = text.slice(colon + 1);
  if (colon < 0 || !ACCOUNT_TYPES.includes(type)) return null;
  if (externalIdProblem(externalId) !== null) return null;
  return { type, externalId };
}

/**
 * One balance to bring in: a grant to the account (created on first use, as by a grant).
 * The same schema checks `POST /v1/imports` and every line of `tollgate import`'s file.
 */
export const ImportRowSchema = z
  .strictObject({
    account: z
      .string()
      .max(300)
      .refine((text) => importAccountRef(text) !== null, "acct_… or type:externalId (user:alice, organization:acme)")
      .openapi({ example: "user:alice" }),
    unit: z.string().min(1).max(64).optional().openapi({ description: "Default: the deployment's unit" }),
    amount: z
      .string({
        error: (issue) =>
          issue.input === undefined ? "required" : 'a decimal string, e.g. "12.50" (a string, never a JSON number)',
      })
      .regex(CANONICAL_AMOUNT, 'a decimal string in the unit\'s scale, e.g. "12.50" (no leading zeros, "+" or spaces)')
      .refine((text) => /[1-9]/.test(text), "more than 0 (leave out rows with nothing to import)")
      .openapi({ example: "40" }),
    source: z
      .enum(GRANT_SOURCES)
      .optional()
      .openapi({ description: `The grant's source; default "${IMPORT_SOURCE_DEFAULT}"` }),
    expiresAt: z.string().datetime({ offset: true }).optional().openapi({ description: "Default: never" }),
    reason: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: `Kept in the history; default "${IMPORT_REASON_DEFAULT}"` }),
    key: z
      .string()
      .min(1)
      .max(IMPORT_KEY_LENGTH_MAX)
      .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
      .optional()
      .openapi({ description: "The row's own id, unique in the file; default: derived from its content" }),
  })
  .openapi("ImportRow");

export type ImportRow = z.infer<typeof ImportRowSchema>;

/**
 * Each row's idempotency key: its `key` when it has one, else one derived from its content
 * and its occurrence among identical rows (the first, the second, …), so a file imported
 * twice, or reordered, grants each row once, and two identical rows stay two grants. The
 * content is the row as written, with the amount's trailing zeros and the expiry's time zone
 * left out ("40.0" and "40" are one amount), so identical rows are the same whatever
 * produced the file. A derived key is 43 characters of base64url (SHA-256).
 *
 * @example
 * importRowKeys([{ account: "user:alice", amount: "40" }, { account: "user:alice", amount: "40.00" }]);
 * // two different keys: the second is the second occurrence of the same row
 */
export function importRowKeys(rows: readonly ImportRow[]): string[] {
  const occurrences = new Map<string, number>();
  return rows.map((row) => {
    if (row.key !== undefined) return row.key;
    const content = canonicalJson(contentOf(row));
    const occurrence = (occurrences.get(content) ?? 0) + 1;
    occurrences.set(content, occurrence);
    return contentHash({ content, occurrence });
  });
}

/** The ledger's idempotency key of an imported row: its own namespace, so an app's other keys never meet it. */
export const importLedgerKey = (rowKey: string): string => `import:${rowKey}`;

/**
 * The rows whose `key` an earlier row already has, by index: a key is the row's own id, so
 * two rows with one key are a mistake in the file.
 */
export function duplicateKeys(rows: readonly ImportRow[]): Array<{ index: number; firstIndex: number }> {
  const first = new Map<string, number>();
  const duplicates: Array<{ index: number; firstIndex: number }> = [];
  rows.forEach((row, index) => {
    if (row.key === undefined) return;
    const seen = first.get(row.key);
    if (seen === undefined) first.set(row.key, index);
    else duplicates.push({ index, firstIndex: seen });
  });
  return duplicates;
}

function contentOf(row: ImportRow) {
  return {
    account: row.account,
    unit: row.unit ?? null,
    amount: canonicalDecimal(row.amount),
    source: row.source ?? null,
    expiresAt: row.expiresAt === undefined ? null : new Date(row.expiresAt).toISOString(),
    reason: row.reason ?? null,
  };
}

/** "040.50" → "40.5", "7.000" → "7": one text per number. */
function canonicalDecimal(text: string): string {
  const [whole = "", fraction = ""] = text.split(".");
  const trimmedWhole = whole.replace(/^0+(?=\d)/, "");
  const trimmedFraction = fraction.replace(/0+$/, "");
  return trimmedFraction === "" ? trimmedWhole : `${trimmedWhole}.${trimmedFraction}`;
}
