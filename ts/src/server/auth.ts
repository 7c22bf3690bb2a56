/**
 * Authentication by proof of the identity key (docs/server.md, "Authentication"): the
 * server sends a single-use challenge; the device signs it with its hybrid identity
 * ({@link Identity.sign}, both halves) under a context naming the purpose; a login
 * answered correctly yields a short-lived bearer token. No password exists.
 *
 * @example
 * ```ts
 * // client side, with the challenge the server sent:
 * const signature = identity.sign(challengeData('alice', 1, challenge), { context: LOGIN_CONTEXT });
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';

/** Seconds a challenge stays valid. */
export const CHALLENGE_SECONDS = 60;
/** Seconds a session token stays valid. */
export const TOKEN_SECONDS = 3600;

/** The signature context of a login answer. */
export const LOGIN_CONTEXT = new TextEncoder().encode('pqwire-server/v1 login');
/** The signature context of a device registration (binding the device to the identity). */
export const REGISTER_CONTEXT = new TextEncoder().encode('pqwire-server/v1 register');

/** The signature context of an identity rotation (both the old and the new identity sign). */
export const ROTATE_CONTEXT = new TextEncoder().encode('pqwire-server/v1 rotate identity');

/**
 * The bytes both identities sign to rotate a device's identity: the challenge data and
 * the new identity's fingerprint on a last line.
 */
export function rotationData(account: string, device: number, challenge: string, newFingerprint: string): Uint8Array {
  return new TextEncoder().encode(`${account}\n${device}\n${challenge}\n${newFingerprint}`);
}

/**
 * The bytes a device signs for a challenge: its account, device number and the challenge
 * (hex), one per line. Account names cannot hold a newline (docs/server.md), so the
 * encoding is unambiguous.
 */
export function challengeData(account: string, device: number, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${account}\n${device}\n${challenge}`);
}

/** A fresh challenge: 32 random bytes, hex. @internal */
export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}

/** A fresh bearer token (32 random bytes, base64url) and the hash the store keeps. @internal */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

/** What the store keeps of a token: its SHA-256 (hex), so a copy of the database holds no live token. @internal */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
