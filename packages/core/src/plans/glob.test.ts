import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { assertGlob, GLOB_LENGTH_MAX, globMatches } from "./glob.ts";

describe("globMatches", () => {
  const rows: Array<[glob: string, name: string, matches: boolean]> = [
    ["openai/gpt-4o", "openai/gpt-4o", true],
    ["openai/gpt-4o", "openai/gpt-4o-mini", false], // no star: the whole name
    ["openai/*", "openai/gpt-4o", true],
    ["openai/*", "openai/", true], // a star matches the empty run too
    ["openai/*", "anthropic/claude-sonnet-4", false],
    ["*", "", true],
    ["*", "meta-llama/llama-3.1-8b-instruct:free", true],
    ["*/gpt-4o", "openrouter/openai/gpt-4o", true], // a star crosses "/"
    ["*-mini", "openai/gpt-4o-mini", true],
    ["*-mini", "openai/gpt-4o-mini-2024", false],
    ["openai/*-mini", "openai/gpt-4o-mini", true],
    ["a*a", "a", false], // the two literal ends cannot overlap
    ["a*a", "aa", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "acb", false], // pieces in order
    ["a*b*b*c", "abbc", true],
    ["a*b*b*c", "abc", false],
    ["**", "anything", true],
    ["gpt.4o", "gpt-4o", false], // "." is itself, not any character
    ["generate_+", "generate_goal", false], // "+" is itself
    ["generate_*", "generate_goal", true],
    ["Generate_*", "generate_goal", false], // exact: callers fold case
  ];
  for (const [glob, name, matches] of rows) {
    test(`${JSON.stringify(glob)} ${matches ? "matches" : "does not match"} ${JSON.stringify(name)}`, () => {
      assert.equal(globMatches(glob, name), matches);
    });
  }

  test("agrees with an escaped regular expression (property)", () => {
    // The reference: every character escaped but "*", which is ".*". Small alphabets make matches common.
    const text = (maxLength: number) => fc.string({ unit: fc.constantFrom("a", "b", "/", ".", "*"), maxLength });
    fc.assert(
      fc.property(text(12), text(16), (glob, name) => {
        const literalName = name.replaceAll("*", "a"); // names have no stars of their own
        const source = glob
          .split("*")
          .map((piece) => piece.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
          .join(".*");
        assert.equal(globMatches(glob, literalName), new RegExp(`^${source}$`, "s").test(literalName));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("assertGlob", () => {
  const accepted = [
    "*",
    "openai/*",
    "openai/gpt-4o",
    "meta-llama/llama-3.1-8b-instruct:free",
    "generate_*",
    "x".repeat(256),
  ];
  for (const glob of accepted) {
    test(`accepts ${JSON.stringify(glob.slice(0, 40))}`, () => assertGlob(glob));
  }

  const refused: Array<[glob: string, message: RegExp]> = [
    ["", /non-empty/],
    ["x".repeat(GLOB_LENGTH_MAX + 1), /257 characters, over 256/],
    ["gpt-4?", /glob "gpt-4\?" uses "\?"/],
    ["openai/[a-z]*", /uses "\["/],
    ["{openai,anthropic}/*", /uses "\{"/],
    ["openai\\/gpt", /uses "\\\\"/],
    ["!openai/*", /uses "!".*deny/],
    ["openai/ gpt-4o", /whitespace/],
    ["openai/gpt-4o\n", /whitespace/],
    ["openai/\u0000", /control character/],
  ];
  for (const [glob, message] of refused) {
    test(`refuses ${JSON.stringify(glob.slice(0, 40))}`, () => {
      assert.throws(
        () => assertGlob(glob),
        (error: Error) => error instanceof RangeError && message.test(error.message),
      );
    });
  }

  test("a glob that is not a string is refused, not matched", () => {
    assert.throws(() => assertGlob(42 as unknown as string), RangeError);
  });
});
