// convene-bench trace: a sequential editing trace through the text CRDT.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_util.h"
#include "crdt/document.h"
#include "crdt/utf8.h"
#include "support/traces.h"

namespace convene::bench {
namespace {

using crdt::Document;
using crdt::OpId;

struct TraceRun {
  double local_apply_ms = 0, remote_merge_ms = 0;
  double snapshot_encode_ms = 0, snapshot_load_ms = 0;
  size_t ops = 0, snapshot_bytes = 0, final_length = 0;
  bool content_ok = false;
  std::string error;  // first failure, if any
};

TraceRun run_once(const testing::SequentialTrace& trace, const std::string& end_utf8) {
  TraceRun run;
  std::vector<crdt::pb::Op> ops;
  OpId variant;

  // (a) Local apply: every patch as local edits of replica 1.
  bool local_ok = false;
  {
    Document local(1);
    auto draft = local.create_draft(trace.name);
    if (!draft.ok()) {
      run.error = "create_draft: " + draft.status.str();
      return run;
    }
    variant = draft.value;  // the base variant has the draft's id
    std::string utf8;
    const auto start = Clock::now();
    if (!trace.start.empty()) {
      crdt::utf8::append(trace.start, utf8);
      if (auto s = local.insert_text(variant, 0, utf8); !s.is_ok()) {
        run.error = "inserting startContent: " + s.str();
        return run;
      }
    }
    for (size_t t = 0; t < trace.txns.size(); ++t) {
      for (const testing::Patch& patch : trace.txns[t]) {
        if (patch.del > 0) {
          if (auto s = local.delete_text(variant, patch.pos, patch.del); !s.is_ok()) {
            run.error = "txn " + std::to_string(t) + ": delete_text: " + s.str();
            return run;
          }
        }
        if (!patch.ins.empty()) {
          utf8.clear();
          crdt::utf8::append(patch.ins, utf8);
          if (auto s = local.insert_text(variant, patch.pos, utf8); !s.is_ok()) {
            run.error = "txn " + std::to_string(t) + ": insert_text: " + s.str();
            return run;
          }
        }
      }
    }
    ops = local.take_outbox();
    run.local_apply_ms = ms_since(start);
    local_ok = local.text(variant) == end_utf8;
    if (!local_ok) run.error = "local replica's text differs from endContent";
  }  // the local replica (and its undo history) is freed before the merge
  run.ops = ops.size();

  // (b) Remote merge: a second replica applies every op.
  Document remote(2);
  const auto merge_start = Clock::now();
  for (size_t i = 0; i < ops.size(); ++i) {
    if (auto s = remote.apply(ops[i]); !s.is_ok()) {
      run.error = "remote apply of op " + std::to_string(i) + ": " + s.str();
      return run;
    }
  }
  run.remote_merge_ms = ms_since(merge_start);
  std::vector<crdt::pb::Op>().swap(ops);

  // (c) The merged text.
  const bool remote_ok = remote.text(variant) == end_utf8;
  run.final_length = remote.text_length(variant);
  if (!remote_ok && run.error.empty()) run.error = "merged text differs from endContent";

  // (d) Snapshot round trip.
  const auto encode_start = Clock::now();
  const std::string bytes = remote.encode_snapshot();
  run.snapshot_encode_ms = ms_since(encode_start);
  run.snapshot_bytes = bytes.size();
  const auto load_start = Clock::now();
  auto loaded = Document::decode_snapshot(bytes, 3);
  run.snapshot_load_ms = ms_since(load_start);
  bool snapshot_ok = loaded.ok() && loaded.value.text(variant) == end_utf8;
  if (!snapshot_ok && run.error.empty()) {
    run.error = loaded.ok() ? "decoded snapshot's text differs from endContent"
                            : "decode_snapshot: " + loaded.status.str();
  }

  run.content_ok = local_ok && remote_ok && snapshot_ok;
  return run;
}

}  // namespace

int run_trace(int argc, char** argv) {
  Flags flags;
  flags.value("file").value("repeat", "1").toggle("json");
  std::string error;
  if (!flags.parse(argc, argv, 2, &error)) {
    std::cerr << "convene-bench trace: " << error << "; see --help\n";
    return kExitUsage;
  }
  const auto repeat = flags.number("repeat", 1, 1000, &error);
  if (!repeat) {
    std::cerr << "convene-bench trace: " << error << "\n";
    return kExitUsage;
  }
  const std::string& file = flags.get("file");
  if (file.empty()) {
    std::cerr << "convene-bench trace: --file is required; see --help\n";
    return kExitUsage;
  }
  if (!testing::trace_available(file)) {
    std::cerr << "convene-bench trace: cannot read " << file << "\n";
    return kExitUsage;
  }
  auto trace = testing::load_sequential_trace(file, &error);
  if (!trace) {
    std::cerr << "convene-bench trace: " << error << "\n";
    return kExitUsage;
  }
  const std::string end_utf8 = crdt::utf8::encode(trace->end);

  std::vector<double> local, remote, encode, load;
  TraceRun last;
  bool all_ok = true;
  std::string first_error;
  for (uint64_t i = 0; i < *repeat; ++i) {
    last = run_once(*trace, end_utf8);
    local.push_back(last.local_apply_ms);
    remote.push_back(last.remote_merge_ms);
    encode.push_back(last.snapshot_encode_ms);
    load.push_back(last.snapshot_load_ms);
    if (!last.content_ok) {
      all_ok = false;
      if (first_error.empty()) first_error = last.error;
      break;  // timings of a broken run mean nothing
    }
  }

  nlohmann::ordered_json out;
  out["trace"] = trace->name;
  out["edits"] = trace->edit_count;
  out["ops"] = last.ops;
  out["local_apply_ms"] = round_to(median(local), 3);
  out["remote_merge_ms"] = round_to(median(remote), 3);
  out["snapshot_bytes"] = last.snapshot_bytes;
  out["snapshot_encode_ms"] = round_to(median(encode), 3);
  out["snapshot_load_ms"] = round_to(median(load), 3);
  out["final_length"] = last.final_length;
  out["content_ok"] = all_ok;
  out["peak_rss_mb"] = round_to(peak_rss_mb(), 1);
  out["repeat"] = local.size();
  if (!all_ok) out["error"] = first_error;

  if (flags.on("json")) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("trace %s (%zu txns)%s\n", trace->name.c_str(), trace->txns.size(),
                *repeat > 1 ? ", timings are medians" : "");
    print_fields(out, 20, {"trace"});
  }
  if (!all_ok) {
    std::cerr << "convene-bench trace: " << first_error << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace convene::bench
