// The SDK's verifier against the server's own signer: what the server signs, the SDK accepts;
// anything changed (body, secret, time, header) is refused with a code saying which.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  constructWebhookEvent,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookSignatureError,
} from "@tollgate/sdk/webhooks";
import { signWebhookPayload } from "@tollgate/server";

const secret = `whsec_${"B".repeat(43)}`;
const payload = JSON.stringify({
  id: "evt_1",
  type: "balance.low",
  createdAt: "2031-01-01T00:00:00.000Z",
  data: { available: "9" },
});
const now = new Date("2031-01-01T00:00:00.000Z");
const header = signWebhookPayload({ payload, secret, now });

const refused = (code: WebhookSignatureError["code"]) => (error: unknown) =>
  error instanceof WebhookSignatureError && error.code === code;

test("what the server signs verifies, as text or raw bytes, and parses to its event", () => {
  assert.equal(WEBHOOK_SIGNATURE_HEADER, "Tollgate-Signature");
  const seconds = now.getTime() / 1000;
  assert.deepEqual(verifyWebhookSignature({ payload, header, secret, now }), { timestampSeconds: seconds });
  assert.deepEqual(verifyWebhookSignature({ payload: new TextEncoder().encode(payload), header, secret, now }), {
    timestampSeconds: seconds,
  });
  const event = constructWebhookEvent({ payload, header, secret, now });
  assert.equal(event.type, "balance.low");
  assert.deepEqual(event.data, { available: "9" });
});

test("a changed body, another secret or a stale time is refused", () => {
  assert.throws(
    () => verifyWebhookSignature({ payload: payload.replace('"9"', '"90"'), header, secret, now }),
    refused("no_matching_signature"),
  );
  assert.throws(
    () => verifyWebhookSignature({ payload, header, secret: `whsec_${"C".repeat(43)}`, now }),
    refused("no_matching_signature"),
  );
  const later = new Date(now.getTime() + 301_000);
  assert.throws(
    () => verifyWebhookSignature({ payload, header, secret, now: later }),
    refused("timestamp_outside_tolerance"),
  );
  assert.doesNotThrow(() => verifyWebhookSignature({ payload, header, secret, now: later, toleranceSeconds: 600 }));
});

test("during a rotation either secret verifies; several v1 values are each tried", () => {
  const old = `whsec_${"D".repeat(43)}`;
  assert.doesNotThrow(() => verifyWebhookSignature({ payload, header, secret: [old, secret], now }));
  const otherSignature = signWebhookPayload({ payload, secret: old, now }).split(",")[1];
  const both = `${header},${otherSignature}`;
  assert.doesNotThrow(() => verifyWebhookSignature({ payload, header: both, secret: old, now }));
});

test("a missing or malformed header, or an unsigned-looking payload, says which", () => {
  for (const bad of [undefined, null, "", "v1=abc", "t=x,v1=00", "x".repeat(5000)]) {
    assert.throws(() => verifyWebhookSignature({ payload, header: bad, secret, now }), WebhookSignatureError);
  }
  assert.throws(
    () => verifyWebhookSignature({ payload, header: "t=1", secret, now }),
    refused("no_matching_signature"),
  );
  const notJson = "not json";
  const signed = signWebhookPayload({ payload: notJson, secret, now });
  assert.throws(
    () => constructWebhookEvent({ payload: notJson, header: signed, secret, now }),
    refused("malformed_payload"),
  );
  assert.throws(() => verifyWebhookSignature({ payload, header, secret: "", now }), TypeError);
});
