import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../config-error.ts";
import { DEFAULT_PROXY_LIMITS, proxyLimitsConfigFromEnv } from "./proxy-limits-config.ts";

test("no variables: the defaults", () => {
  assert.deepEqual(proxyLimitsConfigFromEnv({}), DEFAULT_PROXY_LIMITS);
  assert.deepEqual(DEFAULT_PROXY_LIMITS, {
    concurrentPerAccountMax: 20,
    ratePerAccount: { perMinute: 600, burst: 60 },
    streamSecondsMax: 600,
    bodyBytesMax: 4_194_304,
  });
});

test("each variable sets its limit; a rate alone bursts a tenth of it; off lifts the rate limit only", () => {
  const config = proxyLimitsConfigFromEnv({
    TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT: "5",
    TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT: " 120 , 30 ",
    TOLLGATE_PROXY_STREAM_MAX_SECONDS: "30",
    TOLLGATE_PROXY_BODY_LIMIT_BYTES: "1048576",
  });
  assert.deepEqual(config, {
    concurrentPerAccountMax: 5,
    ratePerAccount: { perMinute: 120, burst: 30 },
    streamSecondsMax: 30,
    bodyBytesMax: 1_048_576,
  });
  assert.deepEqual(proxyLimitsConfigFromEnv({ TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT: "45" }).ratePerAccount, {
    perMinute: 45,
    burst: 5,
  });
  assert.deepEqual(proxyLimitsConfigFromEnv({ TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT: "5" }).ratePerAccount, {
    perMinute: 5,
    burst: 1,
  });
  assert.equal(proxyLimitsConfigFromEnv({ TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT: "OFF" }).ratePerAccount, null);
});

test("a bad value is a ConfigError naming the variable and what it must be", () => {
  const rows: Array<[string, string, RegExp]> = [
    ["TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT", "0", /whole number of calls from 1 to 100000/],
    ["TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT", "off", /whole number of calls/],
    ["TOLLGATE_PROXY_MAX_CONCURRENT_PER_ACCOUNT", "2.5", /whole number of calls/],
    ["TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT", "0", /PER_MINUTE,BURST/],
    ["TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT", "10/s", /PER_MINUTE,BURST/],
    ["TOLLGATE_PROXY_RATE_LIMIT_PER_ACCOUNT", "60,0", /burst 1 to/],
    ["TOLLGATE_PROXY_STREAM_MAX_SECONDS", "0", /whole number of seconds from 1 to 86400/],
    ["TOLLGATE_PROXY_STREAM_MAX_SECONDS", "10m", /whole number of seconds/],
    ["TOLLGATE_PROXY_BODY_LIMIT_BYTES", "100", /whole number of bytes from 1024 to 67108864/],
    ["TOLLGATE_PROXY_BODY_LIMIT_BYTES", "4MiB", /whole number of bytes/],
  ];
  for (const [name, value, problem] of rows) {
    assert.throws(
      () => proxyLimitsConfigFromEnv({ [name]: value }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `${name}=${value}`);
        assert.equal(error.where, name);
        assert.match(error.message, problem, `${name}=${value}`);
        return true;
      },
    );
  }
});
