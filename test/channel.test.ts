/**
 * The secure channel through its Node adapter, over in-memory stream pairs whose wire
 * the tests watch and tamper with (docs/channel.md): handshakes in both modes, data,
 * close, re-key and ratchet, and every refusal — tampered, replayed, reordered, stale,
 * oversized packets, expired and wrong keys, keep-alive and dead peers on injected time —
 * each refused with its code, a 'security' event, and both sides closed cleanly.
 */
import { describe, expect, it, vi } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import {
  channel,
  PqwireError,
  KeyManagementError,
  AuthenticationError,
  ReplayError,
  ChannelError,
  type ChannelSecurityEvent,
  type ChannelOptions,
  type SecureChannel,
  type ServerKey,
} from '../ts/src/index';
import { bad, expectThrow, flip, NOT_BYTES } from './helpers';
import { InvalidArgumentError, InvalidLengthError, InvalidTypeError } from '../ts/src/index';
import {
  closed,
  duplexPair,
  FLAG,
  header,
  HEADER_LENGTH,
  rawPacket,
  readBytes,
  secure,
  sleep,
  TestClock,
  until,
  type Interceptor,
  type PairEnd,
} from './channel-helpers';

// One key for most tests (key generation is the slow part).
const serverKey = channel.generateServerKey();
const clientKey = channel.generateServerKey();

interface Side {
  channel: SecureChannel;
  raw: PairEnd;
  security: ChannelSecurityEvent[];
  errors: Error[];
  data: Buffer[];
  events: string[];
}

interface Harness {
  client: Side;
  server: Side;
  clock: TestClock;
}

interface OpenOptions {
  mode?: 'simplex' | 'duplex';
  client?: Partial<ChannelOptions> & { serverPublicKey?: Uint8Array; clientKey?: ServerKey };
  server?: Partial<ChannelOptions> & { keys?: ServerKey[]; trustedClients?: Uint8Array[] };
  intercept?: Interceptor;
  highWaterMark?: number;
  clock?: TestClock;
  /** A clock for the server alone (the client uses `clock`). */
  serverClock?: TestClock;
}

function watch(c: SecureChannel, raw: PairEnd): Side {
  const side: Side = { channel: c, raw, security: [], errors: [], data: [], events: [] };
  c.on('security', (e: ChannelSecurityEvent) => side.security.push(e));
  c.on('error', (e: Error) => side.errors.push(e));
  c.on('data', (d: Buffer) => side.data.push(d));
  for (const name of ['secure', 'rekey', 'ratchet', 'keepalive', 'end', 'finish', 'close'] as const) {
    c.on(name, (arg?: unknown) => side.events.push(typeof arg === 'string' ? `${name}:${arg}` : name));
  }
  return side;
}

/** A client and a server end on an in-memory pair (the client is end `a`). */
function open(o: OpenOptions = {}): Harness {
  const clock = o.clock ?? new TestClock();
  const serverClock = o.serverClock ?? clock;
  const mode = o.mode ?? 'simplex';
  const [a, b] = duplexPair({ intercept: o.intercept, highWaterMark: o.highWaterMark });
  const duplexClient = mode === 'duplex' ? { clientKey } : {};
  const duplexServer = mode === 'duplex' ? { trustedClients: [clientKey.publicKey] } : {};
  const s = channel.wrap(b, { role: 'server', keys: [serverKey], mode, clock: serverClock.read, pollIntervalMs: 5, ...duplexServer, ...o.server });
  const server = watch(s, b);
  const c = channel.wrap(a, { role: 'client', serverPublicKey: serverKey.publicKey, mode, clock: clock.read, pollIntervalMs: 5, ...duplexClient, ...o.client });
  const client = watch(c, a);
  return { client, server, clock };
}

async function established(o: OpenOptions = {}): Promise<Harness> {
  const h = open(o);
  await Promise.all([secure(h.client.channel), secure(h.server.channel)]);
  return h;
}

const text = (side: Side): string => Buffer.concat(side.data).toString();

/** Both ends closed: 'close' emitted, raw streams destroyed, no timers left. */
async function bothClosed(h: Harness): Promise<void> {
  await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
  await until(() => h.client.raw.destroyed && h.server.raw.destroyed, 5000, 'raw streams destroyed');
  expect(h.client.channel.state).toBe('closed');
  expect(h.server.channel.state).toBe('closed');
}

/** The refusal's shape on both sides: the refusing one and the one told by an error packet. */
function expectRefused(refuser: Side, told: Side, code: string, type: ChannelSecurityEvent['type'] = 'packet-refused'): void {
  expect(refuser.security.map((e) => [e.type, e.code])).toEqual([[type, code]]);
  expect(refuser.channel.closeReason).toBe('error');
  expect(refuser.channel.closeError?.code).toBe(code);
  expect(told.security.map((e) => [e.type, e.code])).toEqual([['peer-error', code]]);
  expect(told.channel.closeReason).toBe('error');
  expect(told.channel.closeError?.code).toBe(code);
  // Once secure, a refusal is not an 'error' event on either side.
  expect(refuser.errors).toEqual([]);
  expect(told.errors).toEqual([]);
  for (const side of [refuser, told]) {
    expect(side.events).toContain('end');
    expect(side.events).toContain('close');
    const event = side.security[0]!;
    expect(event.secure).toBe(true);
    expect(event.error).toBeInstanceOf(PqwireError);
    expect(event.role).toBe(side.channel.role);
    expect(typeof event.time).toBe('number');
  }
}

/** An interceptor that runs `f` on data packets only, once the test arms it. */
function onData(f: (packet: Uint8Array, index: number) => Uint8Array[] | undefined): Interceptor {
  let index = 0;
  return (chunk, direction) => (direction === 'a->b' && header(chunk).flag === FLAG.data ? f(chunk, index++) : undefined);
}

