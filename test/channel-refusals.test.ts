/**
 * Every refusal of the secure channel through its Node adapter (docs/channel.md):
 * tampered, replayed, reordered, stale and oversized packets, bytes injected on the path,
 * and handshakes refused for their keys or mode — each with its code, a 'security' event,
 * and both sides closed cleanly.
 */
import { describe, expect, it } from 'vitest';
import { channel, PqwireError, KeyManagementError, AuthenticationError, ReplayError, ChannelError, type ChannelSecurityEvent } from '../ts/src/index';
import { expectThrow, flip } from './helpers';
import { InvalidArgumentError } from '../ts/src/index';
import { closed, duplexPair, FLAG, header, HEADER_LENGTH, rawPacket, readBytes, sleep, TestClock, until } from './channel-helpers';
import { bothClosed, clientKey, established, expectRefused, onData, open, serverKey, text, watch } from './channel-harness';

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

