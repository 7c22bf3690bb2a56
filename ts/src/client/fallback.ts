/**
 * The fallback policy: what a client does when a peer cannot have the session it wants
 * (docs/server.md, "Client"). Two cases:
 *
 * - `no-end-to-end`: the peer has no account on this server, or no prekeys: nothing can
 *   be encrypted to it;
 * - `not-post-quantum`: the peer offers only classical keys (no ML-KEM prekey, or a
 *   classical identity), which the session policy refuses.
 *
 * and three answers:
 *
 * - `block` (the default): the send fails (`ClientError`), a `fallback` security event
 *   with `action: 'blocked'`;
 * - `warn`: a classical peer gets a classical end-to-end session anyway, reported with
 *   `action: 'warned'` (a peer without end-to-end encryption still cannot be sent to);
 * - `invite`: the send fails and the event, `action: 'invite'`, carries an invitation the
 *   application can pass on out of band (this device's account, fingerprint and server),
 *   asking the peer to join or upgrade.
 *
 * @example
 * ```ts
 * const client = await Client.open({ url, account: 'alice', fallback: 'invite' });
 * client.on('security', (e) => { if (e.action === 'invite') sendInviteEmail(e.peer, e.invitation); });
 * ```
 */
import { ClientError } from './errors';
import type { PublicIdentity } from '../identity';

/** The answer to a peer without end-to-end or post-quantum support. */
export type FallbackPolicy = 'block' | 'warn' | 'invite';

/** Why the fallback policy was asked. */
export type FallbackReason = 'no-end-to-end' | 'not-post-quantum';

/** What a client reports: every security-relevant thing it did or refused. */
export interface ClientSecurityEvent {
  /**
   * - `fallback`: the fallback policy decided (`reason`, `action`);
   * - `identity-changed`: a peer device presents another identity than the pinned one
   *   (nothing was sent to it or accepted from it; `trustIdentity` after verification);
   * - `undecryptable`: a message was dropped (`code`: replayed, tampered, no session…);
   * - `sender-mismatch`: a sealed message whose certificate and session disagree (dropped);
   * - `session`: a session reported a security event (`code`).
   */
  type: 'fallback' | 'identity-changed' | 'undecryptable' | 'sender-mismatch' | 'session';
  /** The peer: `account` or `account/device`. */
  peer?: string;
  reason?: FallbackReason;
  action?: 'blocked' | 'warned' | 'invite';
  /** With `action: 'invite'`: what to send the peer so it can reach this device. */
  invitation?: { account: string; fingerprint: string; server: string };
  code?: string;
  /** With `identity-changed`: the identity the peer presents now (what `trustIdentity` takes once verified). */
  identity?: PublicIdentity;
  /** Human-readable; no key material, no plaintext. */
  message: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** The action `policy` takes for `reason`. */
export function fallbackAction(policy: FallbackPolicy, reason: FallbackReason): 'blocked' | 'warned' | 'invite' {
  if (policy === 'invite') return 'invite';
  return policy === 'warn' && reason === 'not-post-quantum' ? 'warned' : 'blocked';
}

/** The error a refused fallback throws. */
export function fallbackError(reason: FallbackReason, peer: string, action: string): ClientError {
  return reason === 'no-end-to-end'
    ? new ClientError('PEER_UNREACHABLE', `${peer} has no account or no prekeys on this server: no end-to-end session is possible (${action})`, { action })
    : new ClientError('PEER_NOT_POST_QUANTUM', `${peer} offers only classical keys and the fallback policy refuses a classical session (${action})`, { action });
}
