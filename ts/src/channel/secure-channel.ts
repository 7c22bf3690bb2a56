/**
 * {@link SecureChannel}: the online channel (docs/channel.md) as a Node `Duplex`
 * stream over any raw byte stream — a TCP socket, a pipe, a WebSocket stream, an
 * in-memory pair. The sans-I/O state machine in the native core does every check; this
 * adapter moves bytes between it and the raw stream, keeps time, and turns its events
 * into stream events.
 *
 * @example
 * ```ts
 * import { channel } from 'pqwire';
 * import { connect } from 'node:net';
 *
 * const socket = connect(4433, 'server.example');
 * const secure = channel.wrap(socket, { role: 'client', serverPublicKey: pinnedKey });
 * secure.on('secure', (info) => console.log('secure with', info.peerKeyId));
 * secure.on('security', (e) => console.warn('channel refused', e.code));
 * secure.end('hello');                // buffered until the handshake is done
 * secure.on('data', (d) => console.log(d.toString()));
 * ```
 */
import { Duplex, finished } from 'node:stream';
import { call, fromNative, isErrorCode, makeError, PqwireError } from '../errors';
import { describe } from '../bytes';
import { toHex } from '../hex';
import { deliver } from '../security-events';
import type { ChannelEvent, ChannelOutput, NativeChannelHandle } from './native';
import { readClock } from './options';
import type { ChannelMode, CheckedOptions } from './options';
import { afterDrain, releaseRaw } from './raw';
import { ChannelTimers } from './timers';
import type { MaybeSocket } from './raw';
import type { ServerKeyInfo } from './server-key';
import { StepQueue } from './step-queue';
import type { ClientAdmission } from './admission';
import type { Step } from './step-queue';
import { refusalType, secureInfo } from './events';
import type { ChannelSecurityEvent, ChannelSecurityEventListener, CloseReason, SecureChannelEvents, SecureInfo } from './events';


/** Configuration of a channel end, checked. @internal */
export interface ChannelSetup extends CheckedOptions {
  role: 'client' | 'server';
  /** Plaintext bytes per data packet. */
  maxPlaintext: number;
  /** The peer's key facts by key id (hex), when known in advance. */
  peerKeys: Map<string, ServerKeyInfo>;
  /** A server with `verifyClient`: looks up the key the first packet names. */
  admission?: ClientAdmission | undefined;
}

/** The core's default `maxPacketSize` (docs/channel.md §12). */
const DEFAULT_MAX_PACKET_SIZE = 65_536;
/** The AEAD tag in every data packet's payload. */
const TAG_LENGTH = 16;

/** Plaintext bytes of one full data packet. @internal */
export function maxPlaintext(o: CheckedOptions): number {
  return Math.max(1, (o.native.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE) - TAG_LENGTH);
}


/**
 * One end of a secure channel: a `Duplex` whose writable side encrypts into packets on
 * the raw stream and whose readable side gives the peer's plaintext.
 *
 * **Events.** `'secure'` (a {@link SecureInfo}) once the handshake is done; `'rekey'`
 * after each symmetric re-key and `'ratchet'` after each asymmetric ratchet (either side's);
 * `'keepalive'` when a keep-alive was sent or arrived (`'send'` / `'receive'`, as for
 * `'rekey'`); `'security'` (a
 * {@link ChannelSecurityEvent}) for every refusal; then the usual `'end'`, `'finish'` and
 * `'close'`.
 *
 * **Errors.** Once the channel is secure, a refused packet is *not* an `'error'`: the
 * channel reports a `'security'` event, sends the peer an error packet, ends both sides
 * of the stream and closes the connection ({@link SecureChannel.closeReason} is
 * `'error'`, {@link SecureChannel.closeError} holds the typed error). A forged packet
 * must not be able to crash a server through an unhandled `'error'`. A write that was
 * under way when the channel closed (the peer's close packet crossed it) is not sent; its
 * callback gets the error once the readable side has ended, without an `'error'` event.
 * `'error'` is emitted where Node streams require it: a handshake that fails (the stream
 * never became what it promised; `wrap`/`connect` users see why), an error of the raw
 * stream before the channel closed (`ECONNRESET`), a write refused by the core, and, as
 * for every Node stream, a `write()` after the writable side ended — which it does when
 * the channel closes.
 *
 * **Backpressure.** A write's callback runs once the raw stream accepted its packets
 * (or drained), so `write()` returns `false` and `'drain'` follow the raw stream; writes
 * before `'secure'` are held (their callback waits) until the channel is secure. When
 * the reader does not keep up, the raw stream is paused.
 *
 * **Time.** The channel's clock (`clock`, unix seconds) stamps and checks every packet;
 * a timer every `pollIntervalMs` (unref'd: it never keeps the process alive) sends
 * keep-alives and detects a dead peer.
 *
 * @example
 * ```ts
 * const secure = channel.connect({ host: '127.0.0.1', port, serverPublicKey }, () => {
 *   secure.write('ping');
 * });
 * secure.on('data', (d) => { console.log(d.toString()); secure.end(); });
 * ```
 */
