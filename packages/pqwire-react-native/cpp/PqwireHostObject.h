// The JSI module of pqwire-react-native: a HostObject whose methods call the C ABI of
// crates/pqwire-ffi (include/pqwire.h) one to one. Its interface is src/native.ts's
// `PqwireNative`; the platform glue (ios/, android/) calls installPqwire() once.
#pragma once

#include <jsi/jsi.h>

#include <functional>
#include <string>
#include <unordered_map>

namespace pqwire {

class PqwireHostObject : public facebook::jsi::HostObject {
 public:
  PqwireHostObject();
  facebook::jsi::Value get(facebook::jsi::Runtime& rt, const facebook::jsi::PropNameID& name) override;
  std::vector<facebook::jsi::PropNameID> getPropertyNames(facebook::jsi::Runtime& rt) override;

  using Method = std::function<facebook::jsi::Value(facebook::jsi::Runtime&, const facebook::jsi::Value*, size_t)>;

 private:
  struct Entry {
    size_t arity;
    Method method;
  };
  std::unordered_map<std::string, Entry> methods_;
};

// Installs `global.__pqwire` in `rt`. Returns false if the linked library's ABI version
// is not the one this module was compiled against.
bool installPqwire(facebook::jsi::Runtime& rt);

}  // namespace pqwire
