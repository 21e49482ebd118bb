// The real `tollgate` binary given a key where an account goes: the refusal names what is wrong
// and never prints the key, on stderr or in --json.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { cliWorkspace, tollgate } from "./cli-harness.ts";

const { workDir, configPath, targets } = await cliWorkspace({ prefix: "cli-redaction", config: {} });
// One database is enough: what is printed does not depend on where the data lives.
const [target] = targets;

describe("tollgate given a key as an account", () => {
  const env = { ...target?.freshEnv(), TOLLGATE_CONFIG: configPath };
  after(() => target?.cleanup());
  const token = `tg_sk_${"Q".repeat(20)}x7Qa${"z".repeat(19)}`;

  for (const args of [
    ["balance", "--account", token],
    ["balance", "--account", token, "--json"],
    ["grant", "--account", token, "--amount", "5", "--reason", "pasted"],
  ]) {
    test(`${args.join(" ").replace(token, "<key>")}: refused, and the key is not printed`, async () => {
      const run = await tollgate(args, env, workDir);
      assert.equal(run.code, 2, `${run.stderr}${run.stdout}`);
      assert.match(`${run.stderr}${run.stdout}`, /--account/);
      assert.ok(!`${run.stderr}${run.stdout}`.includes(token.slice(6)), `${run.stderr}${run.stdout}`);
      assert.match(`${run.stderr}${run.stdout}`, /tg_sk_\[redacted\]/);
    });
  }
});
