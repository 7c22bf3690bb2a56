/**
 * The client's WebSocket to the relay (`GET /v1/ws`, docs/server.md "Relay"): messages
 * in, acknowledgements out. A connection that breaks or whose token expires (4401) is
 * opened again after a second with a fresh token; the server then sends again whatever
 * was not acknowledged, so nothing is lost, and the client drops what it already handled.
 *
 * @example
 * ```ts
 * const live = new LiveConnection(url, getToken, (m) => handle(m), (e) => log(e));
 * await live.open();
 * live.ack(id);
 * ```
 */
import { WebSocket } from 'ws';

/** A message as the relay hands it out (`sender` `null`: sealed). */
export interface RelayedMessage {
  id: string;
  sender: string | null;
  sent: number;
  envelope: string;
}

/** Milliseconds before a broken connection is opened again. */
const RECONNECT_MS = 1000;

export class LiveConnection {
  #socket: WebSocket | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    readonly url: string,
    readonly token: () => Promise<string>,
    readonly onMessage: (m: RelayedMessage) => void,
    readonly onError: (e: Error) => void,
  ) {}

  /** Opens the connection; resolves once the server accepted it. */
  async open(): Promise<void> {
    const token = await this.token();
    if (this.#closed) return;
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${token}` } });
    this.#socket = socket;
    socket.on('message', (data) => {
      let frame: { type?: string } & Partial<RelayedMessage>;
      try {
        frame = JSON.parse(String(data)) as typeof frame;
      } catch {
        return;
      }
      if (frame.type === 'message') this.onMessage({ id: String(frame.id), sender: frame.sender ?? null, sent: Number(frame.sent), envelope: String(frame.envelope) });
    });
    // A failed connection emits `error` then `close`: the close schedules the next try.
    socket.on('close', () => {
      if (this.#socket === socket) this.#reconnectLater();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.on('error', (e) => this.onError(e));
  }

  /** Opens the connection again after {@link RECONNECT_MS}, and again after each failure, until closed. */
  #reconnectLater(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.open().catch((e: Error) => {
        this.onError(e);
        // Also when no socket was made (the login failed), which no close event reports.
        this.#reconnectLater();
      });
    }, RECONNECT_MS);
  }

  /** Acknowledges a handled message (lost with a broken connection: then it comes again). */
  ack(id: string): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ type: 'ack', ids: [id] }));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#socket?.close();
  }
}
