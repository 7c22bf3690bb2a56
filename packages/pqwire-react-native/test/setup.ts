/**
 * Installs `globalThis.__pqwire` as the JSI module would, here over the host build of
 * the C ABI (`PQWIRE_FFI_LIB`: the path of libpqwire_ffi.so / .dylib; set by
 * scripts/test-react-native.js).
 */
import { koffiNative } from './koffi-native';

const path = process.env['PQWIRE_FFI_LIB'];
if (!path) throw new Error('set PQWIRE_FFI_LIB to the built libpqwire_ffi (scripts/test-react-native.js does)');
(globalThis as { __pqwire?: unknown }).__pqwire = koffiNative(path);
