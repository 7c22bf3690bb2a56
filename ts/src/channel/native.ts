/**
 * The channel's part of the native binding: the sans-I/O state machine of
 * docs/channel.md (`NativeChannel`), server keys (`NativeServerKey`), a server's shared
 * credentials (`NativeServerCredentials`) and `channelServerKeyInfo`. Nothing outside
 * `ts/src/channel/` should import this module.
 * @internal
 */
import native from '../native';
import type {
  NativeChannel as NativeChannelClass,
  NativeChannelEvent,
  NativeChannelOptions as GeneratedOptions,
  NativeChannelOutput,
  NativeServerCredentials as NativeServerCredentialsClass,
  NativeServerKey as NativeServerKeyClass,
} from '../../../native/index.js';

/** Options of a native channel. @internal */
export type NativeChannelOptions = GeneratedOptions;

/**
 * One event of a channel step; on an `error` event, `remote` says whether the peer
 * reported it in an authenticated error packet (`true`), or this side refused something
 * or an unauthenticated error packet ended the handshake (`false`). @internal
 */
export type ChannelEvent = NativeChannelEvent;

/** The binding's output of every channel step. @internal */
export type ChannelOutput = NativeChannelOutput;

/** A native server key handle. @internal */
export type NativeServerKeyHandle = NativeServerKeyClass;

/** A server's keys and trusted client keys, checked once, shared by its connections. @internal */
export type NativeServerCredentialsHandle = NativeServerCredentialsClass;

/** A native channel handle. @internal */
export type NativeChannelHandle = NativeChannelClass;

export const NativeChannel = native.NativeChannel;
export const NativeServerKey = native.NativeServerKey;
export const NativeServerCredentials = native.NativeServerCredentials;
export const channelServerKeyInfo = native.channelServerKeyInfo;
export const channelRequestedClientKey = native.channelRequestedClientKey;
