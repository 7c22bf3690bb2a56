/**
 * The secure channel over real TCP on 127.0.0.1: `channel.createServer` and
 * `channel.connect` in both modes, a refused handshake, a packet tampered with by a
 * proxy on the path, the server's bookkeeping, and the adapters' input checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  channel,
  PqwireError,
  KeyManagementError,
  type ChannelServer,
  type ChannelSecurityEvent,
  type SecureChannel,
} from '../ts/src/index';
import { bad, flip } from './helpers';
import { closed, FLAG, PacketSplitter, readBytes, secure, until } from './channel-helpers';

const serverKey = channel.generateServerKey();
const clientKey = channel.generateServerKey();

const servers: (ChannelServer | net.Server)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** An echo server on 127.0.0.1, an ephemeral port. */
async function echoServer(options: Partial<Parameters<typeof channel.createServer>[0]> = {}): Promise<{ server: ChannelServer; port: number; security: ChannelSecurityEvent[]; handshakeErrors: Error[] }> {
  const security: ChannelSecurityEvent[] = [];
  const handshakeErrors: Error[] = [];
  const server = channel.createServer({ keys: [serverKey], ...options }, (c) => {
    c.on('error', () => undefined);
    c.pipe(c);
  });
  server.on('security', (e) => security.push(e));
  server.on('handshakeError', (e) => handshakeErrors.push(e));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, security, handshakeErrors };
}

async function roundTrip(c: SecureChannel, message: string): Promise<string> {
  c.write(message);
  return (await readBytes(c, Buffer.byteLength(message))).toString();
}

describe('over TCP', () => {
  it('simplex: connect, echo, close; the server forgets the connection', async () => {
    const { server, port } = await echoServer();
    const secureConnections: SecureChannel[] = [];
    server.on('secureConnection', (c) => secureConnections.push(c));
    let onSecureInfo: unknown;
    const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: serverKey.publicKey }, (info) => (onSecureInfo = info));
    const info = await secure(c);
    expect(onSecureInfo).toBe(info);
    expect(info).toMatchObject({ role: 'client', mode: 'simplex', peerKeyId: serverKey.keyId });
    expect(c.remoteAddress).toBe(`127.0.0.1:${port}`);
    expect(await roundTrip(c, 'hello over TCP')).toBe('hello over TCP');
    await until(() => server.connections === 1);
    expect(secureConnections[0]!.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    c.end();
    await closed(c);
    await until(() => server.connections === 0 && server.handshakes === 0);
    expect(c.closeReason).toBe('local');
    expect(secureConnections[0]!.closeReason).toBe('peer');
  });

  it('duplex: both sides authenticate; the server sees the client key', async () => {
    const { server, port } = await echoServer({ mode: 'duplex', trustedClients: [clientKey.publicKey] });
    const seen: (string | undefined)[] = [];
    server.on('secureConnection', (c) => seen.push(c.info?.peerKeyId));
    const c = channel.connect({ port, host: '127.0.0.1', serverPublicKey: serverKey.publicKey, mode: 'duplex', clientKey });
    expect(await roundTrip(c, 'mutual')).toBe('mutual');
    expect(seen).toEqual([clientKey.keyId]);
    c.end();
    await closed(c);
    await until(() => server.connections === 0);
  });

  it('a wrong server key pinned by the client fails the handshake; the server reports it, never as a server error', async () => {
    const { server, port, security, handshakeErrors } = await echoServer();
    const serverErrors: Error[] = [];
    server.on('error', (e) => serverErrors.push(e));
    const impostor = channel.generateServerKey();
    const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: impostor.publicKey });
    const error = await new Promise<PqwireError>((resolve) => c.once('error', resolve));
    expect(error).toBeInstanceOf(KeyManagementError);
    expect(error.code).toBe('UNKNOWN_KEY');
    await closed(c);
    await until(() => handshakeErrors.length === 1 && server.handshakes === 0);
    expect((handshakeErrors[0] as PqwireError).code).toBe('UNKNOWN_KEY');
    expect(security.map((e) => [e.type, e.code])).toEqual([['handshake-refused', 'UNKNOWN_KEY']]);
    expect(serverErrors).toEqual([]);
    expect(server.connections).toBe(0);
  });

  it('a packet tampered with by a proxy on the path: AUTH_FAILED, both sides closed', async () => {
    const { server, port, security } = await echoServer();
    // A proxy that flips a bit in the client's second data packet.
    let dataPackets = 0;
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(port, '127.0.0.1');
      const split = new PacketSplitter();
      inbound.on('data', (chunk) => {
        for (const packet of split.push(chunk)) {
          const tamper = packet[0] === FLAG.data && dataPackets++ === 1;
          outbound.write(tamper ? flip(packet, -1) : packet);
        }
      });
      outbound.pipe(inbound);
      inbound.on('end', () => outbound.end());
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const c = channel.connect({ host: '127.0.0.1', port: (proxy.address() as AddressInfo).port, serverPublicKey: serverKey.publicKey });
    const clientSecurity: ChannelSecurityEvent[] = [];
    c.on('security', (e) => clientSecurity.push(e));
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    expect(await roundTrip(c, 'fine')).toBe('fine');
    c.write('tampered');
    await closed(c);
    await until(() => server.connections === 0);
    expect(security.map((e) => [e.type, e.code])).toEqual([['packet-refused', 'AUTH_FAILED']]);
    expect(clientSecurity.map((e) => [e.type, e.code])).toEqual([['peer-error', 'AUTH_FAILED']]);
    expect(errors).toEqual([]);
    expect(c.closeError?.code).toBe('AUTH_FAILED');
  });

  it('works over a Unix socket path as well (listen(path), connect({ path }))', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pqwire-channel-')), 'echo.sock');
    const server = channel.createServer({ keys: [serverKey] }, (c) => c.pipe(c));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, () => resolve()));
    const c = channel.connect({ path, serverPublicKey: serverKey.publicKey });
    expect(await roundTrip(c, 'over a pipe')).toBe('over a pipe');
    c.end();
    await closed(c);
  });

  it('connecting to a closed port is an error of the socket', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = channel.connect({ host: '127.0.0.1', port, serverPublicKey: serverKey.publicKey });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => c.once('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
    await closed(c);
  });

  it('closeAllConnections() ends every secure connection with a close packet', async () => {
    const { server, port } = await echoServer();
    const clients = [0, 1, 2].map(() => channel.connect({ host: '127.0.0.1', port, serverPublicKey: serverKey.publicKey }));
    await Promise.all(clients.map(secure));
    await until(() => server.connections === 3);
    for (const c of clients) c.resume();
    server.closeAllConnections();
    await Promise.all(clients.map(closed));
    expect(clients.map((c) => c.closeReason)).toEqual(['peer', 'peer', 'peer']);
    await until(() => server.connections === 0);
  });

  it('an idle client that never speaks is dropped after handshakeTimeoutMs', async () => {
    const { server, port, handshakeErrors } = await echoServer({ handshakeTimeoutMs: 50 });
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    await until(() => server.handshakes === 1);
    await new Promise((resolve) => raw.once('close', resolve));
    expect((handshakeErrors[0] as PqwireError).code).toBe('DEAD_PEER');
    expect(server.handshakes).toBe(0);
  });
});

