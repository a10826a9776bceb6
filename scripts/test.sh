#!/usr/bin/env bash
# The test command: builds everything with warnings as errors and runs every
# test, then builds and runs every test again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo) in build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVENE_WERROR=ON >/dev/null
cmake --build build -j"$jobs"

echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== build with sanitizers in build-sanitize/"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVENE_WERROR=ON \
  -DCONVENE_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j"$jobs"

echo "== all tests again under ASan/UBSan"
(cd build-sanitize && ctest --output-on-failure -j"$jobs")

# --- browser client tests (next milestone) ------------------------------------
# The browser client's unit and end-to-end tests will run here.
# ------------------------------------------------------------------------------

echo "== all tests passed"
