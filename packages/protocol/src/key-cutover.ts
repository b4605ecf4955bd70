/**
 * The staged cut-over of API keys (docs/migration.md, "Cutting keys off"), as an introspection
 * answer tells a service: an active answer about a key in its `warn` stage carries a `cutover`
 * member (an RFC 7662 §2.2 extension), so the service can tell the caller. A blocked key is
 * simply inactive.
 */
export interface IntrospectionCutover {
  stage: 'warn';
  /** Since when the key is warned, seconds (NumericDate): the RFC 9745 `Deprecation` date. */
  warn_from: number;
  /** From when it will be refused, seconds, when set: the RFC 8594 `Sunset` date. */
  block_from?: number;
  /** An https page telling callers how to move off the key. */
  link?: string;
}

/** The `cutover` member of `answer` when it is well formed, else undefined (a service then sends its own dates). */
export function introspectionCutover(answer: Record<string, unknown>): IntrospectionCutover | undefined {
  const value = answer['cutover'];
  if (typeof value !== 'object' || value === null) return undefined;
  const member = value as Record<string, unknown>;
  const seconds = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (member.stage !== 'warn' || !seconds(member.warn_from)) return undefined;
  if (member.block_from !== undefined && !seconds(member.block_from)) return undefined;
  if (member.link !== undefined && (typeof member.link !== 'string' || !member.link.startsWith('https://') || /[\s<>"]/.test(member.link))) return undefined;
  return {
    stage: 'warn',
    warn_from: member.warn_from as number,
    ...(member.block_from === undefined ? {} : { block_from: member.block_from as number }),
    ...(member.link === undefined ? {} : { link: member.link }),
  };
}
