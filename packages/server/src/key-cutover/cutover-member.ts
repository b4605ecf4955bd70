import type { IntrospectionCutover } from '@agentauth/protocol';
import type { CutoverRuleRecord } from '../store/ports/key-cutover-store.js';

/** The `cutover` member of an active introspection answer about a warned key (`IntrospectionCutover`). */
export function cutoverMember(rule: CutoverRuleRecord): IntrospectionCutover {
  return {
    stage: 'warn',
    warn_from: Math.floor((rule.warnFrom ?? rule.updatedAt) / 1000),
    ...(rule.blockFrom === null ? {} : { block_from: Math.floor(rule.blockFrom / 1000) }),
    ...(rule.link === null ? {} : { link: rule.link }),
  };
}