describe('input checks of connect() and createServer()', () => {
  const base = { host: '127.0.0.1', port: 1, serverPublicKey: serverKey.publicKey };

  it('connect refuses bad options before opening a socket', () => {
    const cases: [unknown, string][] = [
      [undefined, 'INVALID_TYPE'],
      [{ ...base, port: undefined }, 'INVALID_TYPE'],
      [{ ...base, port: '443' }, 'INVALID_TYPE'],
      [{ ...base, port: 0 }, 'INVALID_ARGUMENT'],
      [{ ...base, port: 70000 }, 'INVALID_ARGUMENT'],
      [{ ...base, host: 127 }, 'INVALID_TYPE'],
      [{ ...base, path: '/tmp/x.sock' }, 'INVALID_ARGUMENT'],
      [{ ...base, noDelay: 'yes' }, 'INVALID_TYPE'],
      [{ ...base, serverPublicKey: 'pinned' }, 'INVALID_TYPE'],
      [{ ...base, serverPublicKey: new Uint8Array(12) }, 'BAD_MAGIC'],
      [{ ...base, keys: [serverKey] }, 'INVALID_ARGUMENT'],
      [{ ...base, mode: 'duplex' }, 'INVALID_ARGUMENT'],
    ];
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    for (const [options, code] of cases) {
      let thrown: unknown;
      try {
        channel.connect(bad(options));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(PqwireError);
      if (code !== 'BAD_MAGIC') expect((thrown as PqwireError).code, JSON.stringify(options)).toBe(code);
    }
    expect(() => channel.connect(base, bad('not a function'))).toThrow(PqwireError);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length).toBe(before);
  });

  it('createServer refuses bad options', () => {
    const cases: [unknown, string][] = [
      [null, 'INVALID_TYPE'],
      [{}, 'INVALID_TYPE'],
      [{ keys: [] }, 'INVALID_ARGUMENT'],
      [{ keys: [serverKey.publicKey] }, 'INVALID_TYPE'],
      [{ keys: [serverKey], noDelay: 1 }, 'INVALID_TYPE'],
      [{ keys: [serverKey], mode: 'duplex' }, 'INVALID_ARGUMENT'],
      [{ keys: [serverKey], port: 443 }, 'INVALID_ARGUMENT'],
      [{ keys: [serverKey], windowSeconds: -5 }, 'INVALID_TYPE'],
    ];
    for (const [options, code] of cases) {
      let thrown: unknown;
      try {
        channel.createServer(bad(options));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(PqwireError);
      expect((thrown as PqwireError).code, JSON.stringify(options)).toBe(code);
    }
    expect(() => channel.createServer({ keys: [serverKey] }, bad(42))).toThrow(PqwireError);
  });
});
