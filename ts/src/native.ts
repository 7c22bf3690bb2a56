/**
 * The native addon, loaded once through the loader napi-rs generated (`native/index.js`),
 * which picks the prebuilt binary for this platform or the one built from source.
 * Nothing outside the facade should import this module.
 * @internal
 */
import * as binding from '../../native/index.js';

export default binding;
export type { WireField, WireFailure, WireMessage as NativeWireMessage, NativeAgreement, KemKeys, KemEncapsulation, KemLengths, SigKeys, SigLengths, SigVerification } from '../../native/index.js';
export { KemKeyPair as NativeKemKeyPair, SigKeyPair as NativeSigKeyPair } from '../../native/index.js';
