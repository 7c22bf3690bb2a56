/**
 * The order of a channel's steps: every call into the native state machine (bytes
 * received, a send, a timer, a re-key) runs after the one before it settled, so that an
 * off-thread step (a handshake message on the thread pool) never lets a later step run
 * against the state before it.
 * @internal
 */
import type { ChannelOutput } from './native';

/** One step of the state machine, run in order with every other step of the channel. @internal */
export interface Step {
  /** Returns the native output, a promise of it (off-thread steps), or nothing (adapter-only steps). */
  run: (now: number) => ChannelOutput | Promise<ChannelOutput> | undefined;
  /** Called once the output was applied, or with the error. */
  done?: (error?: Error) => void;
  /** Whether a failure of this step closes the channel (a refused input does; a refused send does not). */
  fatal: boolean;
}

/** What the queue needs from its channel. @internal */
export interface StepHost {
  /** The channel's clock (unix seconds). */
  now(): number;
  /** The error for a step queued after the channel was destroyed, or `undefined` while it lives. */
  stopped(): Error | undefined;
  /** Applies a step's output. */
  apply(out: ChannelOutput): void;
  /** A step threw or rejected with `e`; calls the step's `done`. */
  failed(step: Step, e: unknown): void;
}

/** Runs steps in order; a step returning a promise holds the queue until it settles. @internal */
export class StepQueue {
  readonly #host: StepHost;
  readonly #steps: Step[] = [];
  #busy = false;
  #pumping = false;

  constructor(host: StepHost) {
    this.#host = host;
  }

  /** Whether an off-thread step is running. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Queues `step` and runs what can run now. */
  push(step: Step): void {
    this.#steps.push(step);
    this.#pump();
  }

  /** Drops every queued step, calling its `done` with `error`. */
  drain(error: Error): void {
    for (const step of this.#steps.splice(0)) step.done?.(error);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#busy && this.#steps.length > 0) {
        const step = this.#steps.shift()!;
        const stopped = this.#host.stopped();
        if (stopped) {
          step.done?.(stopped);
          continue;
        }
        let result: ChannelOutput | Promise<ChannelOutput> | undefined;
        try {
          result = step.run(this.#host.now());
        } catch (e) {
          this.#host.failed(step, e);
          continue;
        }
        if (result instanceof Promise) {
          this.#busy = true;
          result.then(
            (out) => this.#settled(() => this.#applied(step, out)),
            (e: unknown) => this.#settled(() => this.#host.failed(step, e)),
          );
          return;
        }
        this.#applied(step, result);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** An off-thread step settled: handle it, then run what queued meanwhile. */
  #settled(handle: () => void): void {
    this.#busy = false;
    handle();
    this.#pump();
  }

  #applied(step: Step, out: ChannelOutput | undefined): void {
    if (out !== undefined && this.#host.stopped() === undefined) this.#host.apply(out);
    step.done?.();
  }
}
