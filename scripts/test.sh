#!/usr/bin/env bash
# The test command: builds everything with warnings as errors and runs every
# test (C++ with ctest; the browser client's unit tests and its end-to-end
# tests in Debian's Chromium against a real convene-server, with Vitest), then
# builds and runs every C++ test again under AddressSanitizer and
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

bash scripts/client.sh
echo "== browser client: formatting and unit tests (types were checked by the build)"
(cd client-web && npm run --silent format:check && npx vitest run --project unit)
echo "== browser client: end-to-end tests (Chromium, a real convene-server)"
(cd client-web && CONVENE_SERVER_BINARY="$PWD/../build/convene-server" npx vitest run --project e2e)

echo "== build with sanitizers in build-sanitize/"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVENE_WERROR=ON \
  -DCONVENE_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j"$jobs"

echo "== all tests again under ASan/UBSan"
(cd build-sanitize && ctest --output-on-failure -j"$jobs")

echo "== all tests passed"
