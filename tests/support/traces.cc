#include "support/traces.h"

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "crdt/utf8.h"
#include "support/paths.h"

namespace convene::testing {
namespace {

using Json = nlohmann::json;

// The uncompressed size a gzip file records in its last four bytes (modulo
// 2^32, and only for the last member): a hint to size the buffer once.
size_t gzip_size_hint(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return 0;
  unsigned char b[4];
  size_t hint = 0;
  if (std::fseek(f, -4, SEEK_END) == 0 && std::fread(b, 1, 4, f) == 4)
    hint = size_t{b[0]} | size_t{b[1]} << 8 | size_t{b[2]} << 16 | size_t{b[3]} << 24;
  std::fclose(f);
  return hint;
}

bool read_gzip(const std::string& path, std::string& out, std::string& error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open " + path;
    return false;
  }
  gzbuffer(f, 1 << 18);
  constexpr size_t kMaxHint = size_t{1} << 30;
  if (size_t hint = gzip_size_hint(path); hint > 0 && hint < kMaxHint) out.reserve(hint);
  constexpr unsigned kChunk = 1 << 18;
  for (;;) {
    const size_t old = out.size();
    out.resize(old + kChunk);
    const int n = gzread(f, out.data() + old, kChunk);
    if (n < 0) {
      int code = 0;
      error = path + ": " + gzerror(f, &code);
      gzclose(f);
      return false;
    }
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
  }
  gzclose(f);
  return true;
}

std::string stem_of(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".json"}) {
    const std::string e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      name.resize(name.size() - e.size());
  }
  return name;
}

// Builds the trace structures from SAX events. Each container is pushed with
// its role; values are taken by role and key (objects) or index (arrays).
// Anything the traces carry that we do not use (times, numChildren) is
// skipped without being stored.
class TraceHandler : public nlohmann::json_sax<Json> {
 public:
  // Exactly one of the two is non-null: where txns go.
  TraceHandler(std::vector<std::vector<Patch>>* seq, std::vector<ConcurrentTxn>* conc)
      : seq_(seq), conc_(conc) {}

  std::u32string start, end;
  bool have_end = false, have_txns = false;
  long long num_agents = -1;
  std::string kind;
  size_t edit_count = 0;
  std::string error;

  bool null() override { return scalar("null"); }
  bool boolean(bool) override { return scalar("boolean"); }
  bool number_integer(number_integer_t v) override {
    if (v < 0) return scalar("negative number");
    return number(static_cast<uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override { return number(v); }
  bool number_float(number_float_t, const string_t&) override { return scalar("fraction"); }
  bool binary(binary_t&) override { return scalar("binary"); }

  bool string(string_t& s) override {
    if (stack_.empty()) return fail("top level is not an object");
    Frame& top = stack_.back();
    switch (top.role) {
      case Role::kRoot:
        if (top.key == "startContent") return decode(s, start, "startContent");
        if (top.key == "endContent") {
          have_end = true;
          return decode(s, end, "endContent");
        }
        if (top.key == "kind") kind = s;
        return true;
      case Role::kPatch:
        if (top.index == 2) {
          ++top.index;
          return decode(s, patches_->back().ins, "patch text");
        }
        return fail("patch field " + std::to_string(top.index) + " is a string");
      case Role::kIgnore:
      case Role::kTxn:
        return true;
      default:
        return scalar("string");
    }
  }

  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& k) override {
    stack_.back().key = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (error.empty()) error = "JSON error at byte " + std::to_string(position) + ": " + ex.what();
    return false;
  }

 private:
  enum class Role { kRoot, kTxns, kTxn, kPatches, kPatch, kParents, kIgnore };
  struct Frame {
    Role role;
    std::string key;   // objects: the current key
    size_t index = 0;  // arrays: elements seen
  };

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  bool scalar(const char* what) {
    if (stack_.empty()) return fail("top level is not an object");
    switch (stack_.back().role) {
      case Role::kIgnore:
      case Role::kTxn:
      case Role::kRoot:
        return true;
      default:
        return fail(std::string("unexpected ") + what + " in " + where());
    }
  }
  std::string where() const {
    switch (stack_.back().role) {
      case Role::kTxns:
        return "txns";
      case Role::kPatches:
        return "txn " + std::to_string(txn_count() - 1) + " patches";
      case Role::kPatch:
        return "a patch of txn " + std::to_string(txn_count() - 1);
      case Role::kParents:
        return "parents of txn " + std::to_string(txn_count() - 1);
      default:
        return "trace";
    }
  }
  size_t txn_count() const { return seq_ ? seq_->size() : conc_->size(); }

  bool decode(const std::string& s, std::u32string& out, const char* what) {
    if (!crdt::utf8::decode(s, out)) return fail(std::string("invalid UTF-8 in ") + what);
    return true;
  }

  bool number(uint64_t v) {
    if (stack_.empty()) return fail("top level is not an object");
    Frame& top = stack_.back();
    switch (top.role) {
      case Role::kRoot:
        if (top.key == "numAgents") {
          if (v > 1'000'000) return fail("numAgents out of range");
          num_agents = static_cast<long long>(v);
        }
        return true;
      case Role::kTxn:
        if (top.key == "agent" && conc_) {
          if (v > static_cast<uint64_t>(std::numeric_limits<int>::max()))
            return fail("agent out of range");
          conc_->back().agent = static_cast<int>(v);
        }
        return true;
      case Role::kPatch:
        if (top.index == 0) {
          patches_->back().pos = static_cast<size_t>(v);
        } else if (top.index == 1) {
          patches_->back().del = static_cast<size_t>(v);
        } else {
          return fail("patch field " + std::to_string(top.index) + " is a number");
        }
        ++top.index;
        return true;
      case Role::kParents:
        if (v >= conc_->size() - 1)
          return fail("txn " + std::to_string(conc_->size() - 1) + " names parent " +
                      std::to_string(v) + ", not an earlier txn");
        conc_->back().parents.push_back(static_cast<size_t>(v));
        return true;
      case Role::kIgnore:
        return true;
      default:
        return scalar("number");
    }
  }

  bool open(bool is_array) {
    Role role = Role::kIgnore;
    if (stack_.empty()) {
      if (is_array) return fail("top level is not an object");
      role = Role::kRoot;
    } else {
      const Frame& top = stack_.back();
      switch (top.role) {
        case Role::kRoot:
          if (top.key == "txns") {
            if (!is_array) return fail("txns is not an array");
            have_txns = true;
            role = Role::kTxns;
          }
          break;
        case Role::kTxns:
          if (is_array) return fail("a txn is not an object");
          role = Role::kTxn;
          if (seq_) {
            patches_ = &seq_->emplace_back();
          } else {
            patches_ = &conc_->emplace_back().patches;
          }
          break;
        case Role::kTxn:
          if (top.key == "patches") {
            if (!is_array) return fail("patches is not an array");
            role = Role::kPatches;
          } else if (top.key == "parents" && conc_) {
            if (!is_array) return fail("parents is not an array");
            role = Role::kParents;
          }
          break;
        case Role::kPatches:
          if (!is_array) return fail("a patch is not an array");
          role = Role::kPatch;
          patches_->emplace_back();
          ++edit_count;
          break;
        case Role::kPatch:
        case Role::kParents:
          return fail("unexpected container in " + where());
        case Role::kIgnore:
          break;
      }
    }
    stack_.push_back(Frame{role, {}, 0});
    return true;
  }

  bool close() {
    const Frame done = std::move(stack_.back());
    stack_.pop_back();
    if (done.role == Role::kPatch && done.index != 3)
      return fail("a patch of txn " + std::to_string(txn_count() - 1) + " has " +
                  std::to_string(done.index) + " fields, not [pos, del, text]");
    if (!stack_.empty()) ++stack_.back().index;
    return true;
  }

  std::vector<std::vector<Patch>>* seq_;
  std::vector<ConcurrentTxn>* conc_;
  std::vector<Patch>* patches_ = nullptr;  // patches of the txn being read
  std::vector<Frame> stack_;
};

template <class Fn>
bool parse_file(const std::string& path, TraceHandler& handler, std::string& error, Fn&& check) {
  std::string bytes;
  if (!read_gzip(path, bytes, error)) return false;
  const bool parsed = Json::sax_parse(bytes, &handler);
  std::string().swap(bytes);  // free the text before anything else is built
  if (!parsed) {
    error = path + ": " + (handler.error.empty() ? "not a trace" : handler.error);
    return false;
  }
  if (!handler.have_end || !handler.have_txns) {
    error = path + ": missing endContent or txns";
    return false;
  }
  if (std::string message = check(); !message.empty()) {
    error = path + ": " + message;
    return false;
  }
  return true;
}

void set_error(std::string* out, std::string message) {
  if (out) *out = std::move(message);
}

}  // namespace

