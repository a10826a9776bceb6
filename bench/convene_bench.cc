// convene-bench: measures the CRDT library on real editing traces and on a
// synthetic landscape map. `convene-bench --help` explains the subcommands.
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_util.h"

namespace convene::bench {

void print_help() {
  std::fputs(
      R"(convene-bench: benchmarks of the Convene CRDT library

usage:
  convene-bench trace --file F [--repeat N] [--json]
  convene-bench map [--elements N] [--connections N] [--updates N] [--replicas N]
                    [--seed S] [--repeat N] [--json]
  convene-bench --help

trace   Replays a sequential editing trace (a .json.gz file from the editing
        traces collection) through the text CRDT:
          local apply   one replica applies every patch as local edits
                        (delete_text, then insert_text) and takes its outbox;
                        no undo checkpoints are taken, so the whole replay is
                        one undo step kept in memory
          remote merge  a second replica applies every op of that outbox
          snapshot      encode the merged replica, decode it again
        and checks that the merged, the local and the decoded text all equal
        the trace's endContent. Reports: trace, edits, ops (after coalescing),
        local_apply_ms, remote_merge_ms, snapshot_bytes, snapshot_encode_ms,
        snapshot_load_ms, final_length, content_ok, peak_rss_mb, repeat.
  --file F      the trace to replay (required)
  --repeat N    run N times; timings are medians (default 1)
  --json        print one JSON object instead of a table

map     Builds a document with one map of --elements elements and
        --connections connections between random elements, forks it into
        --replicas replicas that together make --updates random field updates
        (mostly position moves; some labels, scale levels, kinds and
        connection depths), then measures one fresh copy receiving all the
        updates interleaved round-robin across replicas, as a server would:
        encoded in frames of 256 ops (OpBatch), decoded into an arena
        (decode_ms), then applied (apply_ms). A second copy applies the same
        ops in a random interleaving and must reach the same state hash.
        Reports: updates (ops made), elements, connections, replicas, seed,
        generate_ms (making the updates as local edits), decode_ms, apply_ms,
        ops_per_sec (apply only), decode_and_apply_ops_per_sec,
        snapshot_bytes (final state), converged, peak_rss_mb, repeat.
  --elements N     elements on the map (default 10000)
  --connections N  connections (default 20000)
  --updates N      field updates in all (default 1000000)
  --replicas N     replicas making them (default 20)
  --seed S         random seed (default 1)
  --repeat N       decode and apply N times on fresh copies; timings are
                   medians
  --json           print one JSON object instead of a table

Exit status: 0 if every check passed, 1 if a check failed (content_ok or
converged false), 2 for a bad command line or an unreadable trace.
)",
      stdout);
}

}  // namespace convene::bench

int main(int argc, char** argv) {
  using namespace convene::bench;
  if (argc < 2) {
    std::fputs("convene-bench: missing subcommand (trace or map); see --help\n", stderr);
    return kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    print_help();
    return kExitOk;
  }
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      print_help();
      return kExitOk;
    }
  }
  if (command == "trace") return run_trace(argc, argv);
  if (command == "map") return run_map(argc, argv);
  std::fprintf(stderr, "convene-bench: unknown subcommand '%s' (trace or map); see --help\n",
               command.c_str());
  return kExitUsage;
}
