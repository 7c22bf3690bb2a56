/**
 * Reading a request's JSON body: every field checked for presence, type and encoding
 * before any key is touched, with an `INVALID_FIELD` that names the field. Binary fields
 * are standard base64 (RFC 4648 §4, padded).
 */
import { KeyServiceError } from './errors';

/** A parsed JSON object body. */
export type Body = Readonly<Record<string, unknown>>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `v` is a padded standard base64 string. */
export function isBase64(v: unknown): v is string {
  return typeof v === 'string' && v.length % 4 === 0 && BASE64.test(v);
}

function invalid(name: string, what: string): KeyServiceError {
  return new KeyServiceError('INVALID_FIELD', `${name} must be ${what}`);
}

/** The body as an object, or `MALFORMED_JSON`. */
export function parseBody(text: string): Body {
  let value: unknown;
  try {
    value = text.length === 0 ? {} : JSON.parse(text);
  } catch (e) {
    throw new KeyServiceError('MALFORMED_JSON', `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KeyServiceError('MALFORMED_JSON', 'the body must be a JSON object');
  return value as Body;
}

/** A base64 string field as bytes. */
export function bytesField(body: Body, name: string): Uint8Array {
  const v = body[name];
  if (!isBase64(v)) throw invalid(name, 'a base64 string');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** Like {@link bytesField}; absent or null gives `undefined`. */
export function optionalBytesField(body: Body, name: string): Uint8Array | undefined {
  return body[name] === undefined || body[name] === null ? undefined : bytesField(body, name);
}

/** A string field. */
export function stringField(body: Body, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw invalid(name, 'a non-empty string');
  return v;
}

/** An optional string field. */
export function optionalStringField(body: Body, name: string): string | undefined {
  return body[name] === undefined || body[name] === null ? undefined : stringField(body, name);
}

/** An optional positive integer field (a key version). */
export function optionalVersionField(body: Body, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(name, 'a positive integer');
  return v;
}

/** An array of objects, at most `max` long (`PAYLOAD_TOO_LARGE` beyond), at least one. */
export function itemsField(body: Body, name: string, max: number): Body[] {
  const v = body[name];
  if (!Array.isArray(v) || v.length === 0) throw invalid(name, 'a non-empty array');
  if (v.length > max) throw new KeyServiceError('PAYLOAD_TOO_LARGE', `${name} holds ${v.length} items; at most ${max} per request`);
  return v.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(`${name}[${i}]`, 'an object');
    return item as Body;
  });
}

/** Runs `read` on item `i`, naming the item in the error. */
export function inItem<T>(name: string, i: number, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof KeyServiceError) throw new KeyServiceError(e.code, `${name}[${i}]: ${e.message}`);
    throw e;
  }
}

/** Base64 of bytes, for answers. */
export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}
