import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { importFormatOf, parseImportFile } from "./import-file.ts";

const linesOf = (text: string, format: "csv" | "jsonl") => parseImportFile(text, format);

describe("import files", () => {
  test("CSV: quoted cells, doubled quotes, line breaks in a cell, CRLF, a BOM, empty cells left out", () => {
    const text =
      '\uFEFFaccount,amount,reason,unit\r\n"user:bob, jr",12,"said ""hi""",\r\n\r\nuser:alice,40,"two\nlines",credits\r\nuser:carol,7,,\r\n';
    const { rows, problems } = linesOf(text, "csv");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      rows.map(({ line, row }) => [line, row.account, row.amount, row.reason, row.unit]),
      [
        [2, "user:bob, jr", "12", 'said "hi"', undefined],
        [4, "user:alice", "40", "two\nlines", "credits"],
        [6, "user:carol", "7", undefined, undefined], // after a cell that spans two lines
      ],
    );
  });

  test("CSV: the header names known columns, each once, account and amount among them", () => {
    assert.deepEqual(linesOf("account,amount,colour\nuser:a,1,red\n", "csv").problems, [
      {
        line: 1,
        message: 'unknown column "colour"; the columns are account, unit, amount, source, expiresAt, reason, key',
      },
    ]);
    assert.match(linesOf("account,amount,amount\nuser:a,1,2\n", "csv").problems[0]?.message ?? "", /twice/);
    assert.match(linesOf("account\nuser:a\n", "csv").problems[0]?.message ?? "", /no "amount" column/);
    assert.match(linesOf("", "csv").problems[0]?.message ?? "", /empty/);
  });

  test("CSV that does not parse is named by its line", () => {
    const unclosed = linesOf('account,amount\nuser:a,1\nuser:b,"2\n', "csv").problems;
    assert.equal(unclosed.length, 1);
    assert.match(unclosed[0]?.message ?? "", /Quote Not Closed/);
    const ragged = linesOf("account,amount\nuser:a,1\nuser:b,2,3\n", "csv").problems;
    assert.deepEqual([ragged[0]?.line, /Invalid Record Length/.test(ragged[0]?.message ?? "")], [3, true]);
  });

  test("JSON lines: one object a line, blank lines skipped, anything else named by its line", () => {
    const text = [
      '{"account":"user:alice","amount":"40","expiresAt":"2031-01-01T00:00:00Z"}',
      "",
      '{"account":"user:bob","amount":"1"}',
      "[1, 2]",
      '{"account":"user:bob"',
      '{"account":"user:bob","amount":2}',
    ].join("\r\n");
    const { rows, problems } = linesOf(text, "jsonl");
    assert.deepEqual(rows, [], "no row is kept while any line is wrong");
    assert.deepEqual(
      problems.map((problem) => problem.line),
      [4, 5, 6],
    );
    assert.match(problems[0]?.message ?? "", /one JSON object/);
    assert.match(problems[1]?.message ?? "", /not JSON/);
    assert.match(problems[2]?.message ?? "", /amount: a decimal string/);
    const fine = linesOf(text.split("\r\n").slice(0, 3).join("\n"), "jsonl");
    assert.deepEqual(
      fine.rows.map((row) => row.line),
      [1, 3],
    );
  });

  test("every bad field of every row is named by line, as POST /v1/imports checks it", () => {
    const text = [
      "account,amount,source,expiresAt,key",
      "alice,1,,,",
      "user:bob,-1,,,",
      "user:bob,0,,,",
      "user:bob,1,gift,,",
      "user:bob,1,,tomorrow,",
      "user:bob,1,,,has space",
      "user:bob,,,,",
      "user:bob,0040,,,",
      "user: bob,1,,,",
    ].join("\n");
    assert.deepEqual(
      linesOf(text, "csv").problems.map((problem) => `${problem.line} ${problem.message.split(":")[0]}`),
      ["2 account", "3 amount", "4 amount", "5 source", "6 expiresAt", "7 key", "8 amount", "9 amount", "10 account"],
    );
  });

  test("keys: a row's own, else derived over the whole file; identical rows get one each; a key twice is named", () => {
    const file = (rows: string[]) => linesOf(["account,amount,key", ...rows].join("\n"), "csv").rows;
    const first = file(["user:a,40,", "user:b,1,own-1", "user:a,40.00,"]);
    assert.equal(first[1]?.row.key, "own-1");
    assert.notEqual(first[0]?.row.key, first[2]?.row.key, "two identical rows are two grants");
    const reordered = file(["user:a,40.00,", "user:b,1,own-1", "user:a,40,"]);
    assert.deepEqual(
      reordered.map((line) => line.row.key).sort(),
      first.map((line) => line.row.key).sort(),
      "40 and 40.00 are one amount; order does not matter",
    );
    assert.deepEqual(linesOf("account,amount,key\nuser:a,1,k\nuser:b,2,k\n", "csv").problems, [
      { line: 3, message: "key: line 2 has the same key; a key is its row's own id" },
    ]);
  });

  test("the format comes from --format, else the extension", () => {
    assert.equal(importFormatOf("balances.CSV", undefined), "csv");
    assert.equal(importFormatOf("balances.jsonl", undefined), "jsonl");
    assert.equal(importFormatOf("balances.ndjson", undefined), "jsonl");
    assert.equal(importFormatOf("balances.txt", undefined), null);
    assert.equal(importFormatOf("balances.txt", "csv"), "csv");
    assert.equal(importFormatOf("balances.csv", "xml"), null);
  });
});
