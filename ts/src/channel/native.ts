/**
 * The channel's part of the native binding: the sans-I/O state machine of
 * docs/channel.md (`NativeChannel`), server keys (`NativeServerKey`) and
 * `channelServerKeyInfo`. Nothing outside `ts/src/channel/` should import this module.
 * @internal
 */
import native from '../native';
import type {
  NativeChannel as NativeChannelClass,
  NativeChannelEvent,
  NativeChannelOptions as GeneratedOptions,
  NativeChannelOutput,
  NativeServerKey as NativeServerKeyClass,
} from '../../../native/index.js';

/** Options of a native channel. @internal */
export type NativeChannelOptions = GeneratedOptions;

/**
 * One event of a channel step. `remote` is not passed by the binding yet; when it is,
 * it says whether an `error` was reported by the peer. @internal
 */
export type ChannelEvent = NativeChannelEvent & { remote?: boolean };

/** The binding's output of every channel step. @internal */
export type ChannelOutput = NativeChannelOutput;

/** A native server key handle. @internal */
export type NativeServerKeyHandle = NativeServerKeyClass;

/** A native channel handle. @internal */
export type NativeChannelHandle = NativeChannelClass;

export const NativeChannel = native.NativeChannel;
export const NativeServerKey = native.NativeServerKey;
export const channelServerKeyInfo = native.channelServerKeyInfo;
