/**
 * Many concurrent clients: at least a thousand TCP connections to one channel server in
 * this process, each completing a handshake and exchanging a message, bounded in time,
 * with nothing left behind once they closed (no connection the server tracks, no open
 * socket or timer). Per-connection server state is measured on every connection.
 */
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { channel, type SecureChannel } from '../ts/src/index';
import { closed, readBytes, until } from './channel-helpers';
import { timeLimit } from './helpers';

const CONNECTIONS = 1000;

/** Counts of the handle kinds that would show a leak. */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

describe('many concurrent clients', () => {
  it(`${CONNECTIONS} TCP connections at once, each echoing a message, and no state left after they close`, async () => {
    const before = openHandles();
    const key = channel.generateServerKey();
    let maxStateBytes = 0;
    let secureConnections = 0;
    const server = channel.createServer({ keys: [key] }, (c) => {
      secureConnections++;
      maxStateBytes = Math.max(maxStateBytes, c.stateBytes);
      c.on('error', () => undefined);
      c.on('data', (d: Buffer) => c.write(d));
    });
    const handshakeErrors: Error[] = [];
    server.on('handshakeError', (e) => handshakeErrors.push(e));
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, () => resolve()));
    const port = (server.address() as AddressInfo).port;

    // Phase 1: every client connects, completes its handshake and gets its echo; all stay
    // open, so the server holds every connection at once.
    const started = performance.now();
    const clients: { channel: SecureChannel; errors: Error[]; latency: number }[] = [];
    const one = async (i: number): Promise<void> => {
      const t0 = performance.now();
      const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: key.publicKey });
      const errors: Error[] = [];
      c.on('error', (e) => errors.push(e));
      const message = `message ${i} `.repeat(4);
      c.write(message);
      const echo = await readBytes(c, Buffer.byteLength(message));
      expect(echo.toString()).toBe(message);
      clients.push({ channel: c, errors, latency: performance.now() - t0 });
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => one(i)));
    const connected = performance.now() - started;
    const peakOpen = server.connections;
    expect(peakOpen).toBe(CONNECTIONS);

    // Phase 2: every client closes with a close packet.
    for (const c of clients) c.channel.end();
    await Promise.all(clients.map((c) => closed(c.channel)));
    const elapsed = performance.now() - started;
    for (const c of clients) {
      expect(c.errors).toEqual([]);
      expect(c.channel.closeReason).toBe('local');
    }
    const latencies = clients.map((c) => c.latency);

    await until(() => server.connections === 0 && server.handshakes === 0, 20_000, 'the server to forget every connection');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(secureConnections).toBe(CONNECTIONS);
    expect(handshakeErrors).toEqual([]);
    expect(maxStateBytes).toBeGreaterThan(0);
    expect(maxStateBytes).toBeLessThan(4096);
    // Every socket, server handle and channel timer is gone.
    await until(() => {
      const now = openHandles();
      return (now.TCPSocketWrap ?? 0) <= (before.TCPSocketWrap ?? 0) && (now.TCPServerWrap ?? 0) <= (before.TCPServerWrap ?? 0) && (now.Timeout ?? 0) <= (before.Timeout ?? 0) + 2;
    }, 20_000, 'open handles to go');

    latencies.sort((a, b) => a - b);
    const p = (q: number): string => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(0);
    console.log(
      `${CONNECTIONS} concurrent channel connections: all secure and echoed in ${connected.toFixed(0)} ms ` +
        `(${((CONNECTIONS / connected) * 1000).toFixed(0)} handshakes+echo per second; per connection p50 ${p(0.5)} ms, p99 ${p(0.99)} ms), ` +
        `${peakOpen} open at once, all closed after ${elapsed.toFixed(0)} ms; server state ${maxStateBytes} B per connection`,
    );
  }, timeLimit(120_000));
});
