/**
 * Live delivery over WebSocket (docs/server.md, "Relay"): `GET /v1/ws` with a device's
 * bearer token (the `Authorization` header, or `?token=` where a browser cannot set
 * headers). The server sends every queued message as
 * `{"type":"message","id","sender","sent","envelope"}` (envelope in base64), oldest
 * first, and each new one as it is queued (from any server process on PostgreSQL); the
 * device answers `{"type":"ack","ids":[…]}` once it has processed them, and only then are
 * they deleted. A connection that breaks leaves the unacknowledged messages queued: they
 * come again on the next connection or `GET /v1/messages`.
 *
 * @example
 * ```ts
 * await registerLiveRoute(app, store);
 * ```
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../identity';
import { bearerToken } from './devices';
import { FETCH_LIMIT, outgoing } from './relay';
import { tokenHolder } from './token-cache';
import type { DeviceAddress, QueueListener, QueuedEnvelope, ServerStore } from './store';


/** Largest frame a client may send (an ack of 100 ids is about 4 KiB). */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** Messages sent on one connection and not yet acknowledged, at most. */
export const MAX_UNACKED = 100;
/** Bytes waiting in one connection's send buffer above which nothing more is sent. */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** Live connections one device may hold in one server process. */
export const MAX_CONNECTIONS_PER_DEVICE = 4;
/** Seconds between pings; a connection that did not answer the previous one is dropped. */
export const HEARTBEAT_SECONDS = 30;

/** Close codes: 4401 no valid token, 4429 too many connections, 1008 a frame that is not an ack. */
const UNAUTHORIZED = 4401;
const TOO_MANY = 4429;
const POLICY = 1008;

