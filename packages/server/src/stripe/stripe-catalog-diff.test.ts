import assert from "node:assert/strict";
import { test } from "node:test";
import type { PackDefinition, PlanCatalog } from "@tollgate/core";
import { diffStripeCatalog, type RemoteCatalog } from "./stripe-catalog-diff.ts";

const pack = (overrides: Partial<PackDefinition> = {}): PackDefinition => ({
  id: "starter",
  name: "Starter",
  unit: "credits",
  amountMinor: 1000n,
  bonusPercent: "0",
  expiresInMs: null,
  price: { amountMinor: 500n, currency: "usd" },
  stripePriceId: null,
  ...overrides,
});
const catalogOf = (...packs: PackDefinition[]): PlanCatalog => ({ plans: [], packs, defaultPlans: {} });
const synced: RemoteCatalog = {
  products: [{ id: "prod_1", name: "Starter", active: true, item: "pack:starter" }],
  prices: [
    {
      id: "price_1",
      productId: "prod_1",
      lookupKey: "tollgate_pack_starter",
      active: true,
      amountMinor: 500n,
      currency: "usd",
      interval: null,
    },
  ],
};
const kinds = (catalog: PlanCatalog, remote: RemoteCatalog) => diffStripeCatalog(catalog, remote).map((c) => c.kind);

test("one row per situation: what push does for a pack", () => {
  const rows: Array<[name: string, catalog: PlanCatalog, remote: RemoteCatalog, expected: string[]]> = [
    ["nothing at Stripe", catalogOf(pack()), { products: [], prices: [] }, ["create_product", "create_price"]],
    ["in sync", catalogOf(pack()), synced, []],
    ["renamed", catalogOf(pack({ name: "Starter+" })), synced, ["rename_product"]],
    [
      "a new amount",
      catalogOf(pack({ price: { amountMinor: 600n, currency: "usd" } })),
      synced,
      ["create_price", "deactivate_price"],
    ],
    [
      "a new currency",
      catalogOf(pack({ price: { amountMinor: 500n, currency: "eur" } })),
      synced,
      ["create_price", "deactivate_price"],
    ],
    [
      "the price deactivated by hand",
      catalogOf(pack()),
      { ...synced, prices: synced.prices.map((price) => ({ ...price, active: false })) },
      ["create_price"],
    ],
    [
      "the product found by metadata, no price yet",
      catalogOf(pack()),
      { products: synced.products, prices: [] },
      ["create_price"],
    ],
    ["no price", catalogOf(pack({ price: null })), { products: [], prices: [] }, ["skip"]],
    ["a price id set by hand", catalogOf(pack({ stripePriceId: "price_x" })), { products: [], prices: [] }, ["skip"]],
  ];
  for (const [name, catalog, remote, expected] of rows) assert.deepEqual(kinds(catalog, remote), expected, name);
});

test("a new price takes the lookup key from the old one, on the same product", () => {
  const [create] = diffStripeCatalog(catalogOf(pack({ price: { amountMinor: 600n, currency: "usd" } })), synced);
  assert.equal(create?.kind, "create_price");
  if (create?.kind !== "create_price") return;
  assert.equal(create.productId, "prod_1");
  assert.equal(create.lookupKey, "tollgate_pack_starter");
  assert.equal(create.replaces?.priceId, "price_1");
});

test("a plan's price recurs by its period; a recurring price of another interval is replaced", () => {
  const catalog: PlanCatalog = {
    plans: [
      {
        id: "pro",
        name: "Pro",
        period: { every: "year", anchor: "calendar", timeZone: "UTC" },
        allocations: [],
        models: { allow: null, deny: [] },
        features: { allow: null, deny: [] },
        overage: { policy: "block" },
        markup: null,
        price: { amountMinor: 9000n, currency: "eur" },
        stripePriceId: null,
        downgrade: "period_end",
        cancel: "period_end",
      },
    ],
    packs: [],
    defaultPlans: {},
  };
  const monthly: RemoteCatalog = {
    products: [{ id: "prod_2", name: "Pro", active: true, item: "plan:pro" }],
    prices: [
      {
        id: "price_2",
        productId: "prod_2",
        lookupKey: "tollgate_plan_pro",
        active: true,
        amountMinor: 9000n,
        currency: "eur",
        interval: "month",
      },
    ],
  };
  const changes = diffStripeCatalog(catalog, monthly);
  assert.deepEqual(
    changes.map((change) => change.kind),
    ["create_price", "deactivate_price"],
  );
  assert.equal(changes[0]?.kind === "create_price" && changes[0].terms.interval, "year");
});
