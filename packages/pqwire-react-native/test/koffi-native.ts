/**
 * The JSI module's interface (src/native.ts) implemented on Node over the same C ABI,
 * with koffi loading the host build of crates/pqwire-ffi: what cpp/PqwireHostObject.cpp
 * does on a device, so that the TypeScript adapter runs here unchanged. Errors are
 * thrown as the JSI module throws them: an `Error` with the status's `code`.
 */
import koffi from 'koffi';
import type { NativeKemLengths, NativeSessionInfo, NativeSigLengths, PqwireNative } from '../src/native';

const PqwBuf = koffi.struct('PqwBuf', { ptr: 'void *', len: 'size_t' });
const PqwStatus = koffi.struct('PqwStatus', {
  code: koffi.array('char', 32, 'String'),
  message: koffi.array('char', 224, 'String'),
});
koffi.struct('PqwKemLengths', {
  public_key: 'uint32_t',
  secret_key: 'uint32_t',
  cipher_text: 'uint32_t',
  shared_secret: 'uint32_t',
  keygen_seed: 'uint32_t',
  encapsulation_randomness: 'uint32_t',
});
koffi.struct('PqwSigLengths', {
  public_key: 'uint32_t',
  secret_key: 'uint32_t',
  signature: 'uint32_t',
  keygen_seed: 'uint32_t',
  signing_randomness: 'uint32_t',
});
koffi.struct('PqwVerification', { valid: 'uint8_t', classic_valid: 'uint8_t', quantum_valid: 'uint8_t' });
koffi.struct('PqwSessionInfo', {
  epoch: 'uint64_t',
  pq_steps: 'uint64_t',
  established_at: 'uint64_t',
  kem_suite: 'uint32_t',
  sig_suite: 'uint32_t',
  aead_suite: 'uint32_t',
  role: 'uint8_t',
  post_quantum: 'uint8_t',
  hybrid_auth: 'uint8_t',
  peer_confirmed: 'uint8_t',
  session_id: koffi.array('uint8_t', 32, 'Typed'),
  local_identity: koffi.array('uint8_t', 16, 'Typed'),
  peer_identity: koffi.array('uint8_t', 16, 'Typed'),
});
void PqwBuf;
void PqwStatus;

const B = 'const uint8_t *';
const S = '_Out_ PqwStatus *status';
const O = (name: string) => `_Out_ PqwBuf *${name}`;

