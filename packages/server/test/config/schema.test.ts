import { describe, expect, it } from 'vitest';
import { NON_SERVER_ENV, SETTINGS } from '../../src/config/schema.js';

describe('configuration schema', () => {
  it('names every setting AGENTAUTH_<UPPER_SNAKE> and --<kebab-case> of its Config key', () => {
    const names = SETTINGS.map((s) => [s.key, s.env, s.flag]);
    expect(names).toContainEqual(['dataDir', 'AGENTAUTH_DATA_DIR', '--data-dir']);
    expect(names).toContainEqual(['keyRotationInterval', 'AGENTAUTH_KEY_ROTATION_INTERVAL', '--key-rotation-interval']);
    for (const s of SETTINGS) {
      expect(s.env).toMatch(/^AGENTAUTH_[A-Z]+(?:_[A-Z]+)*$/);
      expect(s.flag).toMatch(/^--[a-z]+(?:-[a-z]+)*$/);
      expect(s.env.slice('AGENTAUTH_'.length).toLowerCase().replaceAll('_', '')).toBe(s.key.toLowerCase());
      expect(s.description).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('has no setting twice and does not claim a variable other programs read', () => {
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(SETTINGS.length);
    for (const s of SETTINGS) expect(NON_SERVER_ENV).not.toContain(s.env);
  });

  it('marks the settings that carry credentials as secret', () => {
    expect(SETTINGS.filter((s) => s.secret).map((s) => s.key)).toEqual(['databaseUrl', 'masterKey', 'bootstrapToken', 'keyCutoverWebhook', 'keyCutoverWebhookSecret', 'redisUrl', 'auditCheckpointWebhook', 'siemWebhook', 'siemWebhookSecret', 'dpopNonceSecret', 'approvalWebhook', 'approvalWebhookSecret', 'anomalyWebhook', 'anomalyWebhookSecret', 'metricsToken']);
  });
});
