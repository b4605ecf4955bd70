import { describe, expect, it } from 'vitest';
import { ReceiverUrlError, vetReceiverUrl, type Resolver } from '../../src/signals/push-request.js';

const resolveTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('vetReceiverUrl (SSRF guard of push receivers)', () => {
  it('pins the connection to the public address the name resolved to', async () => {
    const vetted = await vetReceiverUrl('https://receiver.example.com/events', false, resolveTo('93.184.216.34'));
    expect(vetted.address).toEqual({ address: '93.184.216.34', family: 4 });
    expect(vetted.url.hostname).toBe('receiver.example.com');
  });

  it('refuses a name with any private, loopback, link-local or reserved answer', async () => {
    for (const answers of [['10.1.2.3'], ['93.184.216.34', '127.0.0.1'], ['169.254.169.254'], ['::1'], ['fe80::1'], ['100.64.0.1'], ['224.0.0.1']]) {
      await expect(vetReceiverUrl('https://receiver.example.com/events', false, resolveTo(...answers)), answers.join()).rejects.toThrow(ReceiverUrlError);
    }
  });

  it('allows private addresses only when told to, and plain http only to loopback then', async () => {
    await expect(vetReceiverUrl('https://internal.example/events', true, resolveTo('10.1.2.3'))).resolves.toMatchObject({ address: { address: '10.1.2.3' } });
    await expect(vetReceiverUrl('http://127.0.0.1:8443/events', true)).resolves.toBeDefined();
    await expect(vetReceiverUrl('http://internal.example/events', true, resolveTo('10.1.2.3'))).rejects.toThrow('https');
    // Reserved ranges stay refused even then.
    await expect(vetReceiverUrl('https://x.example/events', true, resolveTo('0.0.0.0'))).rejects.toThrow(ReceiverUrlError);
  });

  it('refuses names that do not resolve', async () => {
    const failing: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(vetReceiverUrl('https://nowhere.example/events', false, failing)).rejects.toThrow('does not resolve');
  });
});
