/**
 * The client's own refusals: `ClientError` with a stable `code`. Errors of the library
 * underneath (a `DowngradeError`, an `IdentityChangedError`, …) pass through as they are.
 *
 * @example
 * ```ts
 * try { await client.send('bob', data); } catch (e) {
 *   if (e instanceof ClientError && e.code === 'PEER_UNREACHABLE') offerInvite('bob');
 * }
 * ```
 */

/**
 * - `SERVER_REFUSED`: the server answered 4xx/5xx (`status` and the server's `serverCode`);
 * - `PEER_UNREACHABLE`: the account does not exist or has no prekeys: no end-to-end
 *   encryption is possible (the fallback policy decided what else happened);
 * - `PEER_NOT_POST_QUANTUM`: the peer offers only classical keys and the fallback policy
 *   (`block`, `invite`) refused a classical session;
 * - `SEALED_UNAVAILABLE`: a sealed send to a device that published no sealing key;
 * - `SENDER_MISMATCH`: a sealed message whose certificate names another identity than the
 *   session's peer (dropped);
 * - `SERVER_IDENTITY_CHANGED`: the server's certificate identity is not the pinned one;
 * - `NOT_CONNECTED`: an operation that needs {@link Client.connect} first, or after `close`.
 */
export type ClientErrorCode = 'SERVER_REFUSED' | 'PEER_UNREACHABLE' | 'PEER_NOT_POST_QUANTUM' | 'SEALED_UNAVAILABLE' | 'SENDER_MISMATCH' | 'SERVER_IDENTITY_CHANGED' | 'NOT_CONNECTED';

/** A refusal of the client, with its stable code. */
export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** For `SERVER_REFUSED`: the HTTP status, the server's code and the rest of its answer. */
    readonly details: { status?: number; serverCode?: string; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'ClientError';
  }
}