/** Adds `GET /v1/ws` to `app` (it registers the WebSocket plugin). */
export async function registerLiveRoute(app: FastifyInstance, store: ServerStore): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_CLIENT_FRAME_BYTES } });
  /** The open connections of each device (`account/device`) in this process, told of its new messages. */
  const open = new Map<string, Set<QueueListener>>();
  // One subscription for every connection, each notice handed to its device's connections
  // only: a notice costs the same with ten connections or ten thousand.
  let subscription: Promise<() => void> | undefined;
  const subscribe = (): Promise<() => void> =>
    (subscription ??= store
      .onQueued((d, envelopes) => {
        const targets = d === undefined ? [...open.values()] : [open.get(`${d.account}/${d.device}`) ?? []];
        for (const listeners of targets) for (const listener of listeners) listener(d, envelopes);
      })
      .catch((e: unknown) => {
        subscription = undefined; // the next connection tries again
        throw e;
      }));
  app.addHook('onClose', async () => (await subscription?.catch(() => undefined))?.());
  app.get<{ Querystring: { token?: string } }>('/v1/ws', { websocket: true }, async (socket, request) => {
    // Every handler first, before any await (as @fastify/websocket asks): a frame or a
    // close that comes while the token is checked is then neither lost nor leaked.
    let device: DeviceAddress | undefined;
    let closed = false;
    const early: { data: Buffer; isBinary: boolean }[] = [];
    const sent = new Set<string>();
    let running = false;
    let again = false;
    /**
     * Whether messages may wait unsent: the backlog is not read yet, or delivery stopped at
     * the MAX_UNACKED window or the buffer (an ack resumes it).
     */
    let held = true;

    // The frames of one event-loop turn (acks answered, messages sent) leave in one write:
    // on loopback a write costs about as much as the rest of a message's delivery.
    const tcp = request.raw.socket;
    let corked = false;
    const send = (text: string): void => {
      if (!corked) {
        corked = true;
        tcp.cork();
        setImmediate(() => {
          corked = false;
          tcp.uncork();
        });
      }
      socket.send(text);
    };

    /** A message frame. */
    const frame = (m: QueuedEnvelope): string => JSON.stringify({ type: 'message', ...outgoing(m) });

    /** Sends what is queued and not sent yet, at most MAX_UNACKED unacknowledged at once. */
    const deliver = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          // A client that neither reads nor acks gets nothing more: the server holds at most
          // MAX_UNACKED of its messages and MAX_BUFFERED bytes for it.
          held = sent.size >= MAX_UNACKED || socket.bufferedAmount > MAX_BUFFERED;
          if (closed || !device || held) break;
          for (const m of await store.pending(device, nowSeconds(), MAX_UNACKED + sent.size)) {
            if (closed) break;
            if (sent.has(m.id)) continue;
            if (sent.size >= MAX_UNACKED) {
              held = true;
              break;
            }
            sent.add(m.id);
            send(frame(m));
          }
          // A full window may have left messages behind, unread.
          if (sent.size >= MAX_UNACKED) held = true;
        } while (again && !closed);
      } catch (e) {
        request.log.warn({ err: { message: (e as Error).message } }, 'live delivery failed');
      } finally {
        running = false;
      }
    };

    /**
     * New messages of this device: sent as they are when nothing older can be waiting (no
     * read of the queue under way, nothing held back), which keeps the order and saves
     * reading them back; otherwise the queue is read.
     */
    const offer: QueueListener = (_d, envelopes) => {
      if (envelopes === undefined || running || held || closed) {
        void deliver();
        return;
      }
      for (const m of envelopes) {
        if (sent.has(m.id)) continue;
        if (sent.size >= MAX_UNACKED || socket.bufferedAmount > MAX_BUFFERED) {
          held = true;
          return;
        }
        sent.add(m.id);
        send(frame(m));
      }
    };

    const onFrame = async (data: Buffer, isBinary: boolean): Promise<void> => {
      let ids: unknown;
      try {
        const frame = JSON.parse(isBinary ? '' : data.toString('utf8')) as { type?: unknown; ids?: unknown };
        ids = frame.type === 'ack' ? frame.ids : undefined;
      } catch {
        ids = undefined;
      }
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > FETCH_LIMIT || !ids.every((id) => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id))) {
        socket.close(POLICY, 'expected {"type":"ack","ids":[…]}');
        return;
      }
      await store.acknowledge(device!, ids as string[]);
      for (const id of ids as string[]) sent.delete(id);
      send(JSON.stringify({ type: 'acked', ids }));
      // New messages come with their own notice; only what the window held back waits on acks.
      if (held) await deliver();
    };

    let counted: Set<QueueListener> | undefined;
    let key = '';
    // A ping per HEARTBEAT_SECONDS: a peer that did not answer the last one is gone.
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, HEARTBEAT_SECONDS * 1000);
    heartbeat.unref();
    socket.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      if (counted !== undefined) {
        counted.delete(offer);
        if (counted.size === 0 && open.get(key) === counted) open.delete(key);
      }
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!device) {
        if (early.length < MAX_UNACKED) early.push({ data, isBinary });
        return;
      }
      onFrame(data, isBinary).catch((e: unknown) => request.log.warn({ err: { message: (e as Error).message } }, 'ack failed'));
    });

    const token = bearerToken(request) ?? request.query.token;
    const found = typeof token === 'string' ? await tokenHolder(store, token) : undefined;
    if (closed) return;
    if (!found) {
      socket.close(UNAUTHORIZED, 'a valid bearer token is required');
      return;
    }
    // The connection lasts as long as its token.
    const expiry = setTimeout(() => socket.close(UNAUTHORIZED, 'the token expired'), Math.max(0, found.expires * 1000 - Date.now()));
    expiry.unref();
    socket.on('close', () => clearTimeout(expiry));
    key = `${found.account}/${found.device}`;
    const peers = open.get(key) ?? new Set<QueueListener>();
    if (peers.size >= MAX_CONNECTIONS_PER_DEVICE) {
      socket.close(TOO_MANY, `at most ${MAX_CONNECTIONS_PER_DEVICE} connections per device`);
      return;
    }
    peers.add(offer);
    open.set(key, peers);
    counted = peers;
    device = found;
    await subscribe();
    if (closed) return;
    for (const f of early.splice(0)) await onFrame(f.data, f.isBinary);
    await deliver();
  });
}
