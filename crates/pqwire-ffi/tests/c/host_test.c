#define _GNU_SOURCE /* memmem */
/*
 * The C ABI from C, against the cbindgen header and the built cdylib: what the JSI
 * module does, without a JavaScript engine. Each case prints "ok" or "FAIL" with the
 * first check that failed; the last line is "N passed, N failed".
 *
 *   gcc -std=c11 -Wall -Wextra -Werror -I include tests/c/host_test.c -L <dir> -lpqwire_ffi
 */
#include <stdio.h>
#include <string.h>

#include "pqwire.h"

static int failed_check;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      printf("    check failed at line %d: %s\n", __LINE__, #cond);          \
      failed_check = 1;                                                      \
      return;                                                                \
    }                                                                        \
  } while (0)

/* The code of the last call: "" on success. */
static PqwStatus st;
#define OK(call) CHECK((call) == PQW_OK && st.code[0] == '\0')
#define FAILS_WITH(call, expected) CHECK((call) == PQW_ERROR && strcmp(st.code, (expected)) == 0)

static const uint8_t *u8s(const char *s) { return (const uint8_t *)s; }

static uint32_t kem_code(const char *name) {
  uint32_t code = 0;
  if (pqw_kem_suite(u8s(name), strlen(name), &code, &st) != PQW_OK) return 0xFFFFFFFF;
  return code;
}

static void kem_round_trip(void) {
  uint32_t xwing = kem_code("X25519+ML-KEM-768");
  PqwKemLengths l;
  OK(pqw_kem_lengths(xwing, &l, &st));
  CHECK(l.public_key == 1216 && l.cipher_text == 1120 && l.shared_secret == 32);
  PqwBuf pk = {0}, sk = {0}, ct = {0}, ss = {0}, ss2 = {0};
  OK(pqw_kem_keygen(xwing, NULL, 0, &pk, &sk, &st));
  CHECK(pk.len == l.public_key && sk.len == l.secret_key);
  OK(pqw_kem_encapsulate(xwing, pk.ptr, pk.len, NULL, 0, &ct, &ss, &st));
  OK(pqw_kem_decapsulate(xwing, ct.ptr, ct.len, sk.ptr, sk.len, &ss2, &st));
  CHECK(ss.len == 32 && ss2.len == 32 && memcmp(ss.ptr, ss2.ptr, 32) == 0);
  /* Bad paths: a short key, a null pointer with a length, an unknown suite. */
  FAILS_WITH(pqw_kem_encapsulate(xwing, pk.ptr, pk.len - 1, NULL, 0, &ct, &ss, &st), "BAD_LENGTH");
  CHECK(ct.ptr == NULL && ct.len == 0); /* a failed call leaves its outputs empty */
  FAILS_WITH(pqw_kem_encapsulate(xwing, NULL, 1216, NULL, 0, &ct, &ss, &st), "INVALID_ARGUMENT");
  FAILS_WITH(pqw_kem_keygen(0xBEEF, NULL, 0, &pk, &sk, &st), "UNKNOWN_SUITE");
  pqw_buf_free(&pk);
  pqw_buf_free(&sk);
  pqw_buf_free(&ss);
  pqw_buf_free(&ss2);
  pqw_buf_free(&sk); /* freeing an emptied buffer again is harmless */
  CHECK(sk.ptr == NULL && sk.len == 0);
}

static void signature_and_aead(void) {
  uint32_t code = 0, aead = 0;
  OK(pqw_sig_suite(u8s("Ed25519+ML-DSA-65"), 17, &code, &st));
  PqwBuf pk = {0}, sk = {0}, sig = {0}, sealed = {0}, opened = {0};
  OK(pqw_sig_keygen(code, NULL, 0, &pk, &sk, &st));
  OK(pqw_sig_sign(code, u8s("msg"), 3, sk.ptr, sk.len, NULL, 0, PQW_SIGN_HEDGED, NULL, 0, &sig, &st));
  PqwVerification v;
  OK(pqw_sig_verify(code, sig.ptr, sig.len, u8s("msg"), 3, pk.ptr, pk.len, NULL, 0, &v, &st));
  CHECK(v.valid == 1 && v.classic_valid == 1 && v.quantum_valid == 1);
  sig.ptr[10] ^= 1;
  OK(pqw_sig_verify(code, sig.ptr, sig.len, u8s("msg"), 3, pk.ptr, pk.len, NULL, 0, &v, &st));
  CHECK(v.valid == 0);
  OK(pqw_aead_suite(u8s("ChaCha20-Poly1305"), 17, &aead, &st));
  uint8_t key[32] = {1}, nonce[12] = {2};
  OK(pqw_aead_seal(aead, key, 32, nonce, 12, u8s("hello"), 5, u8s("ad"), 2, &sealed, &st));
  OK(pqw_aead_open(aead, key, 32, nonce, 12, sealed.ptr, sealed.len, u8s("ad"), 2, &opened, &st));
  CHECK(opened.len == 5 && memcmp(opened.ptr, "hello", 5) == 0);
  sealed.ptr[0] ^= 1;
  FAILS_WITH(pqw_aead_open(aead, key, 32, nonce, 12, sealed.ptr, sealed.len, u8s("ad"), 2, &opened, &st), "AUTH_FAILED");
  CHECK(opened.ptr == NULL);
  pqw_buf_free(&pk);
  pqw_buf_free(&sk);
  pqw_buf_free(&sig);
  pqw_buf_free(&sealed);
}

