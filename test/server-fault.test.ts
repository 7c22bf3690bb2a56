/**
 * The relay's fault test (issue 18, docs/server.md "Relay"): a client sends under load
 * while the server is killed with SIGKILL and restarted on the same database; every send
 * the server acknowledged (HTTP 200) reaches the receiving application exactly once.
 *
 * Delivery is at least once (a send whose answer was lost is retried, and a message is
 * kept until its device acknowledges it), so the application drops repeats by an id of
 * its own inside the envelope: here the sequence number the sender chose.
 *
 * Also real processes side by side: two on one SQLite file (one-time prekeys), and two on
 * one PostgreSQL database with clients on each (live delivery across them).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryPrekeyStore, createIdentity, createPrekeyBatch, decodeMessage } from '../ts/src/index';
import type { Identity } from '../ts/src/index';
import { LOGIN_CONTEXT, REGISTER_CONTEXT, challengeData } from '../ts/src/server';
import { Client } from '../ts/src/client';
import { startPostgres } from './pg-cluster';
import { timeLimit } from './helpers';

const CLI = join(__dirname, '..', 'bin', 'pqwire.js');
const dir = mkdtempSync(join(tmpdir(), 'pqwire-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = startPostgres();

/** Starts `pqwire serve` on `db` and `port` (0: any); resolves with its URL. */
function start(db: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`pqwire serve exited with ${code}: ${out}`)));
  });
}

async function post(url: string, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });
}

async function login(url: string, account: string, identity: Identity, register: boolean): Promise<string> {
  const answer = async (context: Uint8Array) => {
    const { challenge } = (await (await post(url, '/v1/auth/challenge', { account, device: 1 })).json()) as { challenge: string };
    return { account, device: 1, challenge, signature: Buffer.from(identity.sign(challengeData(account, 1, challenge), { context })).toString('hex') };
  };
  if (register) expect((await post(url, '/v1/devices', { ...(await answer(REGISTER_CONTEXT)), identity: identity.publicIdentity.toJSON() })).status).toBe(201);
  return ((await (await post(url, '/v1/auth/token', await answer(LOGIN_CONTEXT))).json()) as { token: string }).token;
}

describe('SIGKILL under load', () => {
  it('every acknowledged send is delivered exactly once to the application', async () => {
    const db = join(dir, 'fault.db');
    let server = await start(db, 0);
    const port = Number(new URL(server.url).port);
    const sender = createIdentity();
    const receiver = createIdentity();
    let senderToken = await login(server.url, 'sender', sender, true);
    await login(server.url, 'receiver', receiver, true);
    const fingerprint = receiver.publicIdentity.fingerprint;

    const acknowledged = new Set<number>();
    const TOTAL = 300;
    let killed = false;
    // Four concurrent senders; each send retried until the server answers 200.
    const sendOne = async (seq: number): Promise<void> => {
      for (;;) {
        try {
          const envelope = Buffer.from(JSON.stringify({ seq })).toString('base64');
          const res = await post(server.url, '/v1/messages/receiver', { messages: [{ device: 1, fingerprint, envelope }] }, senderToken);
          if (res.status === 200) {
            acknowledged.add(seq);
            return;
          }
          if (res.status === 401) senderToken = await login(server.url, 'sender', sender, false);
        } catch {
          // The server is down (killed): wait for the restart, then retry.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const queue = Array.from({ length: TOTAL }, (_, i) => i);
    const worker = async () => {
      for (let seq = queue.shift(); seq !== undefined; seq = queue.shift()) {
        await sendOne(seq);
        if (!killed && acknowledged.size >= TOTAL / 3) {
          killed = true;
          // SIGKILL mid-load: no drain, no close; then a new process on the same file and port.
          const exited = new Promise((r) => server.child.once('exit', r));
          server.child.kill('SIGKILL');
          await exited;
          server = await start(db, port);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(killed).toBe(true);
    expect(acknowledged.size).toBe(TOTAL);

    // The receiving application: reads its queue, drops repeats by its own id, acknowledges.
    const receiverToken = await login(server.url, 'receiver', receiver, false);
    const seen = new Map<number, number>();
    for (;;) {
      const res = await fetch(`${server.url}/v1/messages`, { headers: { authorization: `Bearer ${receiverToken}` } });
      const { messages } = (await res.json()) as { messages: { id: string; envelope: string }[] };
      if (messages.length === 0) break;
      for (const m of messages) {
        const { seq } = JSON.parse(Buffer.from(m.envelope, 'base64').toString()) as { seq: number };
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
      }
      await post(server.url, '/v1/messages/ack', { ids: messages.map((m) => m.id) }, receiverToken);
    }
    const delivered = [...seen.keys()].sort((a, b) => a - b);
    expect(delivered).toEqual([...acknowledged].sort((a, b) => a - b)); // nothing acknowledged was lost
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, timeLimit(60_000));
});

describe('two server processes on one SQLite file', () => {
  it('never hand out the same one-time prekey twice', async () => {
    const db = join(dir, 'two.db');
    const a = await start(db, 0);
    const b = await start(db, 0);
    try {
      const owner = createIdentity();
      const fetcher = createIdentity();
      const ownerToken = await login(a.url, 'owner', owner, true);
      const fetcherToken = await login(b.url, 'fetcher', fetcher, true);
      const upload = await createPrekeyBatch(owner, { prekeyStore: new InMemoryPrekeyStore(), oneTimeCount: 30, oneTimeKemCount: 30 });
      const put = await fetch(`${a.url}/v1/prekeys`, { method: 'PUT', headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/octet-stream' }, body: Buffer.from(upload) });
      expect(put.status).toBe(200);
      // 40 fetches at once, alternating between the two processes.
      const bundles = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const res = await fetch(`${(i % 2 ? a : b).url}/v1/prekeys/owner/1`, { headers: { authorization: `Bearer ${fetcherToken}` } });
          expect(res.status).toBe(200);
          return new Uint8Array(await res.arrayBuffer());
        }),
      );
      const oneTime = bundles.map((bundle) => decodeMessage(bundle, 'prekey-bundle').oneTimePrekey).filter((k) => k !== undefined).map((k) => Buffer.from(k!).readUInt32BE(0));
      expect(oneTime).toHaveLength(30);
      expect(new Set(oneTime).size).toBe(30);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
    }
  }, timeLimit(60_000));
});

describe.runIf(pg !== undefined)('two pqwire serve processes on one PostgreSQL database', () => {
  it('clients connected to different processes message each other live (LISTEN/NOTIFY), sealed or not', async () => {
    const a = await start(pg!.url, 0);
    const b = await start(pg!.url, 0);
    const alice = await Client.open({ url: a.url, account: 'alice-2p' });
    const bob = await Client.open({ url: b.url, account: 'bob-2p' });
    try {
      await alice.connect();
      await bob.connect();
      const got: string[] = [];
      const all = new Promise<void>((resolve) =>
        bob.on('message', (m: { plaintext: Uint8Array }) => {
          got.push(new TextDecoder().decode(m.plaintext));
          if (got.length === 6) resolve();
        }),
      );
      for (let i = 0; i < 6; i++) await alice.send('bob-2p', new TextEncoder().encode(`m${i}`), { sealed: i % 2 === 1 });
      await all;
      expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    } finally {
      await alice.close();
      await bob.close();
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
    }
  }, timeLimit(60_000));
});
