#!/usr/bin/env bash
# The test command: builds everything with warnings as errors and runs every
# test (C++ with ctest; the browser client's unit tests and its end-to-end
# tests in Debian's Chromium against a real convene-server, with Vitest), then
# builds and runs every C++ test again under AddressSanitizer and
# UndefinedBehaviorSanitizer (with clang), and runs each libFuzzer target for
# a minute. Exits non-zero if any step fails.
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

# clang, so that the same tree builds the libFuzzer targets; its own
# directory, as CMake keeps one compiler per tree. Line tables are all the
# debug information sanitizer reports need (file:line in every frame), and
# they make this build, the longest step of the test command, faster.
echo "== build with sanitizers and fuzz targets (clang) in build-sanitize-clang/"
CC=clang CXX=clang++ cmake -S . -B build-sanitize-clang -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
  -DCONVENE_WERROR=ON -DCONVENE_SANITIZE=ON -DCONVENE_FUZZ=ON \
  -DCONVENE_FUZZ_SECONDS="${CONVENE_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-sanitize-clang -j"$jobs"

echo "== all tests again under ASan/UBSan, and each fuzz target for ${CONVENE_FUZZ_SECONDS:-60} s"
(cd build-sanitize-clang && ctest --output-on-failure -j"$jobs")

echo "== all tests passed"