static void session_round_trip(void) {
  uint32_t suite = 0, alice = 0, bob = 0, store = 0, a = 0, b = 0;
  const uint64_t t0 = 1700000000;
  OK(pqw_sig_suite(u8s("Ed25519+ML-DSA-65"), 17, &suite, &st));
  OK(pqw_identity_generate(suite, t0 - 10, 86400, NULL, 0, &alice, &st));
  OK(pqw_identity_generate(suite, t0 - 10, 86400, NULL, 0, &bob, &st));
  OK(pqw_prekey_store_new(&store, &st));
  PqwBuf bundle = {0}, initial = {0}, pt = {0}, ad = {0}, msg = {0}, rec = {0};
  OK(pqw_prekey_bundle_create(bob, store, kem_code("ML-KEM-768"), 1, 1, t0, &bundle, &st));
  OK(pqw_session_initiate(alice, bundle.ptr, bundle.len, u8s("hello Bob"), 9, NULL, 0, t0, &a, &initial, &st));
  OK(pqw_session_accept(bob, store, initial.ptr, initial.len, t0 + 1, &b, &pt, &ad, &st));
  CHECK(pt.len == 9 && memcmp(pt.ptr, "hello Bob", 9) == 0 && ad.len == 0);
  pqw_buf_free(&pt);
  uint32_t again = 0;
  FAILS_WITH(pqw_session_accept(bob, store, initial.ptr, initial.len, t0 + 1, &again, &pt, &ad, &st), "PREKEY_REUSED");
  OK(pqw_session_encrypt(b, u8s("hi Alice"), 8, u8s("t7"), 2, t0 + 2, &msg, &st));
  OK(pqw_session_decrypt(a, msg.ptr, msg.len, t0 + 3, &pt, &ad, &st));
  CHECK(pt.len == 8 && memcmp(pt.ptr, "hi Alice", 8) == 0 && ad.len == 2);
  pqw_buf_free(&pt);
  pqw_buf_free(&ad);
  FAILS_WITH(pqw_session_decrypt(a, msg.ptr, msg.len, t0 + 3, &pt, &ad, &st), "REPLAYED");
  PqwSessionInfo ia, ib;
  OK(pqw_session_info(a, &ia, &st));
  OK(pqw_session_info(b, &ib, &st));
  CHECK(ia.role == 0 && ib.role == 1 && memcmp(ia.session_id, ib.session_id, 32) == 0);
  CHECK(memcmp(ia.peer_identity, ib.local_identity, sizeof ia.peer_identity) == 0);
  OK(pqw_session_serialize(a, &rec, &st));
  uint32_t restored = 0;
  OK(pqw_session_deserialize(rec.ptr, rec.len, 1, ia.epoch, &restored, &st));
  FAILS_WITH(pqw_session_deserialize(rec.ptr, rec.len, 1, ia.epoch + 1, &again, &st), "SESSION_ROLLBACK");
  OK(pqw_handle_free(a, &st));
  FAILS_WITH(pqw_handle_free(a, &st), "DISPOSED");
  FAILS_WITH(pqw_session_encrypt(a, u8s("x"), 1, NULL, 0, t0, &msg, &st), "DISPOSED");
  FAILS_WITH(pqw_session_encrypt(alice, u8s("x"), 1, NULL, 0, t0, &msg, &st), "INVALID_ARGUMENT");
  FAILS_WITH(pqw_session_encrypt(4000000000u, u8s("x"), 1, NULL, 0, t0, &msg, &st), "INVALID_ARGUMENT");
  pqw_buf_free(&bundle);
  pqw_buf_free(&initial);
  pqw_buf_free(&rec);
  OK(pqw_handle_free(restored, &st));
  OK(pqw_handle_free(b, &st));
  OK(pqw_handle_free(store, &st));
  OK(pqw_handle_free(alice, &st));
  OK(pqw_handle_free(bob, &st));
}

static void abi_and_codes(void) {
  CHECK(pqw_abi_version() == PQW_ABI_VERSION);
  PqwBuf codes = {0};
  OK(pqw_error_codes(&codes, &st));
  CHECK(codes.len > 0 && memmem(codes.ptr, codes.len, "AUTH_FAILED authentication\n", 27) != NULL);
  pqw_buf_free(&codes);
  /* A null status is allowed; the return code still tells. */
  CHECK(pqw_kem_keygen(0xBEEF, NULL, 0, NULL, NULL, NULL) == PQW_ERROR);
}

int main(void) {
  struct {
    const char *name;
    void (*run)(void);
  } cases[] = {
      {"kem round trip and bad paths", kem_round_trip},
      {"signature and AEAD", signature_and_aead},
      {"session round trip, replay, rollback, handles", session_round_trip},
      {"ABI version and error codes", abi_and_codes},
  };
  int passed = 0, failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    failed_check = 0;
    cases[i].run();
    printf("%s %s\n", failed_check ? "FAIL" : "ok  ", cases[i].name);
    if (failed_check) failed++;
    else passed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