describe('server keys', () => {
  it('generates a key with the default configuration, one year of validity and a 16-byte key id', () => {
    const before = Math.floor(Date.now() / 1000);
    const key = channel.generateServerKey();
    const info = key.info;
    expect(info.config).toBe('pqwire-channel/v1 X25519+ML-KEM-768 Ed25519+ML-DSA-65 ChaCha20-Poly1305');
    expect(info.config).toBe(channel.DEFAULT_SERVER_KEY_CONFIG);
    expect(info).toMatchObject({ kemSuite: 'X25519+ML-KEM-768', sigSuite: 'Ed25519+ML-DSA-65', aeadSuite: 'ChaCha20-Poly1305' });
    expect(info.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(key.keyId).toBe(info.keyId);
    expect(info.created).toBeGreaterThanOrEqual(before);
    expect(info.expires - info.created).toBe(channel.DEFAULT_SERVER_KEY_LIFETIME);
    expect(channel.serverKeyInfo(key.publicKey)).toEqual(info);
  });

  it('round-trips through its secret file, and never shows the secret in JSON', () => {
    const file = serverKey.toFile();
    const again = channel.ServerKey.fromFile(file);
    expect(Buffer.from(again.publicKey)).toEqual(Buffer.from(serverKey.publicKey));
    expect(again.keyId).toBe(serverKey.keyId);
    const json = JSON.stringify(serverKey);
    expect(JSON.parse(json)).toEqual(serverKey.info);
    expect(json.length).toBeLessThan(file.length);
  });

  it('takes a configuration, a validity and a seed', () => {
    const seed = new Uint8Array(32).fill(7);
    const config = 'pqwire-channel/v1 X25519+ML-KEM-1024 Ed25519+ML-DSA-87 AES-256-GCM';
    const k1 = channel.generateServerKey({ config, created: 1_000_000, lifetime: 3600, seed });
    const k2 = channel.generateServerKey({ config, created: 1_000_000, lifetime: 3600, seed });
    expect(Buffer.from(k1.publicKey)).toEqual(Buffer.from(k2.publicKey));
    expect(k1.info).toMatchObject({ config, kemSuite: 'X25519+ML-KEM-1024', sigSuite: 'Ed25519+ML-DSA-87', aeadSuite: 'AES-256-GCM', created: 1_000_000, expires: 1_003_600 });
  });

  it('refuses bad options with typed errors', () => {
    expectThrow(() => channel.generateServerKey(bad(null)), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => channel.generateServerKey(bad({ lifespan: 3 })), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => channel.generateServerKey(bad({ config: 42 })), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => channel.generateServerKey({ lifetime: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => channel.generateServerKey({ lifetime: -1 }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => channel.generateServerKey({ created: 1.5 }), InvalidTypeError, 'INVALID_TYPE');
    expectThrow(() => channel.generateServerKey({ seed: new Uint8Array(31) }), InvalidLengthError, 'BAD_LENGTH');
    expect(() => channel.generateServerKey({ config: 'pqwire-channel/v1 X25519+ML-KEM-768' })).toThrow(PqwireError);
    expect(() => channel.generateServerKey({ config: 'tls/1.3 X25519 Ed25519 AES-256-GCM' })).toThrow(PqwireError);
  });

  it('refuses a file or public key that is not one, with typed errors', () => {
    for (const [, value] of NOT_BYTES) {
      expectThrow(() => channel.ServerKey.fromFile(bad(value)), InvalidTypeError, 'INVALID_TYPE');
      expectThrow(() => channel.serverKeyInfo(bad(value)), InvalidTypeError, 'INVALID_TYPE');
    }
    expect(() => channel.ServerKey.fromFile(new Uint8Array(10))).toThrow(PqwireError);
    expect(() => channel.ServerKey.fromFile(serverKey.publicKey)).toThrow(PqwireError);
    expect(() => channel.serverKeyInfo(new Uint8Array(10))).toThrow(PqwireError);
    expect(() => channel.serverKeyInfo(serverKey.toFile())).toThrow(PqwireError);
    const file = serverKey.toFile();
    // A flipped byte in the record framing or in the public key it holds.
    for (const index of [0, 5, 40, 200, 1000, 1500]) {
      expect(() => channel.ServerKey.fromFile(flip(file, index)), `byte ${index}`).toThrow(PqwireError);
    }
    expect(() => channel.ServerKey.fromFile(file.subarray(0, file.length - 1))).toThrow(PqwireError);
    expect(() => channel.ServerKey.fromFile(Buffer.concat([file, Buffer.from([0])]))).toThrow(PqwireError);
  });

  // A probe signature alone would let a flipped byte in ML-DSA's t0 part of the secret key
  // through (it still signs, sometimes invalidly); the record's checksum refuses it.
  it('refuses a secret key file whose ML-DSA secret key was altered anywhere (t0 included)', () => {
    const file = serverKey.toFile();
    const checksumField = 38;
    for (let index = file.length - checksumField - 600; index < file.length; index++) {
      expect(() => channel.ServerKey.fromFile(flip(file, index)), `byte ${index}`).toThrow(PqwireError);
    }
  });
});

describe('handshake and data over an in-memory pair', () => {
  it('simplex: both ends become secure, data flows both ways, and end() closes both cleanly', async () => {
    const h = open();
    h.client.channel.write('written before secure');
    const [ci, si] = await Promise.all([secure(h.client.channel), secure(h.server.channel)]);
    expect(ci).toMatchObject({ role: 'client', mode: 'simplex', peerKeyId: serverKey.keyId });
    expect(ci.peerKey).toEqual(serverKey.info);
    expect(si).toMatchObject({ role: 'server', mode: 'simplex', peerKeyId: undefined, peerKey: undefined });
    expect(ci.establishedAt).toBe(h.clock.now);
    expect(h.client.channel.secure && h.server.channel.secure).toBe(true);

    await until(() => text(h.server) === 'written before secure');
    h.server.channel.write('and back');
    await until(() => text(h.client) === 'and back');

    h.client.channel.end();
    await bothClosed(h);
    expect(h.client.channel.closeReason).toBe('local');
    expect(h.server.channel.closeReason).toBe('peer');
    expect(h.client.security).toEqual([]);
    expect(h.server.security).toEqual([]);
    expect(h.client.errors).toEqual([]);
    expect(h.server.errors).toEqual([]);
  });

  it('duplex: the server learns the client key that authenticated', async () => {
    const h = await established({ mode: 'duplex' });
    expect(h.server.channel.info).toMatchObject({ mode: 'duplex', peerKeyId: clientKey.keyId });
    expect(h.server.channel.info?.peerKey).toEqual(clientKey.info);
    expect(h.client.channel.info).toMatchObject({ mode: 'duplex', peerKeyId: serverKey.keyId });
    h.server.channel.end('bye');
    await bothClosed(h);
    expect(text(h.client)).toBe('bye');
    expect(h.server.channel.closeReason).toBe('local');
    expect(h.client.channel.closeReason).toBe('peer');
  });

  it('the handshake is two round trips, client first, and the wire carries only packets', async () => {
    const wire: [string, number, bigint][] = [];
    const h = await established({
      intercept: (chunk, direction) => {
        const hd = header(chunk);
        expect(chunk.length).toBe(HEADER_LENGTH + hd.length);
        wire.push([direction, hd.flag, hd.sequence]);
        return undefined;
      },
    });
    expect(wire.slice(0, 4)).toEqual([
      ['a->b', FLAG.connectRequest, 0n],
      ['b->a', FLAG.connectResponse, 0n],
      ['a->b', FLAG.exchangeRequest, 1n],
      ['b->a', FLAG.exchangeResponse, 1n],
    ]);
    h.client.channel.write('x');
    await until(() => text(h.server) === 'x');
    expect(wire.at(-1)).toEqual(['a->b', FLAG.data, 2n]);
    h.client.channel.end();
    await bothClosed(h);
    expect(wire.at(-1)?.[1]).toBe(FLAG.close);
  });

  it('carries a megabyte each way intact, in many writes and in one', async () => {
    const h = await established();
    const up = randomBytes(1 << 20);
    const down = randomBytes(1 << 20);
    for (let i = 0; i < up.length; i += 1000) h.client.channel.write(up.subarray(i, i + 1000));
    h.server.channel.write(down);
    await until(() => Buffer.concat(h.server.data).length === up.length && Buffer.concat(h.client.data).length === down.length, 20_000);
    expect(Buffer.concat(h.server.data).equals(up)).toBe(true);
    expect(Buffer.concat(h.client.data).equals(down)).toBe(true);
    h.client.channel.end();
    await bothClosed(h);
  });

  it('end() before the handshake finishes still delivers the data, then closes', async () => {
    const h = open();
    h.client.channel.end('early');
    await bothClosed(h);
    expect(text(h.server)).toBe('early');
    expect(h.client.channel.closeReason).toBe('local');
  });

  it('keeps per-connection server state under 4 KiB', async () => {
    for (const mode of ['simplex', 'duplex'] as const) {
      const h = await established({ mode });
      expect(h.server.channel.stateBytes).toBeGreaterThan(0);
      expect(h.server.channel.stateBytes).toBeLessThan(4096);
      expect(h.client.channel.stateBytes).toBeLessThan(4096);
      h.client.channel.end();
      await bothClosed(h);
    }
  });

  it('re-keys and ratchets on demand; data keeps flowing under the new keys', async () => {
    const h = await established();
    await new Promise<void>((resolve, reject) => h.client.channel.rekey((e) => (e ? reject(e) : resolve())));
    h.client.channel.write('after rekey');
    await until(() => text(h.server) === 'after rekey');
    expect(h.client.events).toContain('rekey:send');
    expect(h.server.events).toContain('rekey:receive');

    h.server.channel.ratchet();
    await until(() => h.client.events.includes('ratchet') && h.server.events.includes('ratchet'));
    h.server.channel.write('after ratchet');
    h.client.channel.write('+');
    await until(() => text(h.client) === 'after ratchet' && text(h.server) === 'after rekey+');
    h.client.channel.end();
    await bothClosed(h);
    expect(h.server.security).toEqual([]);
  });

  it('re-keys by itself every rekeyEveryPackets packets', async () => {
    const h = await established({ client: { rekeyEveryPackets: 4 } });
    for (let i = 0; i < 10; i++) h.client.channel.write(`m${i};`);
    await until(() => text(h.server).endsWith('m9;'));
    expect(text(h.server)).toBe('m0;m1;m2;m3;m4;m5;m6;m7;m8;m9;');
    expect(h.client.events.filter((e) => e === 'rekey:send').length).toBeGreaterThanOrEqual(2);
    expect(h.server.events.filter((e) => e === 'rekey:receive').length).toBe(h.client.events.filter((e) => e === 'rekey:send').length);
    h.client.channel.end();
    await bothClosed(h);
  });

  it.each(['client', 'server'] as const)('ratchets by itself every ratchetEverySeconds of the channel clock (set on the %s)', async (side) => {
    const h = await established({ [side]: { ratchetEverySeconds: 90 } });
    const ratchets = (x: Side): number => x.events.filter((e) => e === 'ratchet').length;
    h.clock.advance(89);
    await sleep(30);
    expect([ratchets(h.client), ratchets(h.server)]).toEqual([0, 0]);
    h.clock.advance(1);
    await until(() => ratchets(h.client) === 1 && ratchets(h.server) === 1, 5000, 'the first ratchet');
    h.client.channel.write('after one');
    await until(() => text(h.server) === 'after one');
    // The period runs from the last ratchet: the next one is due 90 seconds later.
    h.clock.advance(89);
    await sleep(30);
    expect([ratchets(h.client), ratchets(h.server)]).toEqual([1, 1]);
    h.clock.advance(1);
    await until(() => ratchets(h.client) === 2 && ratchets(h.server) === 2, 5000, 'the second ratchet');
    h.server.channel.write('after two');
    await until(() => text(h.client) === 'after two');
    h.client.channel.end();
    await bothClosed(h);
    expect(h.client.security).toEqual([]);
    expect(h.server.security).toEqual([]);
  });

  it('both sides on the same ratchet period: the crossing requests resolve to one ratchet each time', async () => {
    const h = await established({ client: { ratchetEverySeconds: 60 }, server: { ratchetEverySeconds: 60 } });
    const ratchets = (x: Side): number => x.events.filter((e) => e === 'ratchet').length;
    for (let round = 1; round <= 3; round++) {
      h.clock.advance(60);
      await until(() => ratchets(h.client) >= round && ratchets(h.server) >= round, 5000, `ratchet ${round}`);
      h.client.channel.write(`${round};`);
      await until(() => text(h.server).endsWith(`${round};`));
    }
    h.client.channel.end();
    await bothClosed(h);
    expect(h.client.security).toEqual([]);
    expect(h.server.security).toEqual([]);
  });

  it('rekey() and ratchet() need an established channel', async () => {
    const h = open();
    expectThrow(() => h.client.channel.rekey(), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => h.client.channel.ratchet(), InvalidArgumentError, 'INVALID_ARGUMENT');
    await Promise.all([secure(h.client.channel), secure(h.server.channel)]);
    expectThrow(() => h.client.channel.rekey(bad(42)), InvalidTypeError, 'INVALID_TYPE');
    h.client.channel.end();
    await bothClosed(h);
    expectThrow(() => h.client.channel.rekey(), InvalidArgumentError, 'INVALID_ARGUMENT');
  });

  it('destroy() releases the raw stream at once; the peer sees a truncated connection', async () => {
    const h = await established();
    h.client.channel.destroy();
    await closed(h.client.channel);
    expect(h.client.raw.destroyed).toBe(true);
    await closed(h.server.channel);
    expect(h.server.security.map((e) => e.type)).toEqual(['truncated']);
    expect(h.server.channel.closeReason).toBe('transport');
    expect(h.server.errors).toEqual([]);
  });
});

describe('refused packets close both sides cleanly', () => {
  it('a tampered data packet: AUTH_FAILED, and nothing of it is delivered', async () => {
    const listened: ChannelSecurityEvent[] = [];
    const h = await established({
      intercept: onData((p, i) => (i === 1 ? [flip(p, -1)] : undefined)),
      server: { onSecurityEvent: (e) => listened.push(e) },
    });
    h.client.channel.write('first');
    await until(() => text(h.server) === 'first');
    h.client.channel.write('tampered');
    await bothClosed(h);
    expect(text(h.server)).toBe('first');
    expectRefused(h.server, h.client, 'AUTH_FAILED');
    expect(h.server.channel.closeError).toBeInstanceOf(AuthenticationError);
    expect(listened).toEqual(h.server.security);
  });

  it('a tampered header (the time field) is AUTH_FAILED too: the header is associated data', async () => {
    const h = await established({ intercept: onData((p) => [flip(p, 20)]) });
    h.client.channel.write('x');
    await bothClosed(h);
    expectRefused(h.server, h.client, 'AUTH_FAILED');
    expect(h.server.data).toEqual([]);
  });

  it('a replayed data packet: REPLAYED, after the original was delivered once', async () => {
    const h = await established({ intercept: onData((p) => [p, p]) });
    h.client.channel.write('once');
    await bothClosed(h);
    expect(text(h.server)).toBe('once');
    expectRefused(h.server, h.client, 'REPLAYED');
    expect(h.server.channel.closeError).toBeInstanceOf(ReplayError);
  });

  it('reordered data packets: OUT_OF_ORDER, nothing delivered out of order', async () => {
    let held: Uint8Array | undefined;
    const h = await established({
      intercept: onData((p, i) => {
        if (i === 0) {
          held = p;
          return [];
        }
        return i === 1 ? [p, held!] : undefined;
      }),
    });
    h.client.channel.write('one');
    h.client.channel.write('two');
    await bothClosed(h);
    expect(h.server.data).toEqual([]);
    expectRefused(h.server, h.client, 'OUT_OF_ORDER');
  });

  it('a packet held back beyond the 60-second window: STALE_PACKET', async () => {
    let held: Uint8Array | undefined;
    const h = await established({ intercept: onData((p) => ((held = p), [])) });
    h.client.channel.write('late');
    await until(() => held !== undefined);
    h.clock.advance(61); // both ends' clocks: the peer's error packet is fresh
    h.server.raw.push(Buffer.from(held!));
    await bothClosed(h);
    expect(h.server.data).toEqual([]);
    expectRefused(h.server, h.client, 'STALE_PACKET');
    expect(h.server.channel.closeError).toBeInstanceOf(ChannelError);
    expect(h.client.channel.closeError).toBeInstanceOf(ChannelError);
    expect(String(h.server.channel.closeError)).toMatch(/^ChannelError \[STALE_PACKET\]: /);
  });

  it('a packet within the window is accepted (60 seconds late is not stale)', async () => {
    let held: Uint8Array | undefined;
    const h = await established({ intercept: onData((p, i) => (i === 0 ? ((held = p), []) : undefined)) });
    h.client.channel.write('on time');
    await until(() => held !== undefined);
    h.clock.advance(60);
    h.server.raw.push(Buffer.from(held!));
    await until(() => text(h.server) === 'on time');
    expect(h.server.security).toEqual([]);
    h.client.channel.end();
    await bothClosed(h);
  });

  it('a sender whose clock is off by more than the window: STALE_PACKET on its first data packet', async () => {
    const clock = new TestClock();
    const serverClock = new TestClock(clock.now);
    const h = await established({ clock, serverClock });
    clock.advance(-120);
    h.client.channel.write('from the past');
    await bothClosed(h);
    expect(h.server.data).toEqual([]);
    // The client's view is 120 s off too: the server's error packet is stale for it, and
    // no error answers an error; it reports STALE_PACKET itself.
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['packet-refused', 'STALE_PACKET']]);
    expect(h.client.security.map((e) => e.code)).toEqual(['STALE_PACKET']);
    expect(h.client.errors).toEqual([]);
    expect(h.server.errors).toEqual([]);
  });

  it('an oversized packet is refused on its header: PACKET_TOO_LARGE', async () => {
    const h = await established({
      intercept: onData((p) => {
        const forged = Buffer.from(p);
        forged.writeUInt32BE(65_537, 1); // over the default cap; the payload need not follow
        return [forged.subarray(0, HEADER_LENGTH)];
      }),
    });
    h.client.channel.write('big?');
    await bothClosed(h);
    expect(h.server.data).toEqual([]);
    expectRefused(h.server, h.client, 'PACKET_TOO_LARGE');
  });

  it('a packet over the receiver\'s smaller maxPacketSize: PACKET_TOO_LARGE', async () => {
    const h = await established({ server: { maxPacketSize: 1024 } });
    h.client.channel.write(Buffer.alloc(2000, 1));
    await bothClosed(h);
    expect(h.server.data).toEqual([]);
    expectRefused(h.server, h.client, 'PACKET_TOO_LARGE');
  });

  it('a plaintext close injected into an established channel: AUTH_FAILED (no undetected truncation)', async () => {
    const h = await established({
      intercept: onData((p) => {
        const close = Buffer.alloc(HEADER_LENGTH + 2);
        Buffer.from(p.subarray(0, HEADER_LENGTH)).copy(close);
        close[0] = FLAG.close;
        close.writeUInt32BE(2, 1);
        return [close];
      }),
    });
    h.client.channel.write('x');
    await bothClosed(h);
    expectRefused(h.server, h.client, 'AUTH_FAILED');
  });

  it('a refused packet from the server to the client is handled the same way', async () => {
    const h = await established({ intercept: (chunk, d) => (d === 'b->a' && header(chunk).flag === FLAG.data ? [flip(chunk, 30)] : undefined) });
    h.server.channel.write('tampered');
    await bothClosed(h);
    expectRefused(h.client, h.server, 'AUTH_FAILED');
    expect(h.client.data).toEqual([]);
  });

  it('a write after the channel closed fails with a typed error', async () => {
    const h = await established({ intercept: onData((p) => [flip(p, -1)]) });
    h.client.channel.write('x');
    await bothClosed(h);
    const error = await new Promise<Error | null | undefined>((resolve) => h.server.channel.write('late', resolve));
    expect(error).toBeInstanceOf(Error);
  });

  it('a write crossing the peer\'s close packet is dropped without an error event', async () => {
    // The client's last data packet and its close packet arrive in one chunk: the server's
    // echo of that data is written after its channel already closed.
    let held: Uint8Array | undefined;
    const h = await established({
      intercept: (chunk, d) => {
        if (d !== 'a->b') return undefined;
        const flag = header(chunk).flag;
        if (flag === FLAG.data) {
          held = chunk;
          return [];
        }
        return flag === FLAG.close && held ? [Buffer.concat([held, chunk])] : undefined;
      },
    });
    const echoCallbacks: (Error | null | undefined)[] = [];
    h.server.channel.on('data', (d: Buffer) => h.server.channel.write(d, (e) => echoCallbacks.push(e)));
    h.client.channel.end('last words');
    await bothClosed(h);
    expect(text(h.server)).toBe('last words');
    expect(h.server.errors).toEqual([]);
    expect(h.client.errors).toEqual([]);
    expect(h.server.channel.closeReason).toBe('peer');
    expect(echoCallbacks).toHaveLength(1);
    expect(echoCallbacks[0]).toBeInstanceOf(PqwireError);
  });

  it('the raw stream ending without a close packet is reported as truncated', async () => {
    const h = await established();
    h.client.raw.end(); // someone cuts the client's sending side
    await closed(h.server.channel);
    expect(h.server.security.map((e) => e.type)).toEqual(['truncated']);
    expect(h.server.channel.closeReason).toBe('transport');
    h.client.channel.destroy();
  });
});

// Issue 15: what an attacker on the path could do with a few unauthenticated bytes.
describe('unauthenticated bytes on the path', () => {
  const KEY_EXPIRED = Uint8Array.of(0x00, 0x07);

  it('a forged plaintext error injected into an established connection is refused, not reported as the peer\'s', async () => {
    const h = await established();
    // The attack: 23 bytes, an error packet with the server's next sequence number (it
    // sent two handshake packets) and a code of the attacker's choice, in plaintext.
    const forged = rawPacket(FLAG.error, 2, h.clock.now, KEY_EXPIRED);
    expect(forged.length).toBe(23);
    const written = h.client.raw.bytesWritten;
    h.client.raw.push(forged);
    await closed(h.client.channel);
    // Refused as any forged packet: this side decided, AUTH_FAILED, never the peer's KEY_EXPIRED.
    expect(h.client.security.map((e) => [e.type, e.code])).toEqual([['packet-refused', 'AUTH_FAILED']]);
    expect(h.client.channel.closeReason).toBe('error');
    expect(h.client.channel.closeError?.code).toBe('AUTH_FAILED');
    expect(h.client.errors).toEqual([]);
    // No error packet answers an error packet.
    expect(h.client.raw.bytesWritten).toBe(written);
    h.server.channel.destroy();
  });

  it('a plaintext error during the handshake ends it, reported as unauthenticated (not a peer-error)', async () => {
    const clock = new TestClock();
    const [a, b] = duplexPair();
    const c = watch(channel.wrap(a, { role: 'client', serverPublicKey: serverKey.publicKey, clock: clock.read, pollIntervalMs: 5 }), a);
    await readBytes(b, HEADER_LENGTH); // the connect-request left
    a.push(rawPacket(FLAG.error, 0, clock.now, KEY_EXPIRED));
    await closed(c.channel);
    expect(c.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'KEY_EXPIRED']]);
    expect(c.security[0]!.message).toMatch(/unauthenticated/);
    expect(c.errors.map((e) => (e as PqwireError).code)).toEqual(['KEY_EXPIRED']);
  });

  it('a header declaring a large packet costs its bytes, not its declared length', async () => {
    const clock = new TestClock();
    for (const maxPacketSize of [65_536, 1 << 20]) {
      const [, b] = duplexPair();
      const s = watch(channel.wrap(b, { role: 'server', keys: [serverKey], clock: clock.read, pollIntervalMs: 5, maxPacketSize }), b);
      const before = s.channel.stateBytes;
      // The attack: a connect-request header declaring maxPacketSize bytes, and one byte.
      const sent = Buffer.concat([rawPacket(FLAG.connectRequest, 0, clock.now, new Uint8Array(0), maxPacketSize), Buffer.of(0)]);
      b.push(sent);
      await until(() => s.channel.stateBytes !== before, 2000, 'the bytes buffered');
      expect(s.channel.stateBytes - before).toBeLessThanOrEqual(2 * sent.length);
      expect(s.security).toEqual([]);
      s.channel.destroy();
    }
  });

  it('a header whose flag the handshake does not expect is refused at once, before its payload', async () => {
    const clock = new TestClock();
    const [, b] = duplexPair();
    const s = watch(channel.wrap(b, { role: 'server', keys: [serverKey], clock: clock.read, pollIntervalMs: 5 }), b);
    const before = s.channel.stateBytes;
    b.push(rawPacket(FLAG.data, 0, clock.now, new Uint8Array(0), 60_000)); // the 21 header bytes alone
    await until(() => s.security.length > 0, 2000, 'the refusal');
    expect(s.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'PROTOCOL_ERROR']]);
    expect(s.channel.stateBytes).toBeLessThanOrEqual(before);
    await closed(s.channel);
  });

  it('seed is refused on every server end: all its connections would share one ephemeral KEM key', () => {
    const seed = new Uint8Array(32).fill(9);
    expectThrow(() => channel.createServer({ keys: [serverKey], seed }), InvalidArgumentError, 'INVALID_ARGUMENT');
    expectThrow(() => channel.wrap(duplexPair()[1], { role: 'server', keys: [serverKey], seed }), InvalidArgumentError, 'INVALID_ARGUMENT');
    // A client end may still be seeded (deterministic tests).
    const c = channel.wrap(duplexPair()[0], { role: 'client', serverPublicKey: serverKey.publicKey, seed });
    c.on('error', () => undefined);
    c.destroy();
  });
});

