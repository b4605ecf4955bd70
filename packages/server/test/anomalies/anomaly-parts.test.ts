import { describe, expect, it } from 'vitest';
import { AnomalyFeed } from '../../src/anomalies/anomaly-feed.js';
import type { ObservedRecord } from '../../src/anomalies/anomaly-finding.js';
import { DEFAULT_THRESHOLDS, parseThresholds, thresholdsFor } from '../../src/anomalies/anomaly-thresholds.js';
import { networkOf } from '../../src/anomalies/network-prefix.js';

const record = (n: number): ObservedRecord => ({ time: n, event: 'access_token.issued', outcome: 'success', agentId: 'agt_a', sourceIp: null, reason: null, details: {} });

describe('the networks new_network compares', () => {
  it('is the /24 of IPv4, the /48 of IPv6, an IPv4-mapped address as IPv4, nothing for no address', () => {
    expect(networkOf('203.0.113.50')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.50')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0DB8:00AB::')).toBe('2001:db8:ab::/48');
    expect(networkOf('::1')).toBe('0:0:0::/48');
    expect(networkOf(null)).toBeUndefined();
    expect(networkOf('not an address')).toBeUndefined();
  });
});

describe('the thresholds file', () => {
  it('applies global values, then each matching label rule in order', () => {
    const settings = parseThresholds({ global: { rateMultiplier: 6 }, labels: { 'env=batch': { offHours: false, rateMinimum: 500 }, 'team=pay': { rateMinimum: 7 } } }, 'test');
    expect(thresholdsFor(settings, {})).toEqual({ ...DEFAULT_THRESHOLDS, rateMultiplier: 6 });
    expect(thresholdsFor(settings, { env: 'batch' })).toMatchObject({ rateMultiplier: 6, offHours: false, rateMinimum: 500 });
    expect(thresholdsFor(settings, { env: 'batch', team: 'pay' })).toMatchObject({ offHours: false, rateMinimum: 7 });
  });

  it('refuses unknown members and values out of bounds, every problem at once', () => {
    expect(() => parseThresholds({ global: { rateMultiplier: 0.5, rateMinimun: 3 }, labels: { batch: {} }, extra: 1 }, 'file')).toThrow(
      /unknown member "extra".*global.rateMultiplier: must be a number from 1.5 to 1000.*global: unknown member "rateMinimun".*labels: "batch" is not key=value/,
    );
    expect(() => parseThresholds([], 'file')).toThrow('file: must be a JSON object');
  });
});

describe('the feed between the commit log and the detectors', () => {
  it('drops what does not fit, counts it, and hands on the rest in order, never inside offer', async () => {
    const seen: number[] = [];
    const warnings: unknown[] = [];
    const feed = new AnomalyFeed((r) => void seen.push(r.time), { warn: (o: unknown) => void warnings.push(o), error: () => undefined }, 100);
    feed.offer(Array.from({ length: 150 }, (_, i) => record(i)));
    expect(seen).toEqual([]);
    expect(feed.dropped).toBe(50);
    expect(warnings).toHaveLength(1);
    await feed.idle();
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('keeps a handler failure to itself and goes on', async () => {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const feed = new AnomalyFeed(
      (r) => {
        if (r.time === 1) throw new Error('boom');
        seen.push(r.time);
      },
      { warn: () => undefined, error: (o: unknown) => void errors.push(o) },
    );
    feed.offer([record(0), record(1), record(2)]);
    await feed.idle();
    expect(seen).toEqual([0, 2]);
    expect(errors).toHaveLength(1);
  });
});
