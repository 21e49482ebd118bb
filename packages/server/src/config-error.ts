/**
 * A configuration problem, named by where it is (an environment variable, or a file and a
 * field path) so the operator can fix it without reading code.
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
  ) {
    super(`${where}: ${problem}`);
  }
}