describe('handshake refusals', () => {
  it('a client pinning a key the server does not hold: UNKNOWN_KEY on both sides, as an error', async () => {
    const other = channel.generateServerKey();
    const h = open({ client: { serverPublicKey: other.publicKey } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    for (const side of [h.client, h.server]) {
      expect(side.errors).toHaveLength(1);
      expect(side.errors[0]).toBeInstanceOf(KeyManagementError);
      expect((side.errors[0] as PqwireError).code).toBe('UNKNOWN_KEY');
      expect(side.channel.info).toBeUndefined();
    }
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'UNKNOWN_KEY']]);
    // The server's error packet is plaintext (no keys yet): reported, but as unauthenticated.
    expect(h.client.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'UNKNOWN_KEY']]);
    expect(h.client.security[0]!.message).toMatch(/unauthenticated/);
    expect(h.client.security[0]!.secure).toBe(false);
  });

  it('an expired pinned key: the client refuses before sending anything (KEY_EXPIRED)', async () => {
    const clock = new TestClock();
    const expired = channel.generateServerKey({ created: clock.now - 2 * 86400, lifetime: 86400 });
    const h = open({ clock, client: { serverPublicKey: expired.publicKey }, server: { keys: [expired] } });
    await closed(h.client.channel);
    expect(h.client.errors.map((e) => (e as PqwireError).code)).toEqual(['KEY_EXPIRED']);
    expect(h.client.errors[0]).toBeInstanceOf(KeyManagementError);
    expect(h.client.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'KEY_EXPIRED']]);
    expect(h.client.raw.bytesWritten).toBe(0);
    h.server.channel.destroy();
  });

  it('a server key that expired on the server\'s clock: the server refuses (KEY_EXPIRED)', async () => {
    const clock = new TestClock();
    const key = channel.generateServerKey({ created: clock.now - 100, lifetime: 100 }); // expires now
    const h = open({ clock: new TestClock(clock.now - 30), serverClock: new TestClock(clock.now + 10), client: { serverPublicKey: key.publicKey }, server: { keys: [key] } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'KEY_EXPIRED']]);
    expect(h.client.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'KEY_EXPIRED']]);
    expect((h.client.errors[0] as PqwireError).code).toBe('KEY_EXPIRED');
  });

  it('duplex: a client key the server does not trust is UNKNOWN_KEY', async () => {
    const stranger = channel.generateServerKey();
    const h = open({ mode: 'duplex', client: { clientKey: stranger } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'UNKNOWN_KEY']]);
    expect((h.client.errors[0] as PqwireError).code).toBe('UNKNOWN_KEY');
  });

  it('a client in the other mode than the server is refused (PROTOCOL_ERROR)', async () => {
    const h = open({ mode: 'simplex', server: { mode: 'duplex', trustedClients: [clientKey.publicKey] } });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.server.security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'PROTOCOL_ERROR']]);
    expect((h.client.errors[0] as PqwireError).code).toBe('PROTOCOL_ERROR');
  });

  it('a tampered handshake message fails the handshake on both sides', async () => {
    const h = open({ intercept: (chunk, d) => (d === 'b->a' && header(chunk).flag === FLAG.connectResponse ? [flip(chunk, -5)] : undefined) });
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    expect(h.client.security.map((e) => e.type)).toEqual(['handshake-refused']);
    expect(h.client.errors).toHaveLength(1);
    expect(h.server.errors).toHaveLength(1);
    expect(h.client.channel.info).toBeUndefined();
  });

  it('the connection closing during the handshake is an error for the client', async () => {
    const h = open({ intercept: (chunk, d) => (d === 'a->b' ? [] : undefined) });
    await sleep(20);
    h.server.channel.destroy();
    await closed(h.client.channel);
    expect(h.client.errors).toHaveLength(1);
    expect(h.client.errors[0]).toBeInstanceOf(PqwireError);
  });
});

