import type { ModelPrice, Price } from "@tollgate/core";
import { contentHash, type Ledger } from "@tollgate/store";
import { BENCH_PRICING } from "./metering-runs.ts";
import { BENCH_MODELS, benchModelPrices } from "./usage-mix.ts";

/** Rows per insert statement: a progress line each, and a transaction small enough to keep WAL moving. */
const ROWS_PER_STATEMENT = 50_000;
/** Statements in flight: one per core, so the server inserts on both while Node waits. */
const STATEMENTS_IN_FLIGHT = 2;
const DAY_MS = 86_400_000;
/** Shares of the calls: the heaviest account, then each of the next four; the rest spread evenly. */
const HEAVIEST_SHARE = 0.1;
const HEAVY_SHARE = 0.025;
export const HEAVY_ACCOUNTS = 4;
const LIGHT_SHARE = 0.8;

/**
 * Inserts `events` usage events straight into `usage_events`, spread over the 365 days
 * before `now` and over `accountIds`: the first holds 10% of them, the next four 2.5% each,
 * the rest share 80% evenly. Each row is one `recordUsage` would write for a call of the
 * bench mix: a catalog model, token counts, its exact catalog cost, what BENCH_PRICING
 * charges for it (2% failed, uncharged), and an id built as `newIdAt` builds it for its
 * `created_at`, so reports bound a month by id as they do in production. Charged rows carry
 * a synthetic ledger transaction id: `usage_events` has no foreign key to transactions. The
 * price snapshot is the model's (prices and pricing rules), without the per-call costs.
 */
export async function loadUsageEvents(
  ledger: Ledger,
  options: { accountIds: string[]; events: number; now: Date; log: (message: string) => void },
): Promise<void> {
  const { accountIds, events, now } = options;
  if (accountIds.length <= 1 + HEAVY_ACCOUNTS) throw new Error(`need more than ${1 + HEAVY_ACCOUNTS} accounts`);
  const from = new Date(now.getTime() - 365 * DAY_MS);
  const models = await modelParameters(now, ledger.config.defaultUnit);
  // $3 to $21 of INSERT_SQL, in order ($1 and $2 are each statement's rows).
  const fixed = [
    accountIds,
    from.getTime(),
    now.getTime() - from.getTime(),
    events,
    models.slots,
    models.providers,
    models.models,
    models.reasoning,
    models.inputPrices,
    models.cacheReadPrices,
    models.cacheWritePrices,
    models.outputPrices,
    models.reasoningPrices,
    models.snapshots.map((snapshot) => snapshot.id),
    BENCH_PRICING.markup.default,
    BENCH_PRICING.creditsPerUsd,
    BENCH_PRICING.minimumChargeMinor.toString(),
    ledger.config.defaultUnit,
    models.cacheWrites,
  ];
  await ledger.sql.query(
    `insert into price_snapshots (price_snapshot_id, snapshot)
     select * from unnest($1::text[], $2::jsonb[]) on conflict do nothing`,
    [models.snapshots.map((snapshot) => snapshot.id), models.snapshots.map((snapshot) => snapshot.json)],
  );
  const startedAt = performance.now();
  let next = 0;
  let loaded = 0;
  const inserter = async () => {
    while (next < events) {
      const first = next;
      const last = Math.min(events, first + ROWS_PER_STATEMENT);
      next = last;
      await ledger.sql.query(INSERT_SQL, [first, last, ...fixed]);
      loaded += last - first;
      const seconds = (performance.now() - startedAt) / 1000;
      options.log(`usage events: ${loaded} of ${events} loaded (${Math.round(loaded / seconds)} rows/s)`);
    }
  };
  await Promise.all(Array.from({ length: STATEMENTS_IN_FLIGHT }, inserter));
}

/** The bench models as arrays the insert indexes by model number (1-based), and 100 weighted slots. */
async function modelParameters(at: Date, unit: string) {
  const prices = await benchModelPrices(at);
  const totalWeight = BENCH_MODELS.reduce((sum, model) => sum + model.weight, 0);
  const slots: number[] = [];
  BENCH_MODELS.forEach((model, index) => {
    const count = Math.round((model.weight / totalWeight) * 100);
    for (let slot = 0; slot < count; slot++) slots.push(index + 1);
  });
  const priceOf = (model: (typeof BENCH_MODELS)[number]) => flatPrice(prices.get(model) as ModelPrice);
  return {
    slots,
    providers: BENCH_MODELS.map((model) => model.provider),
    models: BENCH_MODELS.map((model) => model.model),
    reasoning: BENCH_MODELS.map((model) => model.reasoning),
    cacheWrites: BENCH_MODELS.map((model) => model.cacheWrites),
    inputPrices: BENCH_MODELS.map((model) => priceOf(model).input),
    cacheReadPrices: BENCH_MODELS.map((model) => priceOf(model).cacheRead),
    cacheWritePrices: BENCH_MODELS.map((model) => priceOf(model).cacheWrite),
    outputPrices: BENCH_MODELS.map((model) => priceOf(model).output),
    reasoningPrices: BENCH_MODELS.map((model) => priceOf(model).reasoning),
    snapshots: BENCH_MODELS.map((model) =>
      snapshotRow({
        provider: model.provider,
        model: model.model,
        priceSource: "catalog",
        prices: prices.get(model),
        markup: BENCH_PRICING.markup.default,
        creditsPerUsd: BENCH_PRICING.creditsPerUsd,
        unit,
        scale: 0,
        rounding: BENCH_PRICING.rounding,
        minimumChargeMinor: BENCH_PRICING.minimumChargeMinor.toString(),
      }),
    ),
  };
}

