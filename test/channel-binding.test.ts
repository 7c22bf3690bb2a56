/**
 * The channel's binding as the adapters use it: error events say whether the peer
 * reported them (`remote`), and a server's keys and trusted client keys are checked once
 * into shared credentials (`NativeServerCredentials`, `NativeChannel.serverWith`) instead
 * of per connection. The state machines are driven by hand here, bytes passed between
 * them, so each event can be looked at.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AddressInfo } from 'node:net';
import { channel, PqwireError, type ChannelSecurityEvent, type SecureChannel } from '../ts/src/index';
import { call, fromNative } from '../ts/src/errors';
import { NativeChannel, NativeServerCredentials, type ChannelEvent, type ChannelOutput, type NativeChannelHandle } from '../ts/src/channel/native';
import { toHex } from '../ts/src/hex';
import { expectThrow, flip } from './helpers';
import { InvalidArgumentError, WireFormatError } from '../ts/src/index';
import { closed, duplexPair, FLAG, header, readBytes, secure, until } from './channel-helpers';

// Counts the factories the adapters call, passing every call through.
vi.mock('../ts/src/channel/native', async (importOriginal) => {
  const original = await importOriginal<typeof import('../ts/src/channel/native')>();
  const channelClass = original.NativeChannel;
  const credentialsClass = original.NativeServerCredentials;
  return {
    ...original,
    NativeChannel: {
      client: vi.fn(channelClass.client.bind(channelClass)),
      server: vi.fn(channelClass.server.bind(channelClass)),
      serverWith: vi.fn(channelClass.serverWith.bind(channelClass)),
    },
    NativeServerCredentials: { create: vi.fn(credentialsClass.create.bind(credentialsClass)) },
  };
});

afterEach(() => {
  vi.clearAllMocks();
  vi.restoreAllMocks();
});

const NOW = Math.floor(Date.now() / 1000);
const serverKey = channel.generateServerKey();
const clientKey = channel.generateServerKey();
const otherClient = channel.generateServerKey();

const flat = (packets: Uint8Array[]): Uint8Array => Buffer.concat(packets);
const errors = (out: ChannelOutput): ChannelEvent[] => out.events.filter((e) => e.type === 'error');

/** A client and a server state machine through the handshake, bytes passed by hand. */
function handshake(server: NativeChannelHandle, client: NativeChannelHandle): { server: ChannelOutput[]; client: ChannelOutput[] } {
  const c1 = client.start(NOW);
  const s1 = server.receive(flat(c1.transmit), NOW);
  const c2 = client.receive(flat(s1.transmit), NOW);
  const s2 = server.receive(flat(c2.transmit), NOW);
  const c3 = client.receive(flat(s2.transmit), NOW);
  return { server: [s1, s2], client: [c1, c2, c3] };
}