describe('keep-alive and dead peers on injected time', () => {
  it('sends keep-alives after keepAliveSeconds of silence, and the peer stays', async () => {
    const h = await established();
    h.clock.advance(121);
    await until(() => h.client.events.includes('keepalive:receive') && h.server.events.includes('keepalive:receive'));
    expect(h.client.events).toContain('keepalive:send');
    expect(h.server.events).toContain('keepalive:send');
    expect(h.client.channel.secure && h.server.channel.secure).toBe(true);
    h.client.channel.end();
    await bothClosed(h);
  });

  it('closes with DEAD_PEER when nothing arrives for deadPeerSeconds', async () => {
    const h = await established({
      client: { keepAliveSeconds: 10, deadPeerSeconds: 30 },
      server: { keepAliveSeconds: 10, deadPeerSeconds: 30 },
    });
    h.client.raw.sever(); // a network partition: not even the end of the stream gets through
    for (let t = 0; t < 31; t += 5) {
      h.clock.advance(5);
      await sleep(15);
    }
    await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
    for (const side of [h.client, h.server]) {
      expect(side.security.map((e) => [e.type, e.code])).toEqual([['dead-peer', 'DEAD_PEER']]);
      expect(side.channel.closeError?.code).toBe('DEAD_PEER');
      expect(side.errors).toEqual([]);
    }
  });

  it('a peer that never finishes the handshake: DEAD_PEER after deadPeerSeconds (channel clock)', async () => {
    const h = open({ intercept: (_chunk, d) => (d === 'b->a' ? [] : undefined), serverClock: new TestClock() });
    await sleep(20);
    h.clock.advance(301); // the client's clock only
    await closed(h.client.channel);
    expect((h.client.errors[0] as PqwireError).code).toBe('DEAD_PEER');
    expect(h.client.security.map((e) => e.type)).toEqual(['dead-peer']);
    h.server.channel.destroy();
  });

  it('a handshake over the real-time handshakeTimeoutMs is abandoned', async () => {
    const [a] = duplexPair({ intercept: () => [] });
    const c = channel.wrap(a, { role: 'client', serverPublicKey: serverKey.publicKey, handshakeTimeoutMs: 30 });
    const errors: PqwireError[] = [];
    c.on('error', (e: PqwireError) => errors.push(e));
    await closed(c);
    expect(errors.map((e) => e.code)).toEqual(['DEAD_PEER']);
  });
});

