/** How many further problems a ConfigError's message lists after the first. */
const MORE_LISTED_MAX = 20;

/**
 * A configuration problem, named by where it is (an environment variable, or a file and a
 * field path) so the operator can fix it without reading code. A file with several problems
 * throws the first, and lists the others after it, so one edit can fix them all.
 *
 * @example
 * throw new ConfigError("tollgate.config.json: signupGrants.user[0].amount", 'must be a decimal string such as "10000"');
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    /** Where: `PORT`, or `tollgate.config.json: signupGrants.user[0].amount`. */
    readonly where: string,
    problem: string,
    /** The other problems found with it, each as `where: problem`. */
    readonly others: readonly string[] = [],
  ) {
    super(`${where}: ${problem}${listOthers(others)}`);
  }
}

function listOthers(others: readonly string[]): string {
  if (others.length === 0) return "";
  const listed = others.slice(0, MORE_LISTED_MAX).map((other) => `\n  also ${other}`);
  const unlisted = others.length - listed.length;
  return `${listed.join("")}${unlisted > 0 ? `\n  and ${unlisted} more` : ""}`;
}
