// Where tests and benchmarks find their data.
#pragma once

#include <string>

namespace convene::testing {

// The editing traces: $CONVENE_TRACES_DIR, else ../shared/traces beside the
// source tree. Callers skip with a clear message when it is absent.
std::string traces_dir();
// The conformance vectors in tests/vectors.
std::string vectors_dir();

}  // namespace convene::testing