describe('backpressure', () => {
  it('a large write through a slow reader completes with bounded buffering', async () => {
    const h = await established({ highWaterMark: 16 * 1024 });
    const total = 4 << 20;
    const payload = randomBytes(total);
    const reader = h.server.channel;
    reader.removeAllListeners('data');
    reader.pause();
    const got = createHash('sha256');
    let received = 0;
    // A slow reader: 64 KiB every few milliseconds.
    const drain = setInterval(() => {
      let chunk: Buffer | null;
      let n = 0;
      while (n < 64 * 1024 && (chunk = reader.read() as Buffer | null) !== null) {
        got.update(chunk);
        n += chunk.length;
        received += chunk.length;
      }
    }, 2);
    let maxChannelBuffered = 0;
    const writer = h.client.channel;
    const done = new Promise<void>((resolve, reject) => writer.write(payload, (e) => (e ? reject(e) : resolve())));
    const sample = setInterval(() => {
      maxChannelBuffered = Math.max(maxChannelBuffered, writer.writableLength);
    }, 1);
    await done;
    await until(() => received === total, 30_000, 'all bytes read');
    clearInterval(drain);
    clearInterval(sample);
    expect(got.digest().equals(createHash('sha256').update(payload).digest())).toBe(true);
    // The raw stream never held much more than its buffer plus one packet...
    expect(h.client.raw.maxWritableLength).toBeLessThan(16 * 1024 + 2 * 65_536 + 1024);
    // ...and the reader's readable buffer stayed bounded too (the raw stream was paused).
    expect(reader.readableLength).toBeLessThan(1 << 20);
    expect(maxChannelBuffered).toBeLessThanOrEqual(total);
    writer.end();
    reader.resume();
    await bothClosed(h);
  });

  it('write() returns false beyond the highWaterMark and drains', async () => {
    const h = await established();
    const w = h.client.channel;
    let ok = true;
    let writes = 0;
    while (ok) {
      ok = w.write(Buffer.alloc(4096));
      writes++;
    }
    expect(writes).toBeGreaterThan(1);
    await new Promise((r) => w.once('drain', r));
    await until(() => Buffer.concat(h.server.data).length === writes * 4096);
    w.end();
    await bothClosed(h);
  });
});

