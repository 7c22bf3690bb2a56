/**
 * Security events: what negotiation reports so an operator can log and alert. Every
 * refusal and every accepted classical-only choice produces one.
 *
 * @example
 * ```ts
 * import { Negotiator } from 'pqwire';
 * const negotiator = new Negotiator();
 * negotiator.on('security', (e) => log.warn({ event: e.type, code: e.code, peer: e.peer }, e.message));
 * ```
 */
import type { AeadSuiteName, KemSuiteName, SigSuiteName } from './suites';
import type { ErrorCode } from './errors';
import type { PolicyName } from './policy';

/** The suites and versions one side offered. */
export interface Offer {
  versions: number[];
  kexSuites: (KemSuiteName | number)[];
  sigSuites: (SigSuiteName | number)[];
  aeadSuites: (AeadSuiteName | number)[];
}

/** What was chosen. */
export interface Choice {
  version: number;
  kexSuite: KemSuiteName;
  sigSuite: SigSuiteName;
  aeadSuite: AeadSuiteName;
}

/**
 * - `negotiation-refused`: negotiation threw (a `DowngradeError`, or a
 *   `WireFormatError` for malformed capabilities); `code` says why.
 * - `classical-accepted`: negotiation succeeded with a classical-only key exchange or
 *   signature suite, which the policy allowed.
 */
export type SecurityEventType = 'negotiation-refused' | 'classical-accepted';

/** One security event. */
export interface SecurityEvent {
  type: SecurityEventType;
  /** The error code for a refusal. */
  code?: ErrorCode;
  /** Human-readable summary (no key material). */
  message: string;
  peer?: string;
  tenant?: string;
  policy: PolicyName;
  role: 'initiator' | 'responder';
  /** What each side offered; `remote` is absent when its capabilities did not decode. */
  offered: { local: Offer; remote?: Offer };
  /** The choice, for `classical-accepted`. */
  chosen?: Choice;
  /** When it happened (milliseconds since the epoch). */
  time: number;
}

/** Receives security events. */
export type SecurityEventListener = (event: SecurityEvent) => void;

/**
 * Delivers `event` to each listener (negotiation, session and channel events alike). A listener that throws must not hide the refusal
 * the caller is about to see, so its error becomes a process warning instead.
 * @internal
 */
export function deliver<E = SecurityEvent>(event: E, listeners: Iterable<((event: E) => void) | undefined>): void {
  for (const listener of listeners) {
    if (!listener) continue;
    try {
      listener(event);
    } catch (e) {
      process.emitWarning(`pqwire security-event listener threw: ${e instanceof Error ? e.message : String(e)}`, 'PqwireWarning');
    }
  }
}
