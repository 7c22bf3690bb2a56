/**
 * The channel's part of the native binding: the sans-I/O state machine of
 * docs/channel.md (`NativeChannel`), server keys (`NativeServerKey`) and
 * `channelServerKeyInfo`. Nothing outside `ts/src/channel/` should import this module.
 * @internal
 */
import native from '../native';

/** Options of a native channel. @internal */
export interface NativeChannelOptions {
  mode?: string;
  policy?: string;
  minVersion?: number;
  capabilities?: Uint8Array;
  maxPacketSize?: number;
  rekeyEveryPackets?: number;
  keepAliveSeconds?: number;
  deadPeerSeconds?: number;
  windowSeconds?: number;
  seed?: Uint8Array;
}

/** One event of a channel step. @internal */
export interface ChannelEvent {
  type: string;
  code?: string;
  message?: string;
}

/** The binding's output of every channel step. @internal */
export interface ChannelOutput {
  transmit: Uint8Array[];
  received: Uint8Array[];
  events: ChannelEvent[];
  closed: boolean;
}

/** A native server key handle. @internal */
export interface NativeServerKeyHandle {
  toRecord(): Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
}

/** A native channel handle. @internal */
export interface NativeChannelHandle {
  start(now: number): ChannelOutput;
  receive(bytes: Uint8Array, now: number): ChannelOutput;
  receiveAsync(bytes: Uint8Array, now: number): Promise<ChannelOutput>;
  send(data: Uint8Array, now: number): ChannelOutput;
  poll(now: number): ChannelOutput;
  rekey(now: number): ChannelOutput;
  ratchet(now: number): ChannelOutput;
  close(now: number): ChannelOutput;
  readonly state: string;
  readonly peerKeyId: Uint8Array | null;
  readonly stateBytes: number;
}

/** What `channelServerKeyInfo` reports. @internal */
export interface NativeServerKeyInfo {
  keyId: Uint8Array;
  config: string;
  kemSuite: string;
  sigSuite: string;
  aeadSuite: string;
  created: number;
  expires: number;
}

interface ChannelBinding {
  NativeServerKey: {
    generate(config: string, created: number, expires: number, seed?: Uint8Array | null): NativeServerKeyHandle;
    fromRecord(record: Uint8Array): NativeServerKeyHandle;
  };
  NativeChannel: {
    client(
      serverPublicKey: Uint8Array,
      clientKey: NativeServerKeyHandle | undefined | null,
      options: NativeChannelOptions | undefined | null,
      now: number,
    ): NativeChannelHandle;
    server(
      keys: NativeServerKeyHandle[],
      trustedClients: Uint8Array[] | undefined | null,
      options: NativeChannelOptions | undefined | null,
      now: number,
    ): NativeChannelHandle;
  };
  channelServerKeyInfo(publicKey: Uint8Array): NativeServerKeyInfo;
}

const binding = native as unknown as ChannelBinding;

export const NativeChannel = binding.NativeChannel;
export const NativeServerKey = binding.NativeServerKey;
export const channelServerKeyInfo = binding.channelServerKeyInfo;