export class SecureChannel extends Duplex {
  /**
   * Which end this is.
   *
   * @example
   * ```ts
   * secure.role; // 'client'
   * ```
   */
  readonly role: 'client' | 'server';
  /**
   * `simplex` or `duplex`.
   *
   * @example
   * ```ts
   * secure.mode; // 'simplex'
   * ```
   */
  readonly mode: ChannelMode;

  readonly #raw: Duplex;
  #native: NativeChannelHandle;
  readonly #setup: ChannelSetup;
  readonly #started = Date.now();
  readonly #steps = new StepQueue({
    now: () => this.#now(),
    stopped: () => (this.destroyed ? closedChannel() : undefined),
    apply: (out) => this.#apply(out),
    failed: (step, e) => this.#stepFailed(step, e),
  });
  readonly #heldWrites: { chunk: Uint8Array; callback: (error?: Error | null) => void }[] = [];
  readonly #afterClose: ((error?: Error | null) => void)[] = [];
  #pollQueued = false;
  #state: 'handshake' | 'established' | 'closed' = 'handshake';
  #info: SecureInfo | undefined;
  #finalWaiting: ((error?: Error | null) => void) | undefined;
  #closeReason: CloseReason | undefined;
  #closeError: PqwireError | undefined;
  #rawBlocked = false;
  #bytesRead = 0;
  #bytesWritten = 0;
  #remoteAddress: string | undefined;
  /** The client key a `verifyClient` callback gave. */
  #admitted: ServerKeyInfo | undefined;
  readonly #timers: ChannelTimers;
  readonly #onRawData = (chunk: Buffer | string): void => this.#rawData(chunk);
  readonly #onRawEnd = (): void => this.#rawEnded();
  readonly #onRawError = (error: Error): void => this.#rawError(error);
  readonly #onRawClose = (): void => this.#rawEnded();
  readonly #onRawDrain = (): void => {
    this.#rawBlocked = false;
  };

  /** @internal Use {@link wrap}, {@link connect} or {@link createServer}. */
  constructor(raw: Duplex, handle: NativeChannelHandle, setup: ChannelSetup) {
    super({ allowHalfOpen: false });
    this.#raw = raw;
    this.#native = handle;
    this.#setup = setup;
    this.role = setup.role;
    this.mode = setup.mode;
    // Remember the peer's address while the socket has one (a client's: once connected).
    if (this.remoteAddress === undefined) raw.once('connect', () => this.remoteAddress);

    raw.on('data', this.#onRawData);
    raw.on('end', this.#onRawEnd);
    raw.on('error', this.#onRawError);
    raw.on('close', this.#onRawClose);
    raw.on('drain', this.#onRawDrain);

    this.#timers = new ChannelTimers(setup, () => this.#poll(), () => this.#handshakeTimedOut());
    // Start on the next tick, so that every listener attached after construction sees
    // all events (a client with an expired pinned key fails at once).
    process.nextTick(() => this.#steps.push({ run: (now) => this.#native.start(now), fatal: true }));
  }

  /**
   * The peer's address (`host:port`) when the raw stream is a socket, once connected
   * (kept after the socket closed).
   *
   * @example
   * ```ts
   * server.on('secureConnection', (c) => log.info(`client ${c.remoteAddress}`));
   * ```
   */
  get remoteAddress(): string | undefined {
    if (this.#remoteAddress === undefined) {
      const socket = this.#raw as unknown as MaybeSocket;
      if (typeof socket.remoteAddress === 'string') this.#remoteAddress = `${socket.remoteAddress}:${socket.remotePort ?? ''}`;
    }
    return this.#remoteAddress;
  }

  /**
   * Bytes read from the raw stream: packets with their headers, handshake included.
   *
   * @example
   * ```ts
   * secure.on('close', () => metrics.add('channel.bytes_in', secure.bytesRead));
   * ```
   */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * Bytes written to the raw stream: packets with their headers, handshake included.
   *
   * @example
   * ```ts
   * secure.once('secure', () => console.log(`handshake sent ${secure.bytesWritten} B`));
   * ```
   */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /**
   * `'handshake'`, `'established'` or `'closed'`.
   *
   * @example
   * ```ts
   * if (secure.state === 'established') secure.ratchet();
   * ```
   */
  get state(): 'handshake' | 'established' | 'closed' {
    return this.#state;
  }

  /**
   * Whether the handshake is done and the channel not closed.
   *
   * @example
   * ```ts
   * if (!secure.secure) await once(secure, 'secure');
   * ```
   */
  get secure(): boolean {
    return this.#state === 'established';
  }

  /**
   * What the handshake settled; `undefined` before `'secure'`.
   *
   * @example
   * ```ts
   * const peer = secure.info?.peerKeyId;
   * ```
   */
  get info(): SecureInfo | undefined {
    return this.#info;
  }

  /**
   * Why the channel closed; `undefined` while open.
   *
   * @example
   * ```ts
   * secure.on('close', () => console.log(secure.closeReason)); // 'local', 'peer', 'error' or 'transport'
   * ```
   */
  get closeReason(): CloseReason | undefined {
    return this.#closeReason;
  }

  /**
   * The refusal or failure that closed the channel, when {@link closeReason} is `'error'`.
   *
   * @example
   * ```ts
   * secure.on('close', () => secure.closeError && log.warn(`${secure.closeError.code}: ${secure.closeError.message}`));
   * ```
   */
  get closeError(): PqwireError | undefined {
    return this.#closeError;
  }

  /**
   * Bytes of native memory this channel's state holds (keys, counters, buffers): what
   * a server pays per connection.
   *
   * @example
   * ```ts
   * server.on('secureConnection', (c) => metrics.observe('channel.state_bytes', c.stateBytes));
   * ```
   */
  get stateBytes(): number {
    return call(() => this.#native.stateBytes);
  }

  /**
   * Advances the channel keys now (a symmetric re-key: both directions move to keys
   * derived from the current ones; the peer follows on the next packet). Also happens
   * every `rekeyEveryPackets` packets. The callback runs once the re-key packet went to
   * the raw stream; without one, a failure closes the channel.
   *
   * @example
   * ```ts
   * secure.rekey((err) => { if (!err) log.info('re-keyed'); });
   * ```
   */
  rekey(callback?: (error?: Error) => void): this {
    return this.#userStep('rekey', (now) => this.#native.rekey(now), callback);
  }

  /**
   * Runs an asymmetric ratchet now: a fresh KEM exchange inside the channel, so keys
   * after it do not follow from keys before it (post-compromise security). The peer
   * answers; `'ratchet'` is emitted on both sides once it completes.
   *
   * @example
   * ```ts
   * setInterval(() => secure.ratchet(), 10 * 60_000).unref();
   * ```
   */
  ratchet(callback?: (error?: Error) => void): this {
    return this.#userStep('ratchet', (now) => this.#native.ratchet(now), callback);
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!(chunk instanceof Uint8Array)) {
      callback(makeError('INVALID_TYPE', `data must be bytes or a string, got ${describe(chunk)}`));
      return;
    }
    if (this.#state === 'handshake') {
      this.#heldWrites.push({ chunk, callback });
      return;
    }
    this.#send(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#state === 'handshake') {
      // end() before the handshake finished: finish it, then close.
      this.#finalWaiting = callback;
      return;
    }
    if (this.#state === 'closed') {
      this.#endRaw(() => callback());
      return;
    }
    this.#steps.push({
      run: (now) => {
        this.#closeReason ??= 'local';
        return this.#native.close(now);
      },
      fatal: true,
      done: () => this.#endRaw(() => callback()),
    });
  }

  override _read(): void {
    if (this.#raw.isPaused() && this.#state !== 'closed') this.#raw.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#timers.stop();
    const closedError = error ?? closedChannel();
    this.#steps.drain(closedError);
    for (const held of this.#heldWrites.splice(0)) held.callback(closedError);
    const lateError = this.#closeError ?? closedError;
    for (const callback of this.#afterClose.splice(0)) callback(lateError);
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#closeReason ??= error ? 'error' : 'transport';
      // Wipe the keys now rather than at garbage collection; nothing more is sent.
      if (!this.#steps.busy) {
        try {
          this.#native.close(this.#now());
        } catch {
          // already closed, or the clock failed: nothing to wipe then
        }
      }
    }
    this.#raw.off('data', this.#onRawData);
    this.#raw.off('end', this.#onRawEnd);
    this.#raw.off('close', this.#onRawClose);
    this.#raw.off('drain', this.#onRawDrain);
    // The raw stream's late errors (EPIPE, ECONNRESET) no longer matter: #onRawError stays
    // attached and ignores them.
    releaseRaw(this.#raw);
    callback(error);
  }

  // ---- the step queue ----

  #stepFailed(op: Step, e: unknown): void {
    const error = fromNative(e);
    if (op.fatal && this.#state !== 'closed') {
      this.#refused(error, 'refused');
      this.#closed();
    }
    op.done?.(error);
  }

  #now(): number {
    return readClock(this.#setup.clock);
  }

  // ---- applying the state machine's output ----

  #apply(out: ChannelOutput): void {
    const transmit = out.transmit;
    if (transmit.length > 0 && !this.#raw.destroyed && !this.#raw.writableEnded) {
      const cork = transmit.length > 1;
      if (cork) this.#raw.cork();
      for (const packet of transmit) {
        this.#bytesWritten += packet.length;
        if (!this.#raw.write(packet)) this.#rawBlocked = true;
      }
      if (cork) this.#raw.uncork();
    }
    for (const event of out.events) {
      if (event.type === 'secure') this.#becameSecure(event);
    }
    for (const plaintext of out.received) {
      if (!this.push(plaintext)) this.#raw.pause();
    }
    for (const event of out.events) this.#event(event);
    if (out.closed) this.#closed();
  }

  #event(event: ChannelEvent): void {
    switch (event.type) {
      case 'secure':
        return;
      case 'rekey':
      case 'keepalive':
        this.emit(event.type, event.direction);
        return;
      case 'ratchet':
        this.emit('ratchet');
        return;
      case 'close':
        this.#closeReason ??= 'peer';
        return;
      case 'error':
        this.#refused(eventError(event), event.remote === true ? 'peer' : 'refused');
        return;
      default:
        // An event this adapter does not know yet: newer core, older facade. Ignore it.
        return;
    }
  }

  #becameSecure(event: ChannelEvent): void {
    if (this.#state !== 'handshake') return;
    this.#state = 'established';
    this.#timers.handshakeDone();
    const peerKeyIdBytes = call(() => this.#native.peerKeyId);
    const peerKeyId = peerKeyIdBytes ? toHex(peerKeyIdBytes) : undefined;
    const peerKey = peerKeyId === undefined ? undefined : (this.#setup.peerKeys.get(peerKeyId) ?? this.#admitted);
    const secure = { establishedAt: this.#now(), handshakeMs: Date.now() - this.#started };
    this.#info = secureInfo(this, { peerKeyId, peerKey, ...secure }, event);
    this.emit('secure', this.#info);
    for (const held of this.#heldWrites.splice(0)) this.#send(held.chunk, held.callback);
    const waiting = this.#finalWaiting;
    this.#finalWaiting = undefined;
    if (waiting) this._final(waiting);
  }

  /** A refusal (ours or the peer's): remember it, report it. */
  #refused(error: PqwireError, source: 'refused' | 'peer' | 'dead'): void {
    if (this.#closeError) return;
    this.#closeError = error;
    this.#closeReason = 'error';
    const type = refusalType(error.code, source, this.#state === 'handshake');
    this.#report({ type, code: error.code, message: error.message, error });
  }

  #report(event: Omit<ChannelSecurityEvent, 'role' | 'remoteAddress' | 'secure' | 'time'>): void {
    const full: ChannelSecurityEvent = {
      ...event,
      role: this.role,
      remoteAddress: this.remoteAddress,
      secure: this.#state === 'established' || this.#info !== undefined,
      time: Date.now(),
    };
    deliver<ChannelSecurityEvent>(full, [
      this.#setup.onSecurityEvent as ChannelSecurityEventListener | undefined,
      (e) => this.emit('security', e),
    ]);
  }

  /** The state machine closed (close packet either way, a refusal, a dead peer). */
  #closed(): void {
    if (this.#state === 'closed') return;
    const wasSecure = this.#state === 'established';
    this.#state = 'closed';
    this.#timers.stop();
    this.#raw.resume();
    if (!wasSecure) {
      // The handshake failed: the stream never became secure, so this is an error.
      const error = this.#closeError ?? makeError('PROTOCOL_ERROR', 'the channel closed during the handshake');
      this.#endRaw(() => undefined);
      this.destroy(error);
      return;
    }
    this.push(null);
    const closeError = this.#closeError;
    for (const held of this.#heldWrites.splice(0)) held.callback(closeError ?? closedChannel());
    this.#endRaw(() => undefined);
    if (!this.writableEnded) this.end();
  }

  /** Ends the raw stream once everything written to it is flushed. */
  #endRaw(callback: () => void): void {
    const raw = this.#raw;
    if (raw.destroyed || raw.writableFinished) {
      callback();
      return;
    }
    if (!raw.writableEnded) raw.end();
    finished(raw, { readable: false }, () => callback());
  }

  // ---- the raw stream ----

  #rawData(chunk: Buffer | string): void {
    if (this.#state === 'closed') return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#bytesRead += bytes.length;
    if (this.#setup.admission) return this.#admit(this.#setup.admission, bytes);
    this.#steps.push({
      // Checked when the step runs: the handshake's crypto goes to the thread pool.
      run: (now) => (this.#state === 'handshake' ? this.#native.receiveAsync(bytes, now) : this.#native.receive(bytes, now)),
      fatal: true,
    });
  }

  /** A server with `verifyClient`: the first packet waits until its client key was looked up. */
  #admit(admission: ClientAdmission, bytes: Uint8Array): void {
    const first = admission.collect(bytes);
    if (first === undefined) return;
    this.#setup.admission = undefined;
    this.#steps.push({
      run: async () => {
        this.#native = (await admission.handle(first, this.remoteAddress, () => this.#now())) ?? this.#native;
        this.#admitted = admission.peer;
        return this.#native.receiveAsync(first, this.#now());
      },
      fatal: true,
    });
  }

  /** The raw stream ended or closed: after the bytes before it were processed. */
  #rawEnded(): void {
    this.#steps.push({
      run: () => {
        if (this.#state === 'closed') return undefined;
        if (this.#state === 'handshake') {
          this.#closeReason = 'error';
          this.#closeError ??= makeError('PROTOCOL_ERROR', 'the connection closed during the handshake');
          this.#closed();
          return undefined;
        }
        this.#closeReason = 'transport';
        this.#report({ type: 'truncated', message: 'the connection ended without a close packet: data may be missing' });
        this.#closed();
        return undefined;
      },
      fatal: false,
    });
  }

  #rawError(error: Error): void {
    if (this.#state === 'closed' || this.destroyed) return;
    this.#closeReason = 'transport';
    this.destroy(error);
  }

  // ---- writing and timers ----

  /**
   * Sends `chunk` one packet's worth at a time, each after the raw stream accepted the
   * previous one: a single large write never piles more than a packet beyond the raw
   * stream's own buffer.
   */
  #send(chunk: Uint8Array, callback: (error?: Error | null) => void): void {
    const size = this.#setup.maxPlaintext;
    const piece = chunk.length > size ? chunk.subarray(0, size) : chunk;
    let tooLate = false;
    this.#steps.push({
      run: (now) => {
        if (this.#state === 'closed') {
          tooLate = true;
          return undefined;
        }
        return this.#native.send(piece, now);
      },
      fatal: false,
      done: (error) => {
        if (tooLate || this.destroyed) this.#failAfterClose(callback);
        else if (error) callback(error);
        else if (piece.length < chunk.length) this.#whenRawAccepts(() => this.#send(chunk.subarray(size), callback));
        else this.#whenRawAccepts(callback);
      },
    });
  }

  /**
   * A write that met a closed channel (typically: written while the peer's close packet
   * was on its way) cannot be sent. Its callback gets the error once the stream is
   * destroyed — right after the readable side ended, so no received data is lost — which
   * keeps it from becoming an `'error'` event that could crash a server over a race.
   */
  #failAfterClose(callback: (error?: Error | null) => void): void {
    if (this.destroyed) {
      callback(this.#closeError ?? closedChannel());
      return;
    }
    this.#afterClose.push(callback);
    if (this.#afterClose.length > 1) return;
    if (this.readableEnded) process.nextTick(() => this.destroy());
    else this.once('end', () => this.destroy());
  }

  /** Calls back at once, or when the raw stream drains (or goes away). */
  #whenRawAccepts(callback: (error?: Error | null) => void): void {
    const raw = this.#raw;
    if (this.#rawBlocked && !raw.destroyed && raw.writableNeedDrain !== false) return afterDrain(raw, callback);
    this.#rawBlocked = false;
    callback();
  }

  #poll(): void {
    if (this.#pollQueued || this.#state === 'closed') return;
    this.#pollQueued = true;
    this.#steps.push({
      run: (now) => {
        this.#pollQueued = false;
        return this.#state === 'closed' ? undefined : this.#native.poll(now);
      },
      fatal: true,
    });
  }

  #handshakeTimedOut(): void {
    if (this.#state !== 'handshake') return;
    this.#steps.push({
      run: () => {
        if (this.#state !== 'handshake') return undefined;
        this.#refused(makeError('DEAD_PEER', `the handshake did not finish within ${this.#setup.handshakeTimeoutMs} ms`), 'dead');
        this.#closed();
        return undefined;
      },
      fatal: false,
    });
  }

  #userStep(name: string, step: (now: number) => ChannelOutput, callback: ((error?: Error) => void) | undefined): this {
    if (callback !== undefined && typeof callback !== 'function') {
      throw makeError('INVALID_TYPE', `callback must be a function, got ${describe(callback)}`);
    }
    if (this.#state !== 'established') {
      throw makeError('INVALID_ARGUMENT', `${name}() needs an established channel (state: ${this.#state})`);
    }
    this.#steps.push({
      run: (now) => {
        if (this.#state !== 'established') throw this.#closeError ?? closedChannel();
        return step(now);
      },
      fatal: false,
      done: (error) => {
        if (callback) callback(error);
        else if (error && this.#state !== 'closed') this.destroy(error);
      },
    });
    return this;
  }
}

// Typed `on`/`once` for the channel's own events, without hiding the Duplex ones.
export interface SecureChannel {
  on<E extends keyof SecureChannelEvents>(event: E, listener: SecureChannelEvents[E]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once<E extends keyof SecureChannelEvents>(event: E, listener: SecureChannelEvents[E]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * The typed error of a native `error` event. A code this facade does not know (a newer
 * core) is `INTERNAL`, naming it.
 */
function eventError(event: ChannelEvent): PqwireError {
  const message = event.message ?? 'the channel failed';
  if (event.code === undefined) return makeError('PROTOCOL_ERROR', message);
  return isErrorCode(event.code) ? makeError(event.code, message) : makeError('INTERNAL', `${event.code}: ${message}`);
}

/** The error of a write or step after the channel closed (the core's, docs/channel.md §4.4). */
function closedChannel(): PqwireError {
  return makeError('INVALID_ARGUMENT', 'the channel is closed');
}
