/**
 * The secure channel through its Node adapter, over in-memory stream pairs
 * (docs/channel.md): server keys, handshakes in both modes, data, close, re-key and
 * ratchet, keep-alives on injected time, backpressure, and the checks of wrap()'s input.
 * Refusals are in channel-refusals.test.ts, Duplex client verification in
 * channel-duplex.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { randomBytes, createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { channel, PqwireError } from '../ts/src/index';
import { bad, expectThrow, flip, NOT_BYTES } from './helpers';
import { InvalidArgumentError, InvalidLengthError, InvalidTypeError } from '../ts/src/index';
import { closed, duplexPair, FLAG, header, HEADER_LENGTH, secure, sleep, TestClock, until } from './channel-helpers';
import { bothClosed, clientKey, established, open, serverKey, text, type Side } from './channel-harness';

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
