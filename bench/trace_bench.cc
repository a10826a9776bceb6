// convene-bench trace: a sequential editing trace through the text CRDT;
// with --hostile, the ops of the security review (docs/threat-model.md, F2
// and F4) that cost far more than their size.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_util.h"
#include "crdt/admission.h"
#include "crdt/document.h"
#include "crdt/utf8.h"
#include "support/traces.h"

namespace convene::bench {
namespace {

using crdt::Document;
using crdt::OpId;
namespace pb = crdt::pb;

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

// ---- --hostile ------------------------------------------------------------

struct HostileParams {
  uint64_t runs, ranges, inserts, repeat;
};

constexpr uint64_t kAuthor = 1;     // wrote the text under attack
constexpr uint64_t kAttacker = 99;  // sends the hostile ops

// A draft whose base variant holds `text`, inserted one character at a time
// at the start when `backwards` (every character its own run).
OpId draft_with_text(Document& doc, const std::string& text, bool backwards) {
  const OpId draft = doc.create_draft("hostile").value;
  if (!backwards) {
    doc.insert_text(draft, 0, text);
  } else {
    for (char c : text) doc.insert_text(draft, 0, std::string(1, c));
  }
  doc.take_outbox();
  return draft;
}

pb::Op attacker_op(const Document& doc, uint64_t counter) {
  pb::Op op;
  op.set_replica(kAttacker);
  op.set_counter(counter);
  op.set_lamport(doc.clock() + 1);
  return op;
}

void set_id(pb::OpId* out, OpId id) {
  if (id.valid()) id.to_pb(out);
}

pb::Op insert_op(const Document& doc, uint64_t counter, OpId variant, OpId left, OpId right) {
  pb::Op op = attacker_op(doc, counter);
  auto* ins = op.mutable_text_insert();
  set_id(ins->mutable_variant(), variant);
  set_id(ins->mutable_origin_left(), left);
  set_id(ins->mutable_origin_right(), right);
  ins->set_text("x");
  return op;
}

struct Timed {
  double ms = 0;
  uint64_t hash = 0;  // of the resulting state: equal across builds
  bool ok = true;
};

// F2: one TextDelete whose ranges each cover every one of `runs` runs.
void overlapping_delete(const HostileParams& p, Timed* check, Timed* apply) {
  Document doc(kAuthor);
  const OpId variant = draft_with_text(doc, std::string(p.runs, 'x'), true);
  const OpId first_char{kAuthor, variant.counter + 1};
  pb::Op op = attacker_op(doc, 1);
  set_id(op.mutable_text_delete()->mutable_variant(), variant);
  for (uint64_t i = 0; i < p.ranges; ++i) {
    auto* r = op.mutable_text_delete()->add_ranges();
    r->set_replica(first_char.replica);
    r->set_counter(first_char.counter);
    r->set_length(p.runs);
  }
  auto start = Clock::now();
  check->ok = doc.check(op).is_ok();
  check->ms = ms_since(start);
  start = Clock::now();
  apply->ok = doc.apply(op).is_ok() && doc.text_length(variant) == 0;
  apply->ms = ms_since(start);
  apply->hash = doc.state_hash();
}

// Where the F4 inserts go: after a left origin followed by kRights
// characters, which serve as right origins.
constexpr uint64_t kRights = 64;
struct InsertTarget {
  Document doc{kAuthor};
  OpId variant, left;

