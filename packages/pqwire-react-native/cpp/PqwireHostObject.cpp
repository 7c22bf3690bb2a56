// See PqwireHostObject.h. Conventions (as the Node shim, test/koffi-native.ts):
// - byte arguments are Uint8Arrays (any view of any ArrayBuffer); `null`/`undefined` is
//   an absent optional input;
// - byte results are fresh Uint8Arrays; the Rust buffer is wiped and freed right after
//   the copy (OwnedBuf), also when making the result throws;
// - a failure throws an Error whose `code` is the status's stable code.
#include "PqwireHostObject.h"

#include <cstring>
#include <memory>
#include <utility>

#include "pqwire.h"

namespace pqwire {

namespace jsi = facebook::jsi;

namespace {

// A Rust-owned output, wiped and freed when it goes out of scope.
struct OwnedBuf {
  PqwBuf buf{nullptr, 0};
  OwnedBuf() = default;
  OwnedBuf(const OwnedBuf&) = delete;
  OwnedBuf& operator=(const OwnedBuf&) = delete;
  ~OwnedBuf() { pqw_buf_free(&buf); }
  PqwBuf* out() { return &buf; }
};

// A borrowed byte input.
struct Bytes {
  const uint8_t* ptr = nullptr;
  size_t len = 0;
};

[[noreturn]] void throwPqwire(jsi::Runtime& rt, const char* code, const char* message) {
  jsi::Object error = rt.global()
                          .getPropertyAsFunction(rt, "Error")
                          .callAsConstructor(rt, jsi::String::createFromUtf8(rt, message))
                          .asObject(rt);
  error.setProperty(rt, "code", jsi::String::createFromUtf8(rt, code));
  throw jsi::JSError(rt, jsi::Value(rt, error));
}

void check(jsi::Runtime& rt, int32_t rc, const PqwStatus& status) {
  if (rc != PQW_OK) throwPqwire(rt, status.code, status.message);
}

Bytes bytesArg(jsi::Runtime& rt, const jsi::Value& v, const char* name, bool optional) {
  if (optional && (v.isNull() || v.isUndefined())) return {};
  if (!v.isObject()) throwPqwire(rt, "INVALID_TYPE", name);
  jsi::Object o = v.asObject(rt);
  jsi::Value buffer = o.getProperty(rt, "buffer");
  if (!buffer.isObject() || !buffer.asObject(rt).isArrayBuffer(rt)) throwPqwire(rt, "INVALID_TYPE", name);
  jsi::ArrayBuffer ab = buffer.asObject(rt).getArrayBuffer(rt);
  auto offset = static_cast<size_t>(o.getProperty(rt, "byteOffset").asNumber());
  auto length = static_cast<size_t>(o.getProperty(rt, "byteLength").asNumber());
  if (offset + length > ab.size(rt)) throwPqwire(rt, "INVALID_ARGUMENT", name);
  return {ab.data(rt) + offset, length};
}

uint32_t u32Arg(jsi::Runtime& rt, const jsi::Value& v) {
  double d = v.asNumber();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d))) {
    throwPqwire(rt, "INVALID_ARGUMENT", "expected an integer from 0 to 2^32 - 1");
  }
  return static_cast<uint32_t>(d);
}

uint64_t u64Arg(jsi::Runtime& rt, const jsi::Value& v) {
  double d = v.asNumber();
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throwPqwire(rt, "INVALID_ARGUMENT", "expected a safe non-negative integer");
  }
  return static_cast<uint64_t>(d);
}

jsi::Value toUint8Array(jsi::Runtime& rt, const PqwBuf& b) {
  jsi::Object array = rt.global()
                          .getPropertyAsFunction(rt, "Uint8Array")
                          .callAsConstructor(rt, static_cast<double>(b.len))
                          .asObject(rt);
  if (b.len > 0) {
    jsi::ArrayBuffer ab = array.getProperty(rt, "buffer").asObject(rt).getArrayBuffer(rt);
    std::memcpy(ab.data(rt), b.ptr, b.len);
  }
  return jsi::Value(rt, array);
}

jsi::Value toText(jsi::Runtime& rt, const PqwBuf& b) {
  return jsi::String::createFromUtf8(rt, b.ptr, b.len);
}

std::string textArg(jsi::Runtime& rt, const jsi::Value& v) { return v.asString(rt).utf8(rt); }