/** A price snapshot as the meter stores it: named by the hash of its content. */
function snapshotRow(snapshot: Record<string, unknown>): { id: string; json: string } {
  return { id: contentHash(snapshot), json: JSON.stringify(snapshot) };
}

/**
 * A model's prices per million tokens below its first tier (the loaded calls stay under
 * 10,000 input tokens, far below any catalog tier), a part without its own price at its
 * total's. Prices of anything else would make the SQL cost wrong: refused.
 */
function flatPrice(price: ModelPrice) {
  const known = ["input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok", "output_reasoning_mtok"];
  const other = Object.keys(price).find((key) => !known.includes(key));
  if (other) throw new Error(`the usage event loader does not price ${other}`);
  const base = (value: Price | undefined) => (value === undefined || typeof value === "string" ? value : value.base);
  const input = base(price.input_mtok) ?? "0";
  const output = base(price.output_mtok) ?? "0";
  return {
    input,
    cacheRead: base(price.cache_read_mtok) ?? input,
    cacheWrite: base(price.cache_write_mtok) ?? input,
    output,
    reasoning: base(price.output_reasoning_mtok) ?? output,
  };
}

/**
 * Rows $1 ≤ g < $2 of $6. Time is spread evenly over the span ($4, $5 ms), in row order, as
 * a production table fills. `drawn` draws each row's random numbers once (materialized: a
 * volatile value used twice must be the same value); the other steps derive from them.
 */
const INSERT_SQL = `
with drawn as materialized (
  select g, $4::bigint + (g * $5::bigint) / $6::bigint as ms, md5(g::text) as hash,
    random() as account_draw, random() as model_draw, random() as input_draw, random() as cached,
    random() as cache_share, random() as written, random() as output_draw, random() as reasoning_draw,
    random() >= 0.02 as success, 300 + floor(random() * 5000)::int as latency_ms
  from generate_series($1::bigint, $2::bigint - 1) g
), calls as (
  select *,
    case
      when account_draw < ${HEAVIEST_SHARE} then 1
      when account_draw < ${HEAVIEST_SHARE + HEAVY_SHARE * HEAVY_ACCOUNTS}
        then 2 + floor((account_draw - ${HEAVIEST_SHARE}) / ${HEAVY_SHARE})::int
      else ${2 + HEAVY_ACCOUNTS} + floor((account_draw - ${HEAVIEST_SHARE + HEAVY_SHARE * HEAVY_ACCOUNTS})
        / ${LIGHT_SHARE} * (cardinality($3::text[]) - ${1 + HEAVY_ACCOUNTS}))::int
    end as account,
    ($7::int[])[1 + floor(model_draw * cardinality($7::int[]))::int] as m,
    200 + floor(input_draw ^ 2 * 7800)::bigint as input_tokens,
    20 + floor(output_draw ^ 2 * 1480)::bigint as output_tokens
  from drawn
), counted as (
  select *,
    case when cached < 0.4 then floor(input_tokens * (0.3 + cache_share * 0.5))::bigint else 0 end as cache_read_tokens,
    case when ($10::boolean[])[m] then floor(output_tokens * (0.3 + reasoning_draw * 0.4))::bigint else 0 end
      as reasoning_tokens
  from calls
), written as (
  select *,
    case when ($21::boolean[])[m] and written < 0.2
      then floor((input_tokens - cache_read_tokens) * written * 5)::bigint else 0 end as cache_write_tokens
  from counted
), costed as (
  select *,
    ((input_tokens - cache_read_tokens - cache_write_tokens) * ($11::numeric[])[m]
      + cache_read_tokens * ($12::numeric[])[m] + cache_write_tokens * ($13::numeric[])[m]
      + (output_tokens - reasoning_tokens) * ($14::numeric[])[m] + reasoning_tokens * ($15::numeric[])[m])
      / 1000000 as cost_usd
  from written
), charged as materialized (
  select *,
    case when success then greatest($19::bigint, ceil(cost_usd * $17::numeric * $18::numeric))::bigint else 0 end
      as charged_minor
  from costed
)
insert into usage_events (account_id, usage_event_id, idempotency_key, transaction_id, provider, model,
  conversation_id, success, latency_ms, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
  reasoning_tokens, provider_cost_usd, cost_source, unit, charged_minor, charged_usd, price_snapshot_id, created_at)
select ($3::text[])[account],
  'use_' || lpad(to_hex(ms), 12, '0') || '7' || substr(hash, 1, 3)
    || substr('89ab', 1 + get_byte(decode(hash, 'hex'), 15) % 4, 1) || substr(hash, 4, 15),
  'bulk-' || g,
  case when charged_minor > 0
    then 'txn_' || lpad(to_hex(ms), 12, '0') || '7' || substr(hash, 14, 3) || '8' || substr(hash, 17, 15) end,
  ($8::text[])[m], ($9::text[])[m], 'conv-' || (g / 8), success, latency_ms,
  input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
  trim_scale(cost_usd), 'catalog', $20::text, charged_minor,
  case when success then trim_scale(charged_minor / $18::numeric) else 0 end,
  ($16::text[])[m],
  timestamptz 'epoch' + ms * interval '1 millisecond'
from charged`;
