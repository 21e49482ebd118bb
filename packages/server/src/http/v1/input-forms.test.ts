// What the API takes as an external id and as an amount, on both databases: one written form
// each. Control and bidirectional control characters, whitespace at the ends and non-canonical
// amounts are 400 invalid_request naming the field, and nothing is created; a key pasted where
// an account goes is never quoted back.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { testDatabases } from "@tollgate/store/testing";
import { type ErrorAnswer, openTestApi, type TestApi } from "./test-api.ts";

for (const database of await testDatabases()) {
  describe(`external ids and amounts in one form on ${database.name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await openTestApi(database);
    });
    after(() => api.close());

    const assertRefused = (answer: { status: number; body: ErrorAnswer }, field: string) => {
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, "invalid_request");
      assert.deepEqual(
        answer.body.error.details.fields?.map((issue) => issue.field),
        [field],
        JSON.stringify(answer.body),
      );
    };

    const badIds: Array<[string, string]> = [
      ["a CR/LF", "a\r\nSet-Cookie:x"],
      ["a NUL-free C0 control (tab)", "a\tb"],
      ["a C1 control", "a\u0085b"],
      ["DEL", "a\u007fb"],
      ["a line separator", "a\u2028b"],
      ["a paragraph separator", "a\u2029b"],
      ["a right-to-left override", "invoice\u202Efdp.exe"],
      ["an isolate", "a\u2066b"],
      ["a left-to-right mark", "a\u200Eb"],
      ["an Arabic letter mark", "a\u061Cb"],
      ["whitespace only", "   "],
      ["leading whitespace", " alice"],
      ["trailing whitespace", "alice\u00a0"],
    ];
    for (const [what, externalId] of badIds) {
      test(`an external id with ${what} is refused in a body, a path, a member and a new account`, async () => {
        const account = `guest:${externalId}`;
        assertRefused(await api.call<ErrorAnswer>("POST", "/v1/charges", { account, amount: "1" }), "account");
        assertRefused(
          await api.call<ErrorAnswer>("POST", `/v1/accounts/${encodeURIComponent(account)}/grants`, {
            amount: "5",
            source: "promo",
          }),
          "account",
        );
        assertRefused(await api.call<ErrorAnswer>("GET", `/v1/accounts/${encodeURIComponent(account)}`), "account");
        assertRefused(
          await api.call<ErrorAnswer>("POST", "/v1/charges", {
            account: "organization:acme",
            amount: "1",
            member: externalId,
          }),
          "member",
        );
        assertRefused(await api.call<ErrorAnswer>("POST", "/v1/accounts", { type: "user", externalId }), "externalId");
        const list = await api.call<{ data: unknown[] }>("GET", "/v1/accounts");
        assert.deepEqual(list.body.data, [], "no account was created");
      });
    }

    test("an external id may hold spaces, punctuation and any script inside it", async () => {
      for (const externalId of ["Ada Lovelace", "user|42", "用户-7", "e\u0301"]) {
        const created = await api.call("POST", "/v1/accounts", { type: "user", externalId });
        assert.equal(created.status, 200, JSON.stringify(created.body));
      }
    });

    const badAmounts = ["0001", "01", "00", "+5", " 5", "5 ", "05.50", "1e3", "-0"];
    for (const amount of badAmounts) {
      test(`the amount ${JSON.stringify(amount)} is refused naming amount, in a grant and a charge`, async () => {
        assertRefused(
          await api.call<ErrorAnswer>("POST", "/v1/accounts/user:amounts/grants", { amount, source: "promo" }),
          "amount",
        );
        assertRefused(
          await api.call<ErrorAnswer>("POST", "/v1/charges", { account: "user:amounts", amount }),
          "amount",
        );
      });
    }

    test("canonical amounts pass, a fraction with its trailing zero too", async () => {
      const granted = await api.call("POST", "/v1/accounts/user:canonical/grants", { amount: "10", source: "promo" });
      assert.equal(granted.status, 200, JSON.stringify(granted.body));
      const charged = await api.call("POST", "/v1/charges", { account: "user:canonical", amount: "1" });
      assert.equal(charged.status, 200, JSON.stringify(charged.body));
      const usd = await api.call<ErrorAnswer>("POST", "/v1/charges", {
        account: "user:canonical",
        amount: "0.50",
        unit: "credits",
      });
      // "0.50" is canonical; credits have no decimals, so it is refused for its scale, not its form.
      assert.match(usd.body.error.message, /decimal places/);
    });

    test("a key given as an account is not quoted back in the refusal", async () => {
      const { token } = await api.keys.create({ kind: "secret", name: "pasted by mistake" });
      for (const account of [token, `user:${token}\n`]) {
        const answer = await api.call<ErrorAnswer>("GET", `/v1/accounts/${encodeURIComponent(account)}`);
        assert.equal(answer.status, 400);
        assert.ok(!JSON.stringify(answer.body).includes(token.slice(6)), JSON.stringify(answer.body));
      }
    });
  });
}