/** The C declarations, as in crates/pqwire-ffi/include/pqwire.h. */
const DECLS = [
  'uint32_t pqw_abi_version()',
  'void pqw_buf_free(_Inout_ PqwBuf *buf)',
  `int32_t pqw_error_codes(${O('out')}, ${S})`,
  `int32_t pqw_handle_free(uint32_t handle, ${S})`,
  ...['kem', 'sig', 'aead'].flatMap((k) => [
    `int32_t pqw_${k}_suite(${B}name, size_t len, _Out_ uint32_t *code, ${S})`,
    `int32_t pqw_${k}_suite_name(uint32_t code, ${O('out')}, ${S})`,
    `int32_t pqw_${k}_suite_names(${O('out')}, ${S})`,
  ]),
  `int32_t pqw_kem_lengths(uint32_t code, _Out_ PqwKemLengths *out, ${S})`,
  `int32_t pqw_kem_keygen(uint32_t code, ${B}seed, size_t seed_len, ${O('pk')}, ${O('sk')}, ${S})`,
  `int32_t pqw_kem_encapsulate(uint32_t code, ${B}pk, size_t pk_len, ${B}r, size_t r_len, ${O('ct')}, ${O('ss')}, ${S})`,
  `int32_t pqw_kem_decapsulate(uint32_t code, ${B}ct, size_t ct_len, ${B}sk, size_t sk_len, ${O('ss')}, ${S})`,
  `int32_t pqw_sig_lengths(uint32_t code, _Out_ PqwSigLengths *out, ${S})`,
  `int32_t pqw_sig_keygen(uint32_t code, ${B}seed, size_t seed_len, ${O('pk')}, ${O('sk')}, ${S})`,
  `int32_t pqw_sig_sign(uint32_t code, ${B}m, size_t m_len, ${B}sk, size_t sk_len, ${B}ctx, size_t ctx_len, uint32_t mode, ${B}r, size_t r_len, ${O('sig')}, ${S})`,
  `int32_t pqw_sig_verify(uint32_t code, ${B}s, size_t s_len, ${B}m, size_t m_len, ${B}pk, size_t pk_len, ${B}ctx, size_t ctx_len, _Out_ PqwVerification *out, ${S})`,
  `int32_t pqw_aead_seal(uint32_t code, ${B}k, size_t k_len, ${B}n, size_t n_len, ${B}p, size_t p_len, ${B}ad, size_t ad_len, ${O('out')}, ${S})`,
  `int32_t pqw_aead_open(uint32_t code, ${B}k, size_t k_len, ${B}n, size_t n_len, ${B}c, size_t c_len, ${B}ad, size_t ad_len, ${O('out')}, ${S})`,
  `int32_t pqw_hkdf(${B}h, size_t h_len, ${B}ikm, size_t ikm_len, ${B}salt, size_t salt_len, ${B}info, size_t info_len, size_t length, ${O('out')}, ${S})`,
  `int32_t pqw_sha3_256(${B}d, size_t d_len, ${O('out')}, ${S})`,
  `int32_t pqw_shake256(${B}d, size_t d_len, size_t length, ${O('out')}, ${S})`,
  `int32_t pqw_identity_generate(uint32_t suite, uint64_t created, uint64_t lifetime, ${B}seed, size_t seed_len, _Out_ uint32_t *handle, ${S})`,
  `int32_t pqw_identity_import(${B}r, size_t r_len, _Out_ uint32_t *handle, ${S})`,
  `int32_t pqw_identity_export(uint32_t id, ${O('out')}, ${S})`,
  `int32_t pqw_identity_public(uint32_t id, ${O('fp')}, _Out_ uint32_t *suite, ${S})`,
  `int32_t pqw_prekey_store_new(_Out_ uint32_t *handle, ${S})`,
  `int32_t pqw_prekey_store_count(uint32_t store, _Out_ uint32_t *count, ${S})`,
  `int32_t pqw_prekey_bundle_create(uint32_t id, uint32_t store, uint32_t kem, uint8_t one_time, uint8_t one_time_kem, uint64_t now, ${O('out')}, ${S})`,
  `int32_t pqw_session_initiate(uint32_t id, ${B}b, size_t b_len, ${B}p, size_t p_len, ${B}ad, size_t ad_len, uint64_t now, _Out_ uint32_t *session, ${O('m')}, ${S})`,
  `int32_t pqw_session_accept(uint32_t id, uint32_t store, ${B}m, size_t m_len, uint64_t now, _Out_ uint32_t *session, ${O('p')}, ${O('ad')}, ${S})`,
  `int32_t pqw_session_encrypt(uint32_t s, ${B}p, size_t p_len, ${B}ad, size_t ad_len, uint64_t now, ${O('m')}, ${S})`,
  `int32_t pqw_session_decrypt(uint32_t s, ${B}m, size_t m_len, uint64_t now, ${O('p')}, ${O('ad')}, ${S})`,
  `int32_t pqw_session_serialize(uint32_t s, ${O('out')}, ${S})`,
  `int32_t pqw_session_deserialize(${B}r, size_t r_len, uint8_t has_min, uint64_t min, _Out_ uint32_t *session, ${S})`,
  `int32_t pqw_session_info(uint32_t s, _Out_ PqwSessionInfo *out, ${S})`,
];

interface Buf {
  ptr: unknown;
  len: number | bigint;
}
type Fn = (...args: unknown[]) => number;

