// Loading the editing traces (../shared/traces, see its README): gzip JSON
// files of real character-by-character editing histories.
//
// Positions and lengths count Unicode code points, so inserted text is held
// as code points. The loaders parse with a streaming (SAX) handler straight
// into these structures, so no JSON tree is ever built: loading
// automerge-paper (16 MB of JSON) costs about the size of the result.
//
// Errors are values: the loaders never throw; on failure they return nullopt
// and, if asked, say why.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace convene::testing {

// Replace `del` code points at `pos` by `ins`.
struct Patch {
  size_t pos = 0;
  size_t del = 0;
  std::u32string ins;
};

// One writer: apply every patch of every txn in order to `start`; the result
// is `end`.
struct SequentialTrace {
  std::string name;  // file name without directory and extensions
  std::u32string start, end;
  std::vector<std::vector<Patch>> txns;
  size_t edit_count = 0;  // patches in all txns
};

// One txn of a concurrent trace: `patches` apply, as edits of `agent`, on top
// of the merge of the txns named in `parents` (indexes of earlier txns).
struct ConcurrentTxn {
  int agent = 0;
  std::vector<size_t> parents;
  std::vector<Patch> patches;
};

struct ConcurrentTrace {
  std::string name;
  std::u32string end;
  int num_agents = 0;
  std::vector<ConcurrentTxn> txns;
};

// True if `path` names a readable regular file.
bool trace_available(const std::string& path);

// `relative` below traces_dir(), e.g. "sequential/automerge-paper.json.gz".
std::string trace_path(const std::string& relative);

std::optional<SequentialTrace> load_sequential_trace(const std::string& path,
                                                     std::string* error = nullptr);
std::optional<ConcurrentTrace> load_concurrent_trace(const std::string& path,
                                                     std::string* error = nullptr);

// Applies one patch to plain text. Returns false (and changes nothing) if the
// patch does not fit the text.
bool apply_patch(std::u32string& text, const Patch& patch);

}  // namespace convene::testing
