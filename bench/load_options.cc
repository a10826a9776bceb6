#include "load_options.h"

#include <charconv>
#include <cmath>

#include "bench_util.h"

namespace convene::bench {

const char* mix_name(OpMix mix) {
  switch (mix) {
    case OpMix::kMap:
      return "map";
    case OpMix::kText:
      return "text";
    case OpMix::kMixed:
      return "mixed";
  }
  return "?";
}

bool apply_scenario(const std::string& name, LoadOptions& o) {
  o.scenario = name;
  if (name == "workshop" || name == "custom") {
    // The defaults of LoadOptions: 50 rooms of 20, 4 writers each typing or
    // moving at 5 ops/s, everyone's cursor at 10 Hz.
    return true;
  }
  if (name == "soak") {
    // The workshop's rooms, writers and cursors for half an hour, but every
    // edit replaces a map element's position or label: the documents stay
    // the same size, so the server's memory at the end against a quarter in
    // shows what the server itself keeps, not the documents' growth (typing
    // adds characters, and a deleted one stays as a tombstone).
    o.mix = OpMix::kMap;
    o.duration_s = 1800;
    return true;
  }
  if (name == "hot-room") {
    o.rooms = 1;
    o.clients_per_room = 300;
    o.writers_per_room = 30;
    o.rate = 10;  // 300 ops/s in all
    o.presence_hz = 1;
    return true;
  }
  if (name == "join-storm") {
    o.rooms = 1;
    o.clients_per_room = 2000;
    o.writers_per_room = 0;
    o.presence_hz = 0;
    o.history = 50'000;
    o.join_spread_s = 1;
    o.duration_s = 5;
    return true;
  }
  if (name == "idle") {
    o.rooms = 100;
    o.clients_per_room = 100;
    o.writers_per_room = 0;
    o.presence_hz = 0;
    o.duration_s = 20;
    return true;
  }
  return false;
}

namespace {

std::optional<double> positive_number(const Flags& f, const std::string& name, double min,
                                      double max, std::string* error) {
  const std::string& text = f.get(name);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    *error = "--" + name + " must be a number, not '" + text + "'";
    return std::nullopt;
  }
  if (v < min || v > max) {
    *error =
        "--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  }
  return v;
}

// "http://HOST:PORT" (a trailing slash is allowed).
bool parse_server(const std::string& url, LoadOptions& o) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  uint64_t port = 0;
  const std::string digits = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
      port > 65535)
    return false;
  o.host = rest.substr(0, colon);
  if (o.host == "localhost") o.host = "127.0.0.1";
  o.port = static_cast<uint16_t>(port);
  o.server = url;
  return true;
}

}  // namespace

std::optional<LoadOptions> parse_load_options(int argc, char** argv, int first,
                                              std::string* error) {
  Flags f;
  f.value("server", "http://127.0.0.1:8080")
      .value("scenario", "workshop")
      .value("duration")
      .value("rooms")
      .value("clients-per-room")
      .value("writers-per-room")
      .value("rate")
      .value("mix")
      .value("presence-rate")
      .value("history")
      .value("join-spread")
      .value("threads")
      .value("server-pid")
      .value("report")
      .value("admin-token")
      .value("find-max-step")
      .value("exporters")
      .value("export-elements")
      .toggle("json")
      .toggle("find-max");
  if (!f.parse(argc, argv, first, error)) return std::nullopt;

  LoadOptions o;
  if (!apply_scenario(f.get("scenario"), o)) {
    *error = "unknown --scenario '" + f.get("scenario") +
             "' (workshop, soak, hot-room, join-storm, idle or custom)";
    return std::nullopt;
  }
  if (!parse_server(f.get("server"), o)) {
    *error = "--server must look like http://127.0.0.1:8080, not '" + f.get("server") + "'";
    return std::nullopt;
  }
  const auto set_number = [&](const char* name, double min, double max, double& out) {
    if (f.get(name).empty()) return true;
    const auto v = positive_number(f, name, min, max, error);
    if (v) out = *v;
    return v.has_value();
  };
  const auto set_whole = [&](const char* name, uint64_t min, uint64_t max, uint64_t& out) {
    if (f.get(name).empty()) return true;
    const auto v = f.number(name, min, max, error);
    if (v) out = *v;
    return v.has_value();
  };
  if (!set_number("duration", 0.5, 3600, o.duration_s) || !set_whole("rooms", 1, 10'000, o.rooms) ||
      !set_whole("clients-per-room", 1, 20'000, o.clients_per_room) ||
      !set_whole("writers-per-room", 0, 20'000, o.writers_per_room) ||
      !set_number("rate", 0, 10'000, o.rate) ||
      !set_number("presence-rate", 0, 100, o.presence_hz) ||
      !set_whole("history", 0, 10'000'000, o.history) ||
      !set_number("join-spread", 0, 60, o.join_spread_s) ||
      !set_whole("threads", 1, 64, o.threads) ||
      !set_number("find-max-step", 1, 600, o.find_max_step_s) ||
      !set_whole("exporters", 0, 64, o.exporters) ||
      !set_whole("export-elements", 0, 1'000'000, o.export_elements))
    return std::nullopt;
  if (o.writers_per_room > o.clients_per_room) {
    *error = "--writers-per-room cannot exceed --clients-per-room";
    return std::nullopt;
  }
  if (o.rooms * o.clients_per_room > 100'000) {
    *error = "at most 100,000 clients in all";
    return std::nullopt;
  }
  if (const std::string& mix = f.get("mix"); !mix.empty()) {
    if (mix == "map")
      o.mix = OpMix::kMap;
    else if (mix == "text")
      o.mix = OpMix::kText;
    else if (mix == "mixed")
      o.mix = OpMix::kMixed;
    else {
      *error = "--mix must be map, text or mixed, not '" + mix + "'";
      return std::nullopt;
    }
  }
  if (!f.get("server-pid").empty()) {
    const auto pid = f.number("server-pid", 1, 1u << 22, error);
    if (!pid) return std::nullopt;
    o.server_pid = static_cast<int>(*pid);
  }
  o.report = f.get("report");
  o.admin_token = f.get("admin-token");
  o.json = f.on("json");
  o.find_max = f.on("find-max");
  if (o.find_max && o.writers_per_room == 0) {
    *error = "--find-max needs writers (--writers-per-room)";
    return std::nullopt;
  }
  return o;
}

}  // namespace convene::bench
