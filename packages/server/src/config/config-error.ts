/**
 * Invalid server configuration: every problem found in every source (defaults, YAML file,
 * `AGENTAUTH_*` environment, command-line flags), reported together so an operator fixes them in
 * one pass instead of one restart per mistake. The CLI exits with status 2 on this error.
 *
 * Each problem names its source (`AGENTAUTH_PORT: ...`, `--port: ...`, `agentauth.yaml:3: port: ...`)
 * and never contains the value of a secret setting (ARCHITECTURE.md, Security rules).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** One line per problem, in source order: file, environment, flags, then derived defaults. */
  readonly problems: string[];

  constructor(problems: readonly string[]) {
    if (problems.length === 0) throw new TypeError('ConfigError needs at least one problem');
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = [...problems];
  }
}
