// Reserve before an AI call, settle its actual cost after, on a throwaway embedded database.
// Run: node --import tsx examples/hold-and-settle.ts
import { defineLedgerConfig, formatMinor } from "@tollgate/core";
import { Ledger } from "@tollgate/store";

const ledger = await Ledger.open({
  dataDir: "memory://",
  config: defineLedgerConfig({
    // A chat app: every new user starts with 10,000 free tokens.
    signupGrants: { user: [{ unit: "credits", amountMinor: 10_000n, expiresInMs: null }], organization: [], guest: [] },
  }),
});
const alice = { type: "user", externalId: "alice" } as const;

const hold = await ledger.authorize({ account: alice, amountMinor: 500n, idempotencyKey: "chat-1" });
if (!hold.ok) throw new Error(`refused: ${hold.code}`);
console.log(`held 500, available ${formatMinor(hold.value.availableMinor, 0)}`);

// The call used less than the estimate: capture 137, release the rest.
const settled = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 137n, idempotencyKey: "chat-1:settle" });
if (!settled.ok) throw new Error(settled.code);
console.log(`charged ${settled.value.amountMinor}, balance ${settled.value.balanceMinor}`);

// A retry of the same settle is a replay, not a second charge.
const replay = await ledger.settle({ holdId: hold.value.holdId, amountMinor: 137n, idempotencyKey: "chat-1:settle" });
if (!replay.ok) throw new Error(replay.code);
console.log(`replayed: ${replay.replayed}, balance still ${replay.value.balanceMinor}`);

for (const line of (await ledger.history(alice))?.lines ?? []) {
  console.log(
    `${line.kind.padEnd(7)} ${String(line.amountMinor).padStart(7)}  ${line.balanceBeforeMinor} → ${line.balanceAfterMinor}`,
  );
}
await ledger.close();
