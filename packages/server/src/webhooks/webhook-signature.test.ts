import assert from "node:assert/strict";
import { test } from "node:test";
import {
  computeWebhookSignature,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "./webhook-signature.ts";

const secret = `whsec_${"A".repeat(43)}`;
const payload = '{"id":"evt_1","type":"balance.low","data":{"available":"9.00"}}';
const now = new Date("2031-01-01T00:00:00.000Z");
const seconds = now.getTime() / 1000;

const refusal = (code: WebhookSignatureError["code"], message: RegExp) => (error: unknown) =>
  error instanceof WebhookSignatureError && error.code === code && message.test(error.message);

test("a signed payload verifies, as a string or as the raw bytes", () => {
  const header = signWebhookPayload({ payload, secret, now });
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
  assert.deepEqual(verifyWebhookSignature({ payload, header, secret, now }), { timestampSeconds: seconds });
  assert.deepEqual(verifyWebhookSignature({ payload: Buffer.from(payload), header, secret, now }), {
    timestampSeconds: seconds,
  });
});

test('the scheme is Stripe\'s: hex HMAC-SHA256 of "<t>.<body>"', () => {
  // Computed independently: printf '1924992000.{}' | openssl dgst -sha256 -hmac whsec_test
  assert.equal(
    computeWebhookSignature({ payload: "{}", secret: "whsec_test", timestampSeconds: 1924992000 }),
    "06613eefc44c0d8ea5851754da3436538c93d6f8c81c0c1fe26125c65df24c08",
  );
});

test("a tampered body, another secret, or no v1 is refused with a diagnosis", () => {
  const header = signWebhookPayload({ payload, secret, now });
  const noMatch = refusal("no_matching_signature", /raw request body you received from Tollgate/);
  assert.throws(
    () => verifyWebhookSignature({ payload: payload.replace("9.00", "90.00"), header, secret, now }),
    noMatch,
  );
  assert.throws(() => verifyWebhookSignature({ payload, header, secret: `${secret}x`, now }), noMatch);
  assert.throws(() => verifyWebhookSignature({ payload, header: `t=${seconds}`, secret, now }), noMatch);
  const malformed = refusal("malformed_header", /timestamp|header/);
  assert.throws(() => verifyWebhookSignature({ payload, header: undefined, secret, now }), malformed);
  assert.throws(() => verifyWebhookSignature({ payload, header: "v1=abc", secret, now }), malformed);
});

test("any one of several v1 signatures may match (a secret being rotated)", () => {
  const good = signWebhookPayload({ payload, secret, now }).split(",")[1];
  const header = `t=${seconds},v1=${"0".repeat(64)},${good},v0=old`;
  assert.doesNotThrow(() => verifyWebhookSignature({ payload, header, secret, now }));
});

test("tolerance: 300 s either way by default, configurable, 0 turns it off", () => {
  const header = signWebhookPayload({ payload, secret, now });
  const late = (ms: number) => new Date(now.getTime() + ms);
  assert.doesNotThrow(() => verifyWebhookSignature({ payload, header, secret, now: late(300_000) }));
  const outside = refusal("timestamp_outside_tolerance", /^Timestamp outside the tolerance zone$/);
  assert.throws(() => verifyWebhookSignature({ payload, header, secret, now: late(301_000) }), outside);
  assert.throws(() => verifyWebhookSignature({ payload, header, secret, now: late(-301_000) }), outside);
  assert.throws(
    () => verifyWebhookSignature({ payload, header, secret, now: late(11_000), toleranceSeconds: 10 }),
    outside,
  );
  assert.doesNotThrow(() =>
    verifyWebhookSignature({ payload, header, secret, now: late(86_400_000), toleranceSeconds: 0 }),
  );
});