describe('input checks of wrap()', () => {
  const raw = (): Duplex => duplexPair()[0];
  const client = { role: 'client' as const, serverPublicKey: serverKey.publicKey };
  const server = { role: 'server' as const, keys: [serverKey] };

  it('refuses what is not a stream', () => {
    for (const value of [null, 42, 'socket', {}, { write() {} }]) {
      expectThrow(() => channel.wrap(bad(value), client), InvalidTypeError, 'INVALID_TYPE');
    }
  });

  it('refuses bad options with INVALID_TYPE / INVALID_ARGUMENT', () => {
    const cases: [unknown, string][] = [
      [null, 'INVALID_TYPE'],
      [{}, 'INVALID_ARGUMENT'],
      [{ role: 'peer' }, 'INVALID_ARGUMENT'],
      [{ role: 1 }, 'INVALID_TYPE'],
      [{ ...client, serverPublicKey: 'abc' }, 'INVALID_TYPE'],
      [{ ...client, serverPublicKey: undefined }, 'INVALID_TYPE'],
      [{ ...client, mode: 'triplex' }, 'INVALID_ARGUMENT'],
      [{ ...client, mode: 2 }, 'INVALID_TYPE'],
      [{ ...client, mode: 'duplex' }, 'INVALID_ARGUMENT'],
      [{ ...client, clientKey: clientKey.publicKey }, 'INVALID_TYPE'],
      [{ ...client, policy: 'anything-goes' }, 'INVALID_ARGUMENT'],
      [{ ...client, maxPacketSize: 0 }, 'INVALID_ARGUMENT'],
      [{ ...client, maxPacketSize: 1.5 }, 'INVALID_TYPE'],
      [{ ...client, keepAliveSeconds: '120' }, 'INVALID_TYPE'],
      [{ ...client, clock: 5 }, 'INVALID_TYPE'],
      [{ ...client, clock: () => Number.NaN }, 'INVALID_ARGUMENT'],
      [{ ...client, pollIntervalMs: 0 }, 'INVALID_ARGUMENT'],
      [{ ...client, onSecurityEvent: 'log' }, 'INVALID_TYPE'],
      [{ ...client, ratchetEverySeconds: 0 }, 'INVALID_ARGUMENT'],
      [{ ...client, ratchetEverySeconds: '60' }, 'INVALID_TYPE'],
      [{ ...server, ratchetEverySeconds: 1.5 }, 'INVALID_TYPE'],
      [{ ...client, seed: new Uint8Array(5) }, 'BAD_LENGTH'],
      [{ ...server, seed: new Uint8Array(32) }, 'INVALID_ARGUMENT'],
      [{ ...client, keepalive: 10 }, 'INVALID_ARGUMENT'],
      [{ ...client, keys: [serverKey] }, 'INVALID_ARGUMENT'],
      [{ ...server, keys: [] }, 'INVALID_ARGUMENT'],
      [{ ...server, keys: serverKey }, 'INVALID_TYPE'],
      [{ ...server, keys: [serverKey.toFile()] }, 'INVALID_TYPE'],
      [{ ...server, trustedClients: clientKey.publicKey }, 'INVALID_TYPE'],
      [{ ...server, trustedClients: ['abc'] }, 'INVALID_TYPE'],
      [{ ...server, mode: 'duplex' }, 'INVALID_ARGUMENT'],
      [{ ...server, serverPublicKey: serverKey.publicKey }, 'INVALID_ARGUMENT'],
    ];
    for (const [options, code] of cases) {
      let thrown: unknown;
      try {
        channel.wrap(raw(), bad(options));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(options, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))).toBeInstanceOf(PqwireError);
      expect((thrown as PqwireError).code, JSON.stringify(options, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))).toBe(code);
    }
  });

  it('refuses a malformed pinned key or trusted client key before touching the stream', () => {
    const r = raw();
    const write = vi.spyOn(r, 'write');
    expect(() => channel.wrap(r, { ...client, serverPublicKey: new Uint8Array(40) })).toThrow(PqwireError);
    expect(() => channel.wrap(r, { ...server, mode: 'duplex', trustedClients: [new Uint8Array(40)] })).toThrow(PqwireError);
    expect(write).not.toHaveBeenCalled();
  });

  it('refuses a write of something that is not bytes', async () => {
    const h = await established();
    const error = await new Promise<Error | null | undefined>((resolve) => {
      h.client.channel.once('error', resolve);
      h.client.channel.write(bad({ not: 'bytes' }));
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    h.client.channel.destroy();
    h.server.channel.destroy();
  });
});
