#include "support/paths.h"

#include <cstdlib>
#include <filesystem>

namespace convene::testing {

std::string traces_dir() {
  if (const char* env = std::getenv("CONVENE_TRACES_DIR"); env && *env) return env;
  return std::string(CONVENE_SOURCE_DIR) + "/../shared/traces";
}

std::string vectors_dir() {
  return std::string(CONVENE_SOURCE_DIR) + "/tests/vectors";
}

}  // namespace convene::testing
