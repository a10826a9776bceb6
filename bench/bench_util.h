// Shared pieces of convene-bench: command-line flags, timing, memory figures.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace convene::bench {

// Exit codes of convene-bench.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the benchmark ran and a check failed
inline constexpr int kExitUsage = 2;   // bad command line or unreadable input

// Flags of one subcommand: "--name value", "--name=value" or, for switches,
// "--name". Anything not declared is an error.
class Flags {
 public:
  // Declares a flag taking a value, with its default ("" = none).
  Flags& value(const std::string& name, std::string default_value = "");
  // Declares a switch (no value).
  Flags& toggle(const std::string& name);

  // Parses argv[first..argc). On error returns false and sets `error`.
  bool parse(int argc, char** argv, int first, std::string* error);

  bool on(const std::string& name) const;
  const std::string& get(const std::string& name) const;
  // The flag as a whole number in [min, max]; on error returns nullopt and
  // sets `error`.
  std::optional<uint64_t> number(const std::string& name, uint64_t min, uint64_t max,
                                 std::string* error) const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> toggles_;
};

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values);

// Peak resident set size of this process so far (getrusage ru_maxrss), in MiB.
double peak_rss_mb();

// Rounds to `digits` decimals, for readable JSON.
double round_to(double value, int digits);

// Prints each field of a report as "  key  value", values as JSON except
// strings; keys in `skip` are left out.
void print_fields(const nlohmann::ordered_json& report, int key_width,
                  const std::vector<std::string>& skip = {});

// Subcommands: parse their flags from argv[2..] and run.
int run_trace(int argc, char** argv);
int run_map(int argc, char** argv);
int run_load(int argc, char** argv);
int run_crash(int argc, char** argv);

void print_help();

}  // namespace convene::bench