describe('binding events carry remote', () => {
  it('an error this side decided is remote: false; the same error reported by the peer is remote: true', () => {
    const credentials = NativeServerCredentials.create([serverKey.native], null);
    const server = NativeChannel.serverWith(credentials, null, NOW);
    const client = NativeChannel.client(serverKey.publicKey, null, null, NOW);
    const steps = handshake(server, client);
    const secureEvents = [...steps.server, ...steps.client].flatMap((o) => o.events);
    expect(secureEvents.map((e) => e.type)).toEqual(['secure', 'secure']);
    for (const e of secureEvents) expect(e.remote).toBeUndefined();

    const packet = flat(client.send(new Uint8Array([1, 2, 3]), NOW + 1).transmit);
    const refused = server.receive(flip(packet, -1), NOW + 1);
    expect(refused.events.map((e) => [e.type, e.code, e.remote])).toEqual([
      ['error', 'AUTH_FAILED', false],
      ['close', 'AUTH_FAILED', undefined],
    ]);
    expect(refused.closed).toBe(true);
    expect(refused.transmit.map((p) => header(p).flag)).toEqual([FLAG.error]);

    const told = client.receive(flat(refused.transmit), NOW + 1);
    expect(told.events.map((e) => [e.type, e.code, e.remote])).toEqual([
      ['error', 'AUTH_FAILED', true],
      ['close', 'AUTH_FAILED', undefined],
    ]);
    expect(told.transmit).toEqual([]); // no error answers an error
  });

  it('a plaintext error during the handshake is not remote: nothing authenticates it (a refused connect request); dead peers are local', () => {
    const credentials = NativeServerCredentials.create([serverKey.native], null);
    const server = NativeChannel.serverWith(credentials, null, NOW);
    const client = NativeChannel.client(otherClient.publicKey, null, null, NOW);
    const refused = server.receive(flat(client.start(NOW).transmit), NOW);
    expect(errors(refused).map((e) => [e.code, e.remote])).toEqual([['UNKNOWN_KEY', false]]);
    const told = client.receive(flat(refused.transmit), NOW);
    expect(errors(told).map((e) => [e.code, e.remote])).toEqual([['UNKNOWN_KEY', false]]);
    expect(errors(told)[0]!.message).toMatch(/unauthenticated/);

    const lonely = NativeChannel.client(serverKey.publicKey, null, null, NOW);
    lonely.start(NOW);
    expect(errors(lonely.poll(NOW + 300)).map((e) => [e.code, e.remote])).toEqual([['DEAD_PEER', false]]);
  });

  // The adapter must not read the core's wording: with the messages swapped, the peer's
  // error is still 'peer-error' and this side's refusal still 'packet-refused'.
  it('the adapter classifies errors by remote, not by the message text', async () => {
    const sample = NativeChannel.serverWith(NativeServerCredentials.create([serverKey.native], null), null, NOW);
    const prototype = Object.getPrototypeOf(sample) as NativeChannelHandle;
    const original = prototype.receive;
    vi.spyOn(prototype, 'receive').mockImplementation(function (this: NativeChannelHandle, bytes: Uint8Array, now: number) {
      const out = original.call(this, bytes, now);
      for (const e of out.events) {
        if (e.type === 'error') e.message = e.remote ? 'refused here, honestly' : `the peer closed the channel with ${e.code}`;
      }
      return out;
    });
    const [a, b] = duplexPair({ intercept: (chunk, d) => (d === 'a->b' && header(chunk).flag === FLAG.data ? [flip(chunk, -1)] : undefined) });
    const s = channel.wrap(b, { role: 'server', keys: [serverKey], pollIntervalMs: 5 });
    const c = channel.wrap(a, { role: 'client', serverPublicKey: serverKey.publicKey, pollIntervalMs: 5 });
    const seen: Record<string, ChannelSecurityEvent[]> = { client: [], server: [] };
    for (const x of [s, c]) {
      x.on('security', (e: ChannelSecurityEvent) => seen[x.role]!.push(e));
      x.resume(); // read to the end, so that 'close' follows
    }
    await Promise.all([secure(c), secure(s)]);
    c.write('tampered');
    await Promise.all([closed(c), closed(s)]);
    expect(seen.server!.map((e) => [e.type, e.code, e.message])).toEqual([['packet-refused', 'AUTH_FAILED', 'the peer closed the channel with AUTH_FAILED']]);
    expect(seen.client!.map((e) => [e.type, e.code, e.message])).toEqual([['peer-error', 'AUTH_FAILED', 'refused here, honestly']]);
  });
});

describe('issue 15 through the binding', () => {
  it('a forged plaintext error packet at an established end: AUTH_FAILED decided here, not the peer\'s code', () => {
    const server = NativeChannel.serverWith(NativeServerCredentials.create([serverKey.native], null), null, NOW);
    const client = NativeChannel.client(serverKey.publicKey, null, null, NOW);
    handshake(server, client);
    const forged = Buffer.alloc(23);
    forged.writeUInt8(FLAG.error, 0);
    forged.writeUInt32BE(2, 1);
    forged.writeBigUInt64BE(2n, 5);
    forged.writeBigUInt64BE(BigInt(NOW), 13);
    forged.writeUInt16BE(0x0007, 21); // KEY_EXPIRED
    const seen = client.receive(forged, NOW);
    expect(seen.events.map((e) => [e.type, e.code, e.remote])).toEqual([
      ['error', 'AUTH_FAILED', false],
      ['close', 'AUTH_FAILED', undefined],
    ]);
    expect(seen.transmit).toEqual([]);
  });

  it('a header and a byte raise stateBytes by the bytes, not by the declared length', () => {
    const server = NativeChannel.serverWith(NativeServerCredentials.create([serverKey.native], null), { maxPacketSize: 1 << 20 }, NOW);
    const before = server.stateBytes;
    const sent = Buffer.alloc(22);
    sent.writeUInt8(FLAG.connectRequest, 0);
    sent.writeUInt32BE(1 << 20, 1);
    sent.writeBigUInt64BE(BigInt(NOW), 13);
    expect(server.receive(sent, NOW).events).toEqual([]);
    expect(server.stateBytes - before).toBeLessThanOrEqual(2 * sent.length);
  });

  it('a server end refuses a seed (its connections would share one ephemeral key); a client end takes one', () => {
    const credentials = NativeServerCredentials.create([serverKey.native], null);
    const seed = new Uint8Array(32).fill(1);
    expectThrow(() => call(() => NativeChannel.serverWith(credentials, { seed }, NOW)), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => call(() => NativeChannel.server([serverKey.native], null, { seed }, NOW)), InvalidArgumentError, 'INVALID_ARGUMENT');
    const a = NativeChannel.client(serverKey.publicKey, null, { seed }, NOW).start(NOW);
    const b = NativeChannel.client(serverKey.publicKey, null, { seed }, NOW).start(NOW);
    expect(Buffer.from(flat(a.transmit))).toEqual(Buffer.from(flat(b.transmit))); // deterministic
  });
});

