// Linked into the GoogleTest binaries that use support/ws_client.h: protocol
// violations by the server become failures of the test that saw them.
#include <gtest/gtest.h>

#include "support/ws_client.h"

namespace {

[[maybe_unused]] const bool kInstalled = [] {
  convene::itest::set_violation_reporter([](const std::string& what) { ADD_FAILURE() << what; });
  return true;
}();

}  // namespace