bool trace_available(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  std::fclose(f);
  return true;
}

std::string trace_path(const std::string& relative) {
  return traces_dir() + "/" + relative;
}

std::optional<SequentialTrace> load_sequential_trace(const std::string& path, std::string* error) {
  try {
    SequentialTrace trace;
    trace.name = stem_of(path);
    TraceHandler handler(&trace.txns, nullptr);
    std::string message;
    const bool ok = parse_file(path, handler, message, [&]() -> std::string {
      if (handler.kind == "concurrent") return "a concurrent trace, not a sequential one";
      return {};
    });
    if (!ok) {
      set_error(error, std::move(message));
      return std::nullopt;
    }
    trace.start = std::move(handler.start);
    trace.end = std::move(handler.end);
    trace.edit_count = handler.edit_count;
    return trace;
  } catch (const std::exception& e) {
    set_error(error, path + ": " + e.what());
  } catch (...) {
    set_error(error, path + ": unknown error");
  }
  return std::nullopt;
}

std::optional<ConcurrentTrace> load_concurrent_trace(const std::string& path, std::string* error) {
  try {
    ConcurrentTrace trace;
    trace.name = stem_of(path);
    TraceHandler handler(nullptr, &trace.txns);
    std::string message;
    const bool ok = parse_file(path, handler, message, [&]() -> std::string {
      if (handler.num_agents < 1) return "missing numAgents";
      if (!handler.start.empty()) return "a concurrent trace must start empty";
      for (size_t i = 0; i < trace.txns.size(); ++i) {
        if (trace.txns[i].agent >= handler.num_agents)
          return "txn " + std::to_string(i) + " has agent " + std::to_string(trace.txns[i].agent) +
                 " >= numAgents";
      }
      return {};
    });
    if (!ok) {
      set_error(error, std::move(message));
      return std::nullopt;
    }
    trace.end = std::move(handler.end);
    trace.num_agents = static_cast<int>(handler.num_agents);
    return trace;
  } catch (const std::exception& e) {
    set_error(error, path + ": " + e.what());
  } catch (...) {
    set_error(error, path + ": unknown error");
  }
  return std::nullopt;
}

bool apply_patch(std::u32string& text, const Patch& patch) {
  if (patch.pos > text.size() || patch.del > text.size() - patch.pos) return false;
  text.replace(patch.pos, patch.del, patch.ins);
  return true;
}

}  // namespace convene::testing
