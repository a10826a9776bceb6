// Running convene-bench from a test: its path and a command's output.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace convene::itest {

// The convene-bench built with the tests (CONVENE_BENCH_BINARY in the
// environment overrides it).
inline std::string bench_binary() {
  if (const char* env = std::getenv("CONVENE_BENCH_BINARY"); env != nullptr && *env != '\0')
    return env;
  return CONVENE_BENCH_BINARY;
}

// Runs a shell command; its stdout and its exit status (as pclose gives it).
inline std::pair<std::string, int> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {out, -1};
  std::array<char, 4096> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  return {out, ::pclose(pipe)};
}

}  // namespace convene::itest
