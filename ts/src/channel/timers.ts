/**
 * A channel end's two timers, both unref'd (they never keep the process alive): the poll
 * every `pollIntervalMs` (keep-alives due, a dead peer) and the handshake deadline.
 * @internal
 */

/** The timers of one channel end. @internal */
export class ChannelTimers {
  #poll: NodeJS.Timeout | undefined;
  #handshake: NodeJS.Timeout | undefined;

  /** Starts both: `onPoll` every `pollIntervalMs`, `onHandshakeTimeout` once after `handshakeTimeoutMs`. */
  constructor(o: { pollIntervalMs: number; handshakeTimeoutMs: number }, onPoll: () => void, onHandshakeTimeout: () => void) {
    this.#poll = setInterval(onPoll, o.pollIntervalMs);
    this.#poll.unref();
    this.#handshake = setTimeout(() => {
      this.#handshake = undefined;
      onHandshakeTimeout();
    }, o.handshakeTimeoutMs);
    this.#handshake.unref();
  }

  /** The handshake finished: no deadline any more. */
  handshakeDone(): void {
    if (this.#handshake) clearTimeout(this.#handshake);
    this.#handshake = undefined;
  }

  /** Stops both (the channel closed). */
  stop(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    this.handshakeDone();
  }
}