/** Loads `libraryPath` and returns the JSI interface over it. */
export function koffiNative(libraryPath: string): PqwireNative {
  const lib = koffi.load(libraryPath);
  const f: Record<string, Fn> = {};
  for (const decl of DECLS) {
    const fn = lib.func(decl) as Fn;
    f[/ (pqw_\w+)\(/.exec(decl)![1]!] = fn;
  }

  /** Copies a buffer's bytes out and has Rust wipe and free it. */
  const take = (b: Buf): Uint8Array => {
    const len = Number(b.len);
    const out = new Uint8Array(len);
    if (len > 0) out.set(new Uint8Array(koffi.view(b.ptr as never, len) as ArrayBuffer));
    f['pqw_buf_free']!(b);
    return out;
  };

  /** Calls `name`, throwing an Error with the status's code on failure. */
  const run = (name: string, ...args: unknown[]): void => {
    const status: { code?: string; message?: string } = {};
    const rc = f[name]!(...args, status);
    if (rc !== 0) {
      const e = new Error(status.message ?? 'pqwire failure') as Error & { code?: string };
      e.code = status.code;
      throw e;
    }
  };

  const bytesOut = (name: string, ...args: unknown[]): Uint8Array => {
    const b: Buf = { ptr: null, len: 0 };
    run(name, ...args, b);
    return take(b);
  };
  const pairOut = (name: string, ...args: unknown[]): [Uint8Array, Uint8Array] => {
    const a: Buf = { ptr: null, len: 0 };
    const b: Buf = { ptr: null, len: 0 };
    run(name, ...args, a, b);
    return [take(a), take(b)];
  };
  const u32Out = (name: string, ...args: unknown[]): number => {
    const v = [0];
    run(name, ...args, v);
    return v[0]!;
  };
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  // A Uint8Array and its length, or null and 0 for an absent optional input.
  const arg = (b: Uint8Array | null): [Uint8Array | null, number] => [b, b ? b.length : 0];

  const lengths = <T>(name: string, code: number, map: (o: Record<string, number>) => T): T => {
    const o: Record<string, number> = {};
    run(name, code, o);
    return map(o);
  };

  return {
    abiVersion: () => (f['pqw_abi_version'] as () => number)(),
    errorCodes: () => text(bytesOut('pqw_error_codes')),
    kemSuite: (name) => u32Out('pqw_kem_suite', ...arg(utf8(name))),
    kemSuiteName: (code) => text(bytesOut('pqw_kem_suite_name', code)),
    kemSuiteNames: () => text(bytesOut('pqw_kem_suite_names')),
    kemLengths: (code) =>
      lengths<NativeKemLengths>('pqw_kem_lengths', code, (o) => ({
        publicKey: o['public_key']!,
        secretKey: o['secret_key']!,
        cipherText: o['cipher_text']!,
        sharedSecret: o['shared_secret']!,
        keygenSeed: o['keygen_seed']!,
        encapsulationRandomness: o['encapsulation_randomness']!,
      })),
    kemKeygen: (code, seed) => pairOut('pqw_kem_keygen', code, ...arg(seed)),
    kemEncapsulate: (code, pk, r) => pairOut('pqw_kem_encapsulate', code, ...arg(pk), ...arg(r)),
    kemDecapsulate: (code, ct, sk) => bytesOut('pqw_kem_decapsulate', code, ...arg(ct), ...arg(sk)),
    sigSuite: (name) => u32Out('pqw_sig_suite', ...arg(utf8(name))),
    sigSuiteName: (code) => text(bytesOut('pqw_sig_suite_name', code)),
    sigSuiteNames: () => text(bytesOut('pqw_sig_suite_names')),
    sigLengths: (code) =>
      lengths<NativeSigLengths>('pqw_sig_lengths', code, (o) => ({
        publicKey: o['public_key']!,
        secretKey: o['secret_key']!,
        signature: o['signature']!,
        keygenSeed: o['keygen_seed']!,
        signingRandomness: o['signing_randomness']!,
      })),
    sigKeygen: (code, seed) => pairOut('pqw_sig_keygen', code, ...arg(seed)),
    sigSign: (code, m, sk, ctx, mode, r) => bytesOut('pqw_sig_sign', code, ...arg(m), ...arg(sk), ...arg(ctx), mode, ...arg(r)),
    sigVerify: (code, s, m, pk, ctx) => {
      const o: Record<string, number> = {};
      run('pqw_sig_verify', code, ...arg(s), ...arg(m), ...arg(pk), ...arg(ctx), o);
      return [o['valid'] === 1, o['classic_valid'] === 1, o['quantum_valid'] === 1];
    },
    aeadSuite: (name) => u32Out('pqw_aead_suite', ...arg(utf8(name))),
    aeadSuiteName: (code) => text(bytesOut('pqw_aead_suite_name', code)),
    aeadSuiteNames: () => text(bytesOut('pqw_aead_suite_names')),
    aeadSeal: (code, k, n, p, ad) => bytesOut('pqw_aead_seal', code, ...arg(k), ...arg(n), ...arg(p), ...arg(ad)),
    aeadOpen: (code, k, n, c, ad) => bytesOut('pqw_aead_open', code, ...arg(k), ...arg(n), ...arg(c), ...arg(ad)),
    hkdf: (hash, ikm, salt, info, length) =>
      bytesOut('pqw_hkdf', ...arg(utf8(hash)), ...arg(ikm), ...arg(salt), ...arg(info), length),
    sha3_256: (d) => bytesOut('pqw_sha3_256', ...arg(d)),
    shake256: (d, length) => bytesOut('pqw_shake256', ...arg(d), length),
    identityGenerate: (suite, created, lifetime, seed) =>
      u32Out('pqw_identity_generate', suite, created, lifetime, ...arg(seed)),
    identityImport: (r) => u32Out('pqw_identity_import', ...arg(r)),
    identityExport: (id) => bytesOut('pqw_identity_export', id),
    identityPublic: (id) => {
      const fp: Buf = { ptr: null, len: 0 };
      const suite = [0];
      run('pqw_identity_public', id, fp, suite);
      return [take(fp), suite[0]!];
    },
    prekeyStoreNew: () => u32Out('pqw_prekey_store_new'),
    prekeyStoreCount: (store) => u32Out('pqw_prekey_store_count', store),
    prekeyBundleCreate: (id, store, kem, oneTime, oneTimeKem, now) =>
      bytesOut('pqw_prekey_bundle_create', id, store, kem, oneTime ? 1 : 0, oneTimeKem ? 1 : 0, now),
    sessionInitiate: (id, b, p, ad, now) => {
      const s = [0];
      const m: Buf = { ptr: null, len: 0 };
      run('pqw_session_initiate', id, ...arg(b), ...arg(p), ...arg(ad), now, s, m);
      return [s[0]!, take(m)];
    },
    sessionAccept: (id, store, msg, now) => {
      const s = [0];
      const p: Buf = { ptr: null, len: 0 };
      const ad: Buf = { ptr: null, len: 0 };
      run('pqw_session_accept', id, store, ...arg(msg), now, s, p, ad);
      return [s[0]!, take(p), take(ad)];
    },
    sessionEncrypt: (s, p, ad, now) => bytesOut('pqw_session_encrypt', s, ...arg(p), ...arg(ad), now),
    sessionDecrypt: (s, m, now) => pairOut('pqw_session_decrypt', s, ...arg(m), now),
    sessionSerialize: (s) => bytesOut('pqw_session_serialize', s),
    sessionDeserialize: (r, min) => u32Out('pqw_session_deserialize', ...arg(r), min === null ? 0 : 1, min ?? 0),
    sessionInfo: (s) => {
      const o: Record<string, unknown> = {};
      run('pqw_session_info', s, o);
      const n = (k: string) => Number(o[k]);
      const info: NativeSessionInfo = {
        epoch: n('epoch'),
        pqSteps: n('pq_steps'),
        establishedAt: n('established_at'),
        kemSuite: n('kem_suite'),
        sigSuite: n('sig_suite'),
        aeadSuite: n('aead_suite'),
        role: n('role'),
        postQuantum: o['post_quantum'] === 1,
        hybridAuth: o['hybrid_auth'] === 1,
        peerConfirmed: o['peer_confirmed'] === 1,
        sessionId: new Uint8Array(o['session_id'] as Uint8Array),
        localIdentity: new Uint8Array(o['local_identity'] as Uint8Array),
        peerIdentity: new Uint8Array(o['peer_identity'] as Uint8Array),
      };
      return info;
    },
    handleFree: (h) => run('pqw_handle_free', h),
  };
}
