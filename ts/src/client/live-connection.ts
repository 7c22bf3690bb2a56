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
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${await this.token()}` } });
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
    socket.on('close', () => {
      if (this.#closed || this.#socket !== socket) return;
      this.#retry = setTimeout(() => this.open().catch((e: Error) => (this.onError(e), socket.emit('close'))), RECONNECT_MS);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.on('error', (e) => this.onError(e));
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
