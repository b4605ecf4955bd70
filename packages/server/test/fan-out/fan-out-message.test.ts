import { describe, expect, it } from 'vitest';
import { decodeFanOut, encodeFanOut, MAX_STREAM_IDS, type FanOutMessage } from '../../src/fan-out/fan-out-message.js';

describe('fan-out messages', () => {
  it.each<FanOutMessage>([
    { kind: 'agent_changed', agentId: 'agt_123' },
    { kind: 'signing_keys_changed' },
    { kind: 'certificates_revoked' },
    { kind: 'sets_queued', streamIds: ['s1', 's2'] },
  ])('reads back what it wrote: %j', (message) => {
    expect(decodeFanOut(encodeFanOut({ from: 'node-a', message }))).toEqual({ from: 'node-a', message });
  });

  it('carries ids only: nothing beyond the kind\u2019s own fields is read', () => {
    const raw = JSON.stringify({ v: 1, from: 'n', kind: 'agent_changed', agentId: 'agt_1', token: 'eyJ...' });
    expect(decodeFanOut(raw)).toEqual({ from: 'n', message: { kind: 'agent_changed', agentId: 'agt_1' } });
  });

  it.each([
    ['not JSON', 'agent_changed agt_1'],
    ['a JSON array', '[1]'],
    ['null', 'null'],
    ['another version', '{"v":2,"from":"n","kind":"signing_keys_changed"}'],
    ['no sender', '{"v":1,"kind":"signing_keys_changed"}'],
    ['an unknown kind', '{"v":1,"from":"n","kind":"drop_database"}'],
    ['an agent change without its id', '{"v":1,"from":"n","kind":"agent_changed"}'],
    ['an empty agent id', '{"v":1,"from":"n","kind":"agent_changed","agentId":""}'],
    ['a numeric agent id', '{"v":1,"from":"n","kind":"agent_changed","agentId":7}'],
    ['an overlong agent id', JSON.stringify({ v: 1, from: 'n', kind: 'agent_changed', agentId: 'a'.repeat(201) })],
    ['no stream ids', '{"v":1,"from":"n","kind":"sets_queued","streamIds":[]}'],
    ['a stream id that is not a string', '{"v":1,"from":"n","kind":"sets_queued","streamIds":["s",{}]}'],
    ['too many stream ids', JSON.stringify({ v: 1, from: 'n', kind: 'sets_queued', streamIds: Array.from({ length: MAX_STREAM_IDS + 1 }, (_, i) => `s${i}`) })],
    ['an oversized message', JSON.stringify({ v: 1, from: 'n', kind: 'signing_keys_changed', pad: 'x'.repeat(9000) })],
  ])('ignores %s', (_name, raw) => {
    expect(decodeFanOut(raw)).toBeUndefined();
  });
});