  InsertTarget() {
    variant = draft_with_text(doc, std::string(kRights + 1, 'a'), false);
    left = {kAuthor, variant.counter + 1};
  }
  // The right origin of insert `k`: the same one, or cycling over kRights.
  OpId right(uint64_t k, bool vary) const {
    return {kAuthor, left.counter + (vary ? 1 + k % kRights : 1)};
  }
};

// F4: `inserts` one-character inserts between the same left origin and,
// with `vary_right`, a right origin cycling over the next 64 characters.
Timed same_origin_inserts(const HostileParams& p, bool vary_right) {
  InsertTarget target;
  Document& doc = target.doc;
  std::vector<pb::Op> ops;
  for (uint64_t k = 0; k < p.inserts; ++k) {
    ops.push_back(insert_op(doc, k + 1, target.variant, target.left, target.right(k, vary_right)));
    ops.back().set_lamport(doc.clock() + 1 + k);
  }
  Timed t;
  const auto start = Clock::now();
  for (const pb::Op& op : ops) t.ok = t.ok && doc.apply(op).is_ok();
  t.ms = ms_since(start);
  t.ok = t.ok && doc.text_length(target.variant) == kRights + 1 + p.inserts;
  t.hash = doc.state_hash();
  return t;
}

// F4 with varying right origins as the room takes them from a client: each
// insert through admit() first; the refused are dropped, and the attacker
// numbers the next insert as if they had never been sent.
Timed admitted_inserts(const HostileParams& p, uint64_t* refused) {
  InsertTarget target;
  Document& doc = target.doc;
  Timed t;
  *refused = 0;
  const auto start = Clock::now();
  for (uint64_t k = 0; k < p.inserts; ++k) {
    const pb::Op op = insert_op(doc, doc.version().last(kAttacker) + 1, target.variant, target.left,
                                target.right(k, true));
    if (!crdt::admit(doc, op).is_ok()) {
      ++*refused;
      continue;
    }
    t.ok = t.ok && doc.apply(op).is_ok();
  }
  t.ms = ms_since(start);
  t.hash = doc.state_hash();
  return t;
}

int run_hostile(const HostileParams& p, bool json) {
  std::vector<double> check_ms, delete_ms, same_ms, varying_ms, admitted_ms;
  Timed check, del, same, varying, admitted;
  uint64_t refused = 0;
  bool ok = true;
  for (uint64_t i = 0; i < p.repeat && ok; ++i) {
    overlapping_delete(p, &check, &del);
    same = same_origin_inserts(p, false);
    varying = same_origin_inserts(p, true);
    admitted = admitted_inserts(p, &refused);
    check_ms.push_back(check.ms);
    delete_ms.push_back(del.ms);
    same_ms.push_back(same.ms);
    varying_ms.push_back(varying.ms);
    admitted_ms.push_back(admitted.ms);
    ok = check.ok && del.ok && same.ok && varying.ok && admitted.ok;
  }
  nlohmann::ordered_json out;
  out["runs"] = p.runs;
  out["ranges"] = p.ranges;
  out["delete_check_ms"] = round_to(median(check_ms), 3);
  out["delete_apply_ms"] = round_to(median(delete_ms), 3);
  out["inserts"] = p.inserts;
  out["same_pair_apply_ms"] = round_to(median(same_ms), 3);
  out["varying_right_apply_ms"] = round_to(median(varying_ms), 3);
  out["varying_right_admit_and_apply_ms"] = round_to(median(admitted_ms), 3);
  out["varying_right_refused"] = refused;
  out["state_hashes"] = {del.hash, same.hash, varying.hash};
  out["ok"] = ok;
  out["peak_rss_mb"] = round_to(peak_rss_mb(), 1);
  out["repeat"] = check_ms.size();
  if (json) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("trace --hostile: overlapping delete, same-origin inserts%s\n",
                p.repeat > 1 ? "; timings are medians" : "");
    print_fields(out, 24);
  }
  if (!ok) {
    std::cerr << "convene-bench trace: a hostile op was refused or gave the wrong text\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int run_trace(int argc, char** argv) {
  Flags flags;
  flags.value("file")
      .value("repeat", "1")
      .toggle("json")
      .toggle("hostile")
      .value("runs", "100000")
      .value("ranges", "1000")
      .value("inserts", "20000");
  std::string error;
  if (!flags.parse(argc, argv, 2, &error)) {
    std::cerr << "convene-bench trace: " << error << "; see --help\n";
    return kExitUsage;
  }
  const auto repeat = flags.number("repeat", 1, 1000, &error);
  const auto runs = flags.number("runs", 1, 10'000'000, &error);
  const auto ranges = flags.number("ranges", 1, 65'536, &error);
  const auto inserts = flags.number("inserts", 1, 10'000'000, &error);
  if (!repeat || !runs || !ranges || !inserts) {
    std::cerr << "convene-bench trace: " << error << "\n";
    return kExitUsage;
  }
  if (flags.on("hostile"))
    return run_hostile({*runs, *ranges, *inserts, *repeat}, flags.on("json"));
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
