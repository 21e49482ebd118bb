import type * as z from "zod";

/** One problem in a configuration file: where (a field path such as `signupGrants.user[0].amount`) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;
type Segment = PropertyKey;

/**
 * Turns zod's issues into problems an operator can act on, in the order zod found them. Three
 * shapes are unfolded because zod's own form would hide the field: an unknown key names the key
 * itself; a record's bad key names that key with the key's own message; a union of a short form
 * and a long one (`"month"` or `{ "every": "month" }`) reports the branch the value was written
 * in, so an error inside the long form keeps its path.
 *
 * @example
 * formatIssues(result.error.issues, ["pricing"]) // [{ path: "pricing.markUp", message: "is not a setting here; ..." }]
 */
export function formatIssues(issues: readonly Issue[], base: readonly Segment[] = []): ConfigProblem[] {
  return issues.flatMap((issue) => problemsOf(issue, [...base, ...issue.path]));
}

/** `["signupGrants", "user", 0, "amount"]` → `signupGrants.user[0].amount`. */
export function formatPath(path: readonly Segment[]): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`,
    )
    .join("");
}

function problemsOf(issue: Issue, path: Segment[]): ConfigProblem[] {
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: issue.message }));
    case "invalid_key": {
      const inner = issue.issues[0];
      return [{ path: formatPath(path), message: inner?.message ?? issue.message }];
    }
    case "invalid_union": {
      const written = issue.errors.filter((branch) => !branch.every(isWrongShapeAtRoot));
      if (written.length === 1) return formatIssues(written[0] ?? [], path);
      return [{ path: formatPath(path), message: issue.message }];
    }
    default:
      return [{ path: formatPath(path), message: issue.message }];
  }
}

/** A branch that failed only because the value is another kind of thing (a string, not an object). */
function isWrongShapeAtRoot(issue: Issue): boolean {
  return issue.path.length === 0 && (issue.code === "invalid_type" || issue.code === "invalid_value");
}
