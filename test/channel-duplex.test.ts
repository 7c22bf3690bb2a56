/**
 * Duplex clients as an application meets them: a client makes its key with a neutral
 * name, a server decides on client keys with a verifyClient callback besides the fixed
 * trustedClients list, and the policy's refusals say what they are.
 */
import { describe, expect, it } from 'vitest';
import { channel, InvalidArgumentError, InvalidTypeError, type ClientKeyRequest, type PqwireError } from '../ts/src/index';
import { expectThrow } from './helpers';
import { closed, duplexPair } from './channel-helpers';
import { clientKey, established, open, serverKey } from './channel-harness';

describe('client keys', () => {
  it('generateKey and generateClientKey are generateServerKey under neutral names', () => {
    expect(channel.generateKey).toBe(channel.generateServerKey);
    expect(channel.generateClientKey).toBe(channel.generateServerKey);
    const key = channel.generateClientKey({ seed: new Uint8Array(32).fill(5), created: 1_700_000_000 });
    expect(key).toBeInstanceOf(channel.ServerKey);
    expect(key.info.config).toBe(channel.DEFAULT_SERVER_KEY_CONFIG);
  });

  it('the secure event says which suites the handshake agreed on', async () => {
    const h = await established({ mode: 'duplex' });
    for (const side of [h.client, h.server]) {
      expect(side.channel.info).toMatchObject({ kemSuite: 'X25519+ML-KEM-768', sigSuite: 'Ed25519+ML-DSA-65', aeadSuite: 'ChaCha20-Poly1305' });
    }
    h.client.channel.end();
  });
});

describe('verifyClient: a duplex server deciding on client keys as they come', () => {
  it('accepts a key the callback gives for the key id the client names; the handshake proves the client holds it', async () => {
    const device = channel.generateClientKey();
    const asked: ClientKeyRequest[] = [];
    const verifyClient = async (request: ClientKeyRequest): Promise<Uint8Array | undefined> => {
      asked.push(request);
      await new Promise((r) => setTimeout(r, 5)); // a database lookup
      return request.keyId === device.keyId ? device.publicKey : undefined;
    };
    const h = await established({ mode: 'duplex', client: { clientKey: device }, server: { trustedClients: [], verifyClient } });
    expect(asked).toEqual([{ keyId: device.keyId, remoteAddress: undefined }]);
    expect(h.server.channel.info).toMatchObject({ peerKeyId: device.keyId, peerKey: device.info });
    h.client.channel.write('hello');
    await new Promise<void>((r) => h.server.channel.once('data', () => r()));
    h.client.channel.end();
    expect(h.server.security).toEqual([]);
  });

  it('is not asked about a key in trustedClients', async () => {
    const asked: string[] = [];
    const verifyClient = ({ keyId }: ClientKeyRequest): undefined => {
      asked.push(keyId);
      return undefined;
    };
    const h = await established({ mode: 'duplex', server: { verifyClient } });
    h.client.channel.end();
    expect(asked).toEqual([]);
  });

  it.each([
    ['no key', () => undefined],
    ['another client’s key', () => clientKey.publicKey],
  ])('refuses with UNKNOWN_KEY when the callback gives %s', async (_, answer) => {
    const stranger = channel.generateClientKey();
    const h = open({ mode: 'duplex', client: { clientKey: stranger }, server: { trustedClients: [], verifyClient: answer } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'UNKNOWN_KEY']]);
    expect((h.client.errors[0] as PqwireError).code).toBe('UNKNOWN_KEY');
  });

  it('a callback that throws ends the handshake with its error, nothing accepted', async () => {
    const stranger = channel.generateClientKey();
    const verifyClient = (): never => {
      throw new Error('directory unreachable');
    };
    const h = open({ mode: 'duplex', client: { clientKey: stranger }, server: { verifyClient } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => e.type)).toEqual(['handshake-refused']);
    expect(h.server.channel.closeError?.message).toContain('directory unreachable');
    expect(h.server.channel.info).toBeUndefined();
  });

  it('a simplex client is served as usual; a malformed first packet is refused by the channel as usual', async () => {
    const verifyClient = (): undefined => undefined;
    const [a, b] = duplexPair();
    const s = channel.wrap(b, { role: 'server', keys: [serverKey], mode: 'duplex', verifyClient });
    const errors: Error[] = [];
    s.on('error', (e: Error) => errors.push(e));
    a.write(new Uint8Array(21).fill(0x7f)); // not a connect request: no key to look up
    await closed(s);
    expect((errors[0] as PqwireError).code).toBe('PROTOCOL_ERROR');
  });

  it('options: a function, and duplex mode needs trustedClients or verifyClient', () => {
    const [, b] = duplexPair();
    expectThrow(() => channel.wrap(b, { role: 'server', keys: [serverKey], mode: 'duplex' }), InvalidArgumentError, 'INVALID_ARGUMENT');
    // @ts-expect-error not a function
    expectThrow(() => channel.wrap(b, { role: 'server', keys: [serverKey], mode: 'duplex', verifyClient: 'yes' }), InvalidTypeError, 'INVALID_TYPE');
    const ok = channel.wrap(b, { role: 'server', keys: [serverKey], mode: 'duplex', verifyClient: () => undefined });
    ok.destroy();
  });
});

describe('policy refusals say what they are', () => {
  it('under pq-required, a classical-only client meets the default server key with PQ_REQUIRED (not NO_COMMON_SUITE)', async () => {
    const classical = { kexSuites: ['X25519' as const], sigSuites: ['Ed25519' as const] };
    const h = open({ client: { capabilities: classical, policy: 'classical-allowed' } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'PQ_REQUIRED']]);
    expect((h.client.errors[0] as PqwireError).code).toBe('PQ_REQUIRED');
    // Under a lax server policy nothing is in common with its X-Wing key: NO_COMMON_SUITE.
    const lax = open({ client: { capabilities: classical, policy: 'classical-allowed' }, server: { policy: 'classical-allowed' } });
    await Promise.all([closed(lax.client.channel), closed(lax.server.channel)]);
    expect(lax.server.security.map((e) => e.code)).toEqual(['NO_COMMON_SUITE']);
  });
});
