/**
 * The harness of the channel suites: a client and a server end on an in-memory pair whose
 * wire the tests watch and tamper with, and what both sides saw.
 */
import { expect } from 'vitest';
import { channel, PqwireError, type ChannelOptions, type ChannelSecurityEvent, type SecureChannel, type ServerKey, type ServerChannelOptions } from '../ts/src/index';
import { closed, duplexPair, FLAG, header, secure, TestClock, until, type Interceptor, type PairEnd } from './channel-helpers';

// One key for most tests (key generation is the slow part).
export const serverKey = channel.generateServerKey();
export const clientKey = channel.generateServerKey();

export interface Side {
  channel: SecureChannel;
  raw: PairEnd;
  security: ChannelSecurityEvent[];
  errors: Error[];
  data: Buffer[];
  events: string[];
}

export interface Harness {
  client: Side;
  server: Side;
  clock: TestClock;
}

export interface OpenOptions {
  mode?: 'simplex' | 'duplex';
  client?: Partial<ChannelOptions> & { serverPublicKey?: Uint8Array; clientKey?: ServerKey };
  server?: Partial<ChannelOptions> & Partial<Pick<ServerChannelOptions, 'keys' | 'trustedClients' | 'verifyClient'>>;
  intercept?: Interceptor;
  highWaterMark?: number;
  clock?: TestClock;
  /** A clock for the server alone (the client uses `clock`). */
  serverClock?: TestClock;
}

export function watch(c: SecureChannel, raw: PairEnd): Side {
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
export function open(o: OpenOptions = {}): Harness {
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

export async function established(o: OpenOptions = {}): Promise<Harness> {
  const h = open(o);
  await Promise.all([secure(h.client.channel), secure(h.server.channel)]);
  return h;
}

export const text = (side: Side): string => Buffer.concat(side.data).toString();

/** Both ends closed: 'close' emitted, raw streams destroyed, no timers left. */
export async function bothClosed(h: Harness): Promise<void> {
  await Promise.all([closed(h.client.channel), closed(h.server.channel)]);
  await until(() => h.client.raw.destroyed && h.server.raw.destroyed, 5000, 'raw streams destroyed');
  expect(h.client.channel.state).toBe('closed');
  expect(h.server.channel.state).toBe('closed');
}

/** The refusal's shape on both sides: the refusing one and the one told by an error packet. */
export function expectRefused(refuser: Side, told: Side, code: string, type: ChannelSecurityEvent['type'] = 'packet-refused'): void {
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
export function onData(f: (packet: Uint8Array, index: number) => Uint8Array[] | undefined): Interceptor {
  let index = 0;
  return (chunk, direction) => (direction === 'a->b' && header(chunk).flag === FLAG.data ? f(chunk, index++) : undefined);
}