describe('server credentials', () => {
  it('hold the keys and trusted client keys, and serve any number of connections in both modes', () => {
    const credentials = NativeServerCredentials.create([serverKey.native, otherClient.native], [clientKey.publicKey]);
    expect(credentials.keyIds.map(toHex)).toEqual([serverKey.keyId, otherClient.keyId]);
    expect(credentials.trustedClientIds.map(toHex)).toEqual([clientKey.keyId]);
    for (let i = 0; i < 3; i++) {
      const server = NativeChannel.serverWith(credentials, { mode: 'duplex' }, NOW);
      const client = NativeChannel.client(serverKey.publicKey, clientKey.native, { mode: 'duplex' }, NOW);
      const steps = handshake(server, client);
      expect(steps.server[1]!.events.map((e) => e.type)).toEqual(['secure']);
      expect(steps.client[2]!.events.map((e) => e.type)).toEqual(['secure']);
      expect(toHex(server.peerKeyId!)).toBe(clientKey.keyId);
    }
    // The second key serves too (rotation), and simplex connections share the same credentials.
    const server = NativeChannel.serverWith(credentials, null, NOW);
    const client = NativeChannel.client(otherClient.publicKey, null, null, NOW);
    expect(handshake(server, client).client[2]!.events.map((e) => e.type)).toEqual(['secure']);
  });

  it('a client key that is not trusted is UNKNOWN_KEY', () => {
    const credentials = NativeServerCredentials.create([serverKey.native], [clientKey.publicKey]);
    const server = NativeChannel.serverWith(credentials, { mode: 'duplex' }, NOW);
    const client = NativeChannel.client(serverKey.publicKey, otherClient.native, { mode: 'duplex' }, NOW);
    const refused = server.receive(flat(client.start(NOW).transmit), NOW);
    expect(errors(refused).map((e) => e.code)).toEqual(['UNKNOWN_KEY']);
  });

  it('refuse no keys (INVALID_ARGUMENT) and a malformed trusted key (its wire code, naming the entry)', () => {
    expectThrow(() => call(() => NativeServerCredentials.create([], null)), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => call(() => NativeChannel.server([], null, null, NOW)), InvalidArgumentError, 'INVALID_ARGUMENT');
    const e = expectThrow<PqwireError>(
      () => call(() => NativeServerCredentials.create([serverKey.native], [clientKey.publicKey, clientKey.publicKey.subarray(0, 100)])),
      WireFormatError,
      'TRUNCATED',
    );
    expect(e.message).toContain('trustedClients[1]');
    // A key whose key id is not its own decodes, but is not a key.
    const forged = flip(clientKey.publicKey, 10); // the key id's first byte
    expect(fromNative(thrown(() => NativeServerCredentials.create([serverKey.native], [forged]))).code).toBe('INVALID_KEY');
  });

  it('the old factory still works and checks the same way', () => {
    const server = NativeChannel.server([serverKey.native], [clientKey.publicKey], { mode: 'duplex' }, NOW);
    const client = NativeChannel.client(serverKey.publicKey, clientKey.native, { mode: 'duplex' }, NOW);
    expect(handshake(server, client).server[1]!.events.map((e) => e.type)).toEqual(['secure']);
    expect(fromNative(thrown(() => NativeChannel.server([serverKey.native], [new Uint8Array(40)], null, NOW)))).toBeInstanceOf(PqwireError);
  });

  it('createServer builds them once; every connection shares them', async () => {
    const server = channel.createServer({ keys: [serverKey], mode: 'duplex', trustedClients: [clientKey.publicKey, otherClient.publicKey] }, (c) => {
      c.on('error', () => undefined);
      c.pipe(c);
    });
    expect(vi.mocked(NativeServerCredentials.create)).toHaveBeenCalledTimes(1);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const clients: SecureChannel[] = [];
    for (const key of [clientKey, otherClient, clientKey]) {
      const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: serverKey.publicKey, mode: 'duplex', clientKey: key });
      c.on('error', () => undefined);
      c.write('hi');
      expect((await readBytes(c, 2)).toString()).toBe('hi');
      clients.push(c);
    }
    expect(vi.mocked(NativeServerCredentials.create)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(NativeChannel.serverWith)).toHaveBeenCalledTimes(3);
    expect(vi.mocked(NativeChannel.server)).not.toHaveBeenCalled();
    const credentials = vi.mocked(NativeChannel.serverWith).mock.calls.map((call) => call[0]);
    expect(new Set(credentials).size).toBe(1);
    for (const c of clients) c.end();
    await Promise.all(clients.map((c) => closed(c)));
    await until(() => server.connections === 0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('createServer refuses a malformed trusted client key at once, with a typed error', () => {
    expect(() => channel.createServer({ keys: [serverKey], mode: 'duplex', trustedClients: [new Uint8Array(40)] })).toThrow(PqwireError);
    const expired = channel.generateServerKey({ created: NOW - 2 * 86400, lifetime: 86400 });
    // An expired trusted key is a valid key: refused per connection (KEY_EXPIRED), not here.
    expect(() => channel.createServer({ keys: [serverKey], mode: 'duplex', trustedClients: [expired.publicKey] }).close()).not.toThrow();
  });
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
