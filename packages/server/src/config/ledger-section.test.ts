import assert from "node:assert/strict";
import { test } from "node:test";
import { EQUAL_PRIORITIES, PAID_FIRST } from "@tollgate/core";
import { ConfigError } from "../config-error.ts";
import { parseLedgerConfig } from "./deployment-config.ts";

const DAY_MS = 86_400_000;

test("a chat app's set-up: 10,000 free signup tokens for 30 days, paid credits spent first", () => {
  const config = parseLedgerConfig(
    {
      units: [
        { unit: "tokens", scale: 0 },
        { unit: "usd", scale: 2 },
      ],
      signupGrants: {
        user: [{ unit: "tokens", amount: "10000", expiresIn: "30d" }],
        guest: [{ unit: "usd", amount: "0.50", expiresIn: null }],
      },
      spendOrder: "paid_first",
      holdTtl: "5m",
      overdraftLimitMinor: "100",
    },
    "tollgate.config.json",
  );
  assert.equal(config.defaultUnit, "tokens", "the first unit is the default");
  assert.deepEqual(config.signupGrants.user, [{ unit: "tokens", amountMinor: 10_000n, expiresInMs: 30 * DAY_MS }]);
  assert.deepEqual(config.signupGrants.guest, [{ unit: "usd", amountMinor: 50n, expiresInMs: null }]);
  assert.deepEqual(config.signupGrants.organization, []);
  assert.deepEqual(config.sourcePriorities, PAID_FIRST);
  assert.equal(config.holdTtlMsDefault, 300_000);
  assert.equal(config.overdraftLimitMinorDefault, 100n);
});

test("an empty file gives the defaults; explicit priorities override equal ones", () => {
  const config = parseLedgerConfig({ spendOrder: { purchase: 1 } }, "f.json");
  assert.deepEqual(config.units, [{ unit: "credits", scale: 0 }]);
  assert.deepEqual(config.sourcePriorities, { ...EQUAL_PRIORITIES, purchase: 1 });
});

test("every bad field is named in the error", () => {
  const cases: Array<[unknown, string]> = [
    [[], "f.json: must be an object"],
    [{ unit: [] }, "f.json: unit: is not a setting"],
    [{ units: [{ unit: "Credits", scale: 0 }] }, "f.json: units[0].unit"],
    [{ units: [{ unit: "usd", scale: 2.5 }] }, "f.json: units[0].scale"],
    [{ defaultUnit: "usd" }, "f.json: defaultUnit: must be one of the units (credits)"],
    [
      { signupGrants: { user: [{ unit: "credits", amount: 100 }] } },
      "f.json: signupGrants.user[0].amount: must be a decimal string",
    ],
    [
      { signupGrants: { user: [{ unit: "credits", amount: "1.5" }] } },
      'f.json: signupGrants.user[0].amount: "1.5" has 1 decimal places',
    ],
    [
      { signupGrants: { user: [{ unit: "credits", amount: "-5" }] } },
      "f.json: signupGrants.user[0].amount: must be positive",
    ],
    [{ signupGrants: { user: [{ unit: "gems", amount: "5" }] } }, "f.json: signupGrants.user[0].unit"],
    [{ signupGrants: { admin: [] } }, "f.json: signupGrants.admin: is not an account type"],
    [
      { signupGrants: { user: [{ unit: "credits", amount: "5", expiresIn: "30" }] } },
      "f.json: signupGrants.user[0].expiresIn",
    ],
    [{ spendOrder: "cheapest" }, "f.json: spendOrder: must be"],
    [{ spendOrder: { gift: 1 } }, "f.json: spendOrder.gift: is not a grant source"],
    [{ holdTtl: "2d" }, "f.json: holdTtl: must not be longer than holdTtlMax"],
    [{ overdraftLimitMinor: 5 }, "f.json: overdraftLimitMinor"],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parseLedgerConfig(json, "f.json"),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(message),
      `${JSON.stringify(json)} should fail with ${message}`,
    );
  }
});
