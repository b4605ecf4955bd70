import { Type, type Static } from 'typebox';
import { NullableTime } from './primitives.js';

/** One SIEM sink's progress (docs/monitoring.md, "SIEM export"). */
export const SiemSinkStatus = Type.Object({
  sink: Type.Union([Type.Literal('file'), Type.Literal('syslog'), Type.Literal('webhook')]),
  configured: Type.Boolean({ description: 'Whether this node exports to it; a sink configured earlier, or on another node, keeps its checkpoint.' }),
  seq: Type.Integer({ minimum: 0, description: 'The last audit record the sink acknowledged (0: none yet).' }),
  lag: Type.Integer({ minimum: 0, description: 'Audit records committed after it, not yet acknowledged.' }),
  exported_at: NullableTime,
  failing: Type.Boolean({ description: 'The last attempt failed: `last_error` is newer than the last delivery.' }),
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'The last failure (never a secret), even after the sink recovered.' }),
  last_error_at: NullableTime,
});
export type SiemSinkStatus = Static<typeof SiemSinkStatus>;

/** `GET /audit/siem` answer: the audit head and every sink with a checkpoint or configured here. */
export const SiemStatus = Type.Object({
  head_seq: Type.Integer({ minimum: 0, description: 'The last audit record committed (0: the log is empty).' }),
  sinks: Type.Array(SiemSinkStatus),
});
export type SiemStatus = Static<typeof SiemStatus>;