jsi::Array pair(jsi::Runtime& rt, jsi::Value a, jsi::Value b) {
  jsi::Array out(rt, 2);
  out.setValueAtIndex(rt, 0, std::move(a));
  out.setValueAtIndex(rt, 1, std::move(b));
  return out;
}

}  // namespace

PqwireHostObject::PqwireHostObject() {
  using A = const jsi::Value*;
  auto add = [this](const char* name, size_t arity, Method m) { methods_[name] = Entry{arity, std::move(m)}; };

  add("abiVersion", 0, [](jsi::Runtime&, A, size_t) { return jsi::Value(static_cast<double>(pqw_abi_version())); });
  add("errorCodes", 0, [](jsi::Runtime& rt, A, size_t) {
    PqwStatus st;
    OwnedBuf out;
    check(rt, pqw_error_codes(out.out(), &st), st);
    return toText(rt, out.buf);
  });

  // Suite lookups, names and lists, the same for the three roles.
  struct Role {
    const char* prefix;
    int32_t (*lookup)(const uint8_t*, size_t, uint32_t*, PqwStatus*);
    int32_t (*name)(uint32_t, PqwBuf*, PqwStatus*);
    int32_t (*names)(PqwBuf*, PqwStatus*);
  };
  for (const Role& r : {Role{"kem", pqw_kem_suite, pqw_kem_suite_name, pqw_kem_suite_names},
                        Role{"sig", pqw_sig_suite, pqw_sig_suite_name, pqw_sig_suite_names},
                        Role{"aead", pqw_aead_suite, pqw_aead_suite_name, pqw_aead_suite_names}}) {
    std::string p = r.prefix;
    add((p + "Suite").c_str(), 1, [r](jsi::Runtime& rt, A a, size_t) {
      PqwStatus st;
      std::string name = textArg(rt, a[0]);
      uint32_t code = 0;
      check(rt, r.lookup(reinterpret_cast<const uint8_t*>(name.data()), name.size(), &code, &st), st);
      return jsi::Value(static_cast<double>(code));
    });
    add((p + "SuiteName").c_str(), 1, [r](jsi::Runtime& rt, A a, size_t) {
      PqwStatus st;
      OwnedBuf out;
      check(rt, r.name(u32Arg(rt, a[0]), out.out(), &st), st);
      return toText(rt, out.buf);
    });
    add((p + "SuiteNames").c_str(), 0, [r](jsi::Runtime& rt, A, size_t) {
      PqwStatus st;
      OwnedBuf out;
      check(rt, r.names(out.out(), &st), st);
      return toText(rt, out.buf);
    });
  }

  add("kemLengths", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    PqwKemLengths l;
    check(rt, pqw_kem_lengths(u32Arg(rt, a[0]), &l, &st), st);
    jsi::Object o(rt);
    o.setProperty(rt, "publicKey", static_cast<double>(l.public_key));
    o.setProperty(rt, "secretKey", static_cast<double>(l.secret_key));
    o.setProperty(rt, "cipherText", static_cast<double>(l.cipher_text));
    o.setProperty(rt, "sharedSecret", static_cast<double>(l.shared_secret));
    o.setProperty(rt, "keygenSeed", static_cast<double>(l.keygen_seed));
    o.setProperty(rt, "encapsulationRandomness", static_cast<double>(l.encapsulation_randomness));
    return jsi::Value(rt, o);
  });
  add("kemKeygen", 2, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes seed = bytesArg(rt, a[1], "seed", true);
    OwnedBuf pk, sk;
    check(rt, pqw_kem_keygen(u32Arg(rt, a[0]), seed.ptr, seed.len, pk.out(), sk.out(), &st), st);
    return jsi::Value(rt, pair(rt, toUint8Array(rt, pk.buf), toUint8Array(rt, sk.buf)));
  });
  add("kemEncapsulate", 3, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes pk = bytesArg(rt, a[1], "publicKey", false), r = bytesArg(rt, a[2], "randomness", true);
    OwnedBuf ct, ss;
    check(rt, pqw_kem_encapsulate(u32Arg(rt, a[0]), pk.ptr, pk.len, r.ptr, r.len, ct.out(), ss.out(), &st), st);
    return jsi::Value(rt, pair(rt, toUint8Array(rt, ct.buf), toUint8Array(rt, ss.buf)));
  });
  add("kemDecapsulate", 3, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes ct = bytesArg(rt, a[1], "cipherText", false), sk = bytesArg(rt, a[2], "secretKey", false);
    OwnedBuf ss;
    check(rt, pqw_kem_decapsulate(u32Arg(rt, a[0]), ct.ptr, ct.len, sk.ptr, sk.len, ss.out(), &st), st);
    return toUint8Array(rt, ss.buf);
  });

  add("sigLengths", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    PqwSigLengths l;
    check(rt, pqw_sig_lengths(u32Arg(rt, a[0]), &l, &st), st);
    jsi::Object o(rt);
    o.setProperty(rt, "publicKey", static_cast<double>(l.public_key));
    o.setProperty(rt, "secretKey", static_cast<double>(l.secret_key));
    o.setProperty(rt, "signature", static_cast<double>(l.signature));
    o.setProperty(rt, "keygenSeed", static_cast<double>(l.keygen_seed));
    o.setProperty(rt, "signingRandomness", static_cast<double>(l.signing_randomness));
    return jsi::Value(rt, o);
  });
  add("sigKeygen", 2, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes seed = bytesArg(rt, a[1], "seed", true);
    OwnedBuf pk, sk;
    check(rt, pqw_sig_keygen(u32Arg(rt, a[0]), seed.ptr, seed.len, pk.out(), sk.out(), &st), st);
    return jsi::Value(rt, pair(rt, toUint8Array(rt, pk.buf), toUint8Array(rt, sk.buf)));
  });
  add("sigSign", 6, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes m = bytesArg(rt, a[1], "message", false), sk = bytesArg(rt, a[2], "secretKey", false);
    Bytes ctx = bytesArg(rt, a[3], "context", false), r = bytesArg(rt, a[5], "randomness", true);
    OwnedBuf sig;
    check(rt,
          pqw_sig_sign(u32Arg(rt, a[0]), m.ptr, m.len, sk.ptr, sk.len, ctx.ptr, ctx.len, u32Arg(rt, a[4]), r.ptr, r.len,
                       sig.out(), &st),
          st);
    return toUint8Array(rt, sig.buf);
  });
  add("sigVerify", 5, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes s = bytesArg(rt, a[1], "signature", false), m = bytesArg(rt, a[2], "message", false);
    Bytes pk = bytesArg(rt, a[3], "publicKey", false), ctx = bytesArg(rt, a[4], "context", false);
    PqwVerification v;
    check(rt, pqw_sig_verify(u32Arg(rt, a[0]), s.ptr, s.len, m.ptr, m.len, pk.ptr, pk.len, ctx.ptr, ctx.len, &v, &st),
          st);
    jsi::Array out(rt, 3);
    out.setValueAtIndex(rt, 0, jsi::Value(v.valid == 1));
    out.setValueAtIndex(rt, 1, jsi::Value(v.classic_valid == 1));
    out.setValueAtIndex(rt, 2, jsi::Value(v.quantum_valid == 1));
    return jsi::Value(rt, out);
  });

  for (bool open : {false, true}) {
    add(open ? "aeadOpen" : "aeadSeal", 5, [open](jsi::Runtime& rt, A a, size_t) {
      PqwStatus st;
      Bytes k = bytesArg(rt, a[1], "key", false), n = bytesArg(rt, a[2], "nonce", false);
      Bytes d = bytesArg(rt, a[3], "data", false), ad = bytesArg(rt, a[4], "associatedData", false);
      OwnedBuf out;
      auto f = open ? pqw_aead_open : pqw_aead_seal;
      check(rt, f(u32Arg(rt, a[0]), k.ptr, k.len, n.ptr, n.len, d.ptr, d.len, ad.ptr, ad.len, out.out(), &st), st);
      return toUint8Array(rt, out.buf);
    });
  }
  add("hkdf", 5, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    std::string hash = textArg(rt, a[0]);
    Bytes ikm = bytesArg(rt, a[1], "ikm", false), salt = bytesArg(rt, a[2], "salt", false);
    Bytes info = bytesArg(rt, a[3], "info", false);
    OwnedBuf out;
    check(rt,
          pqw_hkdf(reinterpret_cast<const uint8_t*>(hash.data()), hash.size(), ikm.ptr, ikm.len, salt.ptr, salt.len,
                   info.ptr, info.len, static_cast<size_t>(u64Arg(rt, a[4])), out.out(), &st),
          st);
    return toUint8Array(rt, out.buf);
  });
  add("sha3_256", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes d = bytesArg(rt, a[0], "data", false);
    OwnedBuf out;
    check(rt, pqw_sha3_256(d.ptr, d.len, out.out(), &st), st);
    return toUint8Array(rt, out.buf);
  });
  add("shake256", 2, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes d = bytesArg(rt, a[0], "data", false);
    OwnedBuf out;
    check(rt, pqw_shake256(d.ptr, d.len, static_cast<size_t>(u64Arg(rt, a[1])), out.out(), &st), st);
    return toUint8Array(rt, out.buf);
  });

  add("identityGenerate", 4, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes seed = bytesArg(rt, a[3], "seed", true);
    uint32_t h = 0;
    check(rt,
          pqw_identity_generate(u32Arg(rt, a[0]), u64Arg(rt, a[1]), u64Arg(rt, a[2]), seed.ptr, seed.len, &h, &st),
          st);
    return jsi::Value(static_cast<double>(h));
  });
  add("identityImport", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes r = bytesArg(rt, a[0], "record", false);
    uint32_t h = 0;
    check(rt, pqw_identity_import(r.ptr, r.len, &h, &st), st);
    return jsi::Value(static_cast<double>(h));
  });
  add("identityExport", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    OwnedBuf out;
    check(rt, pqw_identity_export(u32Arg(rt, a[0]), out.out(), &st), st);
    return toUint8Array(rt, out.buf);
  });
  add("identityPublic", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    OwnedBuf fp;
    uint32_t suite = 0;
    check(rt, pqw_identity_public(u32Arg(rt, a[0]), fp.out(), &suite, &st), st);
    return jsi::Value(rt, pair(rt, toUint8Array(rt, fp.buf), jsi::Value(static_cast<double>(suite))));
  });
  add("prekeyStoreNew", 0, [](jsi::Runtime& rt, A, size_t) {
    PqwStatus st;
    uint32_t h = 0;
    check(rt, pqw_prekey_store_new(&h, &st), st);
    return jsi::Value(static_cast<double>(h));
  });
  add("prekeyStoreCount", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    uint32_t n = 0;
    check(rt, pqw_prekey_store_count(u32Arg(rt, a[0]), &n, &st), st);
    return jsi::Value(static_cast<double>(n));
  });
  add("prekeyBundleCreate", 6, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    OwnedBuf out;
    check(rt,
          pqw_prekey_bundle_create(u32Arg(rt, a[0]), u32Arg(rt, a[1]), u32Arg(rt, a[2]), a[3].getBool() ? 1 : 0,
                                   a[4].getBool() ? 1 : 0, u64Arg(rt, a[5]), out.out(), &st),
          st);
    return toUint8Array(rt, out.buf);
  });
  add("sessionInitiate", 5, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes b = bytesArg(rt, a[1], "bundle", false), p = bytesArg(rt, a[2], "plaintext", false);
    Bytes ad = bytesArg(rt, a[3], "associatedData", false);
    uint32_t s = 0;
    OwnedBuf m;
    check(rt,
          pqw_session_initiate(u32Arg(rt, a[0]), b.ptr, b.len, p.ptr, p.len, ad.ptr, ad.len, u64Arg(rt, a[4]), &s,
                               m.out(), &st),
          st);
    return jsi::Value(rt, pair(rt, jsi::Value(static_cast<double>(s)), toUint8Array(rt, m.buf)));
  });
  add("sessionAccept", 4, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes m = bytesArg(rt, a[2], "initialMessage", false);
    uint32_t s = 0;
    OwnedBuf p, ad;
    check(rt, pqw_session_accept(u32Arg(rt, a[0]), u32Arg(rt, a[1]), m.ptr, m.len, u64Arg(rt, a[3]), &s, p.out(),
                                 ad.out(), &st),
          st);
    jsi::Array out(rt, 3);
    out.setValueAtIndex(rt, 0, jsi::Value(static_cast<double>(s)));
    out.setValueAtIndex(rt, 1, toUint8Array(rt, p.buf));
    out.setValueAtIndex(rt, 2, toUint8Array(rt, ad.buf));
    return jsi::Value(rt, out);
  });
  add("sessionEncrypt", 4, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes p = bytesArg(rt, a[1], "plaintext", false), ad = bytesArg(rt, a[2], "associatedData", false);
    OwnedBuf m;
    check(rt, pqw_session_encrypt(u32Arg(rt, a[0]), p.ptr, p.len, ad.ptr, ad.len, u64Arg(rt, a[3]), m.out(), &st), st);
    return toUint8Array(rt, m.buf);
  });
  add("sessionDecrypt", 3, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes m = bytesArg(rt, a[1], "message", false);
    OwnedBuf p, ad;
    check(rt, pqw_session_decrypt(u32Arg(rt, a[0]), m.ptr, m.len, u64Arg(rt, a[2]), p.out(), ad.out(), &st), st);
    return jsi::Value(rt, pair(rt, toUint8Array(rt, p.buf), toUint8Array(rt, ad.buf)));
  });
  add("sessionSerialize", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    OwnedBuf out;
    check(rt, pqw_session_serialize(u32Arg(rt, a[0]), out.out(), &st), st);
    return toUint8Array(rt, out.buf);
  });
  add("sessionDeserialize", 2, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    Bytes r = bytesArg(rt, a[0], "record", false);
    bool hasMin = !(a[1].isNull() || a[1].isUndefined());
    uint32_t s = 0;
    check(rt, pqw_session_deserialize(r.ptr, r.len, hasMin ? 1 : 0, hasMin ? u64Arg(rt, a[1]) : 0, &s, &st), st);
    return jsi::Value(static_cast<double>(s));
  });
  add("sessionInfo", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    PqwSessionInfo i;
    check(rt, pqw_session_info(u32Arg(rt, a[0]), &i, &st), st);
    auto bytes = [&rt](const uint8_t* p, size_t n) { return toUint8Array(rt, PqwBuf{const_cast<uint8_t*>(p), n}); };
    jsi::Object o(rt);
    o.setProperty(rt, "epoch", static_cast<double>(i.epoch));
    o.setProperty(rt, "pqSteps", static_cast<double>(i.pq_steps));
    o.setProperty(rt, "establishedAt", static_cast<double>(i.established_at));
    o.setProperty(rt, "kemSuite", static_cast<double>(i.kem_suite));
    o.setProperty(rt, "sigSuite", static_cast<double>(i.sig_suite));
    o.setProperty(rt, "aeadSuite", static_cast<double>(i.aead_suite));
    o.setProperty(rt, "role", static_cast<double>(i.role));
    o.setProperty(rt, "postQuantum", i.post_quantum == 1);
    o.setProperty(rt, "hybridAuth", i.hybrid_auth == 1);
    o.setProperty(rt, "peerConfirmed", i.peer_confirmed == 1);
    o.setProperty(rt, "sessionId", bytes(i.session_id, sizeof i.session_id));
    o.setProperty(rt, "localIdentity", bytes(i.local_identity, sizeof i.local_identity));
    o.setProperty(rt, "peerIdentity", bytes(i.peer_identity, sizeof i.peer_identity));
    return jsi::Value(rt, o);
  });
  add("handleFree", 1, [](jsi::Runtime& rt, A a, size_t) {
    PqwStatus st;
    check(rt, pqw_handle_free(u32Arg(rt, a[0]), &st), st);
    return jsi::Value::undefined();
  });
}

jsi::Value PqwireHostObject::get(jsi::Runtime& rt, const jsi::PropNameID& name) {
  std::string key = name.utf8(rt);
  auto found = methods_.find(key);
  if (found == methods_.end()) return jsi::Value::undefined();
  Entry entry = found->second;
  return jsi::Function::createFromHostFunction(
      rt, name, static_cast<unsigned int>(entry.arity),
      [entry, key](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) -> jsi::Value {
        if (count < entry.arity) throwPqwire(rt, "INVALID_ARGUMENT", ("too few arguments to " + key).c_str());
        return entry.method(rt, args, count);
      });
}

std::vector<jsi::PropNameID> PqwireHostObject::getPropertyNames(jsi::Runtime& rt) {
  std::vector<jsi::PropNameID> names;
  for (const auto& m : methods_) names.push_back(jsi::PropNameID::forUtf8(rt, m.first));
  return names;
}

bool installPqwire(jsi::Runtime& rt) {
  if (pqw_abi_version() != PQW_ABI_VERSION) return false;
  rt.global().setProperty(rt, "__pqwire",
                          jsi::Object::createFromHostObject(rt, std::make_shared<PqwireHostObject>()));
  return true;
}

}  // namespace pqwire
