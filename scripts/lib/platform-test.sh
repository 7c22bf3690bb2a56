# Shared by scripts/test-arm64.sh and scripts/test-musl.sh (sourced, not run): the steps of
# running the test suite against another platform's prebuilt binary from a copy of the
# repository. The sourcing script sets NAME (test:arm64, test:musl), ROOT (the repository)
# and WORK (its directory under target/) first.

fail() {
  echo "$NAME: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}
step() { echo "=== $NAME: $1"; }

# build_binary TRIPLE BINARY REBUILD: the prebuilt binary for TRIPLE, built by
# build:targets when missing or when REBUILD is 1, with the tests' profile (ci) unless
# PQWIRE_BUILD_PROFILE says otherwise (the release profile's fat LTO takes far longer).
build_binary() {
  if [ ! -f "$2" ] || [ "$3" = 1 ]; then
    step "building $2"
    PQWIRE_BUILD_PROFILE=${PQWIRE_BUILD_PROFILE:-ci} node "$ROOT/scripts/build-targets.js" --target "$1" ||
      fail "could not build the $1 binary"
  fi
}

# copy_repository COPY: the tracked and new files of the repository into COPY, replacing
# an earlier copy but its node_modules (the caller keeps those while they fit), and the
# official vectors at ../shared beside it, where the tests look.
copy_repository() {
  step "copying the repository to $1"
  mkdir -p "$1"
  find "$1" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
  (cd "$ROOT" && git ls-files -z -c -o --exclude-standard | xargs -0 cp --parents -t "$1") ||
    fail "could not copy the repository (is every tracked file in the working tree?)"
  ln -sfn "$(cd "$ROOT/.." && pwd)/shared" "$(dirname "$1")/shared"
}

# find_node_gyp: NODE_GYP, the node-gyp that comes with npm.
find_node_gyp() {
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$NODE_GYP" ] || fail "npm's node-gyp not found at $NODE_GYP"
}

# install_platform_package COPY PLATFORM BINARY: the prebuilt binary as npm installs it,
# the package pqwire-PLATFORM in COPY's node_modules; then ts/dist compiled in COPY.
install_platform_package() {
  rm -rf "$1/node_modules/pqwire-$2"
  mkdir -p "$1/node_modules/pqwire-$2"
  cp "$ROOT/npm/$2/package.json" "$3" "$1/node_modules/pqwire-$2/" || fail "could not install pqwire-$2"
  (cd "$1" && npm run --silent build:ts) || fail "tsc failed"
}
