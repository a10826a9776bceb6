#include "bench_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace convene::bench {

Flags& Flags::value(const std::string& name, std::string default_value) {
  values_[name] = std::move(default_value);
  return *this;
}

Flags& Flags::toggle(const std::string& name) {
  toggles_[name] = false;
  return *this;
}

bool Flags::parse(int argc, char** argv, int first, std::string* error) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "'";
      return false;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (auto t = toggles_.find(name); t != toggles_.end()) {
      if (inline_value) {
        *error = "--" + name + " takes no value";
        return false;
      }
      t->second = true;
    } else if (auto v = values_.find(name); v != values_.end()) {
      if (inline_value) {
        v->second = *inline_value;
      } else if (i + 1 < argc) {
        v->second = argv[++i];
      } else {
        *error = "--" + name + " needs a value";
        return false;
      }
    } else {
      *error = "unknown flag '--" + name + "'";
      return false;
    }
  }
  return true;
}

bool Flags::on(const std::string& name) const {
  auto it = toggles_.find(name);
  return it != toggles_.end() && it->second;
}

const std::string& Flags::get(const std::string& name) const {
  return values_.at(name);
}

std::optional<uint64_t> Flags::number(const std::string& name, uint64_t min, uint64_t max,
                                      std::string* error) const {
  const std::string& text = get(name);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    *error = "--" + name + " must be a whole number, not '" + text + "'";
    return std::nullopt;
  }
  if (v < min || v > max) {
    *error =
        "--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  }
  return v;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double round_to(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

void print_fields(const nlohmann::ordered_json& report, int key_width,
                  const std::vector<std::string>& skip) {
  for (const auto& [key, value] : report.items()) {
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    std::printf("  %-*s %s\n", key_width, key.c_str(),
                value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
  }
}

}  // namespace convene::bench
