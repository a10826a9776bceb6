// convene-bench: measures the CRDT library on real editing traces and on a
// synthetic landscape map, and a running server under simulated participants.
// `convene-bench --help` explains the subcommands.
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_util.h"

namespace convene::bench {

void print_help() {
  std::fputs(
      R"(convene-bench: benchmarks of the Convene CRDT library and of convene-server

usage:
  convene-bench trace --file F [--repeat N] [--json]
  convene-bench trace --hostile [--runs N --ranges N --inserts N] [--repeat N] [--json]
  convene-bench map [--elements N] [--connections N] [--updates N] [--replicas N]
                    [--seed S] [--repeat N] [--json]
  convene-bench map --hostile [--maps N --elements N --drafts N --removals N]
                    [--repeat N] [--json]
  convene-bench load --server http://127.0.0.1:8080 --scenario NAME [--duration S]
                    [--rooms R --clients-per-room C --writers-per-room W
                     --rate OPS_PER_WRITER_PER_S --mix map|text|mixed --presence-rate HZ]
                    [--history N --join-spread S] [--exporters N] [--threads N] [--server-pid PID]
                    [--admin-token T]
                    [--find-max [--find-max-step S]] [--json] [--report report.html]
  convene-bench crash --server-bin PATH [--kills N] [--terms N] [--clients N] [--churn PCT]
                    [--max-delay-ms MS] [--seed S] [--snapshot-every N]
                    [--durability fsync|os|none] [--quiet] [--json]
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
  --hostile     instead of a trace, the text ops of docs/threat-model.md (F2,
                F4): one TextDelete of --ranges overlapping ranges over a
                variant of --runs runs (checked, then applied), and --inserts
                inserts between one pair of characters and with the right
                origin varying, applied as they are and through the room's
                admission (crdt::admit, the refused dropped). Reports the
                times and the state hashes.

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
  --hostile        instead, the map-side inputs of docs/threat-model.md (F5,
                   F8): the export (to_json) of --maps maps with --elements
                   elements among them and --drafts drafts, and one Restore of
                   --removals removals listed in descending order, then 1,000
                   visibility checks. Reports the times and the state hashes.

load    Simulated participants against a running convene-server, in one
        process (Beast WebSocket clients on --threads threads). It creates its
        own convenings over the REST API, seeds each with a map of 40 elements
        and a draft, joins every client with the participant invite token, and
        then, for --duration seconds, writers edit (map moves and relabels,
        keystrokes and backspaces in the draft) and every client sends its
        cursor as presence. Each op's send time is kept under its id (replica,
        counter); every receiver measures submit -> receive, every author
        submit -> Ack. After the window the bench waits until every op is
        acknowledged and received, and checks delivery: every acknowledged op
        reaches every other client of its room exactly once, in seq order
        (lost, duplicated and out_of_order must be 0).
        Scenarios (flags given after them override their figures):
          workshop    50 rooms x 20 clients, 4 writers each at 5 ops/s, mixed,
                      presence 10 Hz, 30 s
          soak        the workshop's load for 1,800 s with map edits only (the
                      documents stay the same size): with --server-pid, the
                      server's RSS drift is its own
          hot-room    1 room x 300 clients, 30 writers at 10 ops/s, presence 1 Hz
          join-storm  1 room with a 50,000-op history; 2,000 clients join within
                      1 s and must each be caught up (Welcome with every op up
                      to head_seq, or a snapshot and the ops after it)
          idle        100 rooms x 100 clients that only keep alive, 20 s
          custom      the workshop's figures, to be set with the flags
  --server URL       the server (default http://127.0.0.1:8080)
  --duration S       the measured window in seconds
  --rooms R, --clients-per-room C, --writers-per-room W
  --rate R           ops per writer per second (one Submit per op up to 50/s,
                     several per Submit above)
  --mix M            map, text or mixed
  --presence-rate H  cursor updates per client per second (0: none)
  --history N        ops committed to each convening before anyone joins
  --exporters N      N threads export the first convening, one export after
                     another, while the window is measured: whether reading a
                     whole convening out holds anyone's edits up (the server
                     limits a token to 30 exports a minute unless started with
                     --exports-per-minute 0)
  --export-elements N  with --exporters: elements with 300 bytes of notes added
                     to that convening before anyone joins (default 20000)
  --join-spread S    join every client within S seconds (0: as fast as the
                     server admits, at most 256 joining at once)
  --threads N        bench threads (default 2)
  --server-pid PID   sample the server's CPU, RSS and open files from /proc once
                     a second; reports server_rss_drift_pct (RSS at the end
                     against a quarter into the window) and server_fd_growth
                     (open files at the end minus at the start): a soak is a
                     long --duration with these near 0; and server_cpu_wait_pct,
                     the time its threads were ready to run but had no core
  --admin-token T    the operator token, for a server started with --admin-token
        Start the server to measure with --create-per-minute 0
        --connections-per-ip 0 --connects-per-minute 0 --ops-per-second 0
        --messages-per-second 0 --http-connections-per-ip 0
        --member-ops-per-minute 0 --member-mb-per-minute 0: the bench creates
        up to a hundred convenings a run and opens thousands of connections
        from one address, each writer at a steady rate, beyond the
        per-address, per-connection and per-member limits meant for real
        clients.
  --find-max         search for the highest committed ops/s at which the p99
                     submit -> receive stays <= 50 ms with nothing lost: steps
                     of --find-max-step seconds (default 8), doubling the rate
                     from --rate, then bisecting; a step that misses the p99
                     or throughput bar is measured once more before its rate
                     counts as failed (one that loses an op ends the search)
  --json             one JSON object instead of a table
  --report FILE      a self-contained HTML page with charts
        Once a second the bench also reads the server's /metrics (commit
        latency) and /proc/pressure (time the machine's tasks waited for the
        disk or a core): when the p99 is high, they say whether the commits,
        the disk or the cores held the edits back (README, "Benchmarking").
        The bench raises its open-file soft limit to the hard limit and
        refuses to start if that is too few for the clients.

crash   Starts the server at --server-bin on a temporary data directory
        (--durability fsync), creates a convening and lets --clients writers
        (default 4) edit its map and draft. Over and over, while they edit,
        the server is signalled at a random moment within --max-delay-ms
        (default 250) of everyone being back: --kills times SIGKILL
        (default 20; commits in flight included), --terms times SIGTERM
        (default 0; it must exit 0), each time restarted on the same data,
        and every writer reconnects, resending what was not acknowledged.
        With --churn PCT, each writer drops its connection (and edits
        offline) or comes back with that chance per step. At the end
        everyone reconnects and catches up, and the run checks, from a
        Welcome holding the whole log and from the export: every
        acknowledged op is in the log exactly once, the log has no gaps,
        and every writer's document equals the server's.
        Reports: kills, terms, clients, seed, durability,
        faults_with_unacked_ops (faults
        that struck with an op submitted but not yet acknowledged),
        submitted_ops, acked_ops, lost_acked_ops, duplicated_ops, log_ops,
        log_gaps, diverged_clients, unclean_stops, restart_ms_median,
        duration_s, problems, ok. Progress goes to stderr (--quiet: none).

Exit status: 0 if every check passed, 1 if a check failed (content_ok or
converged false; a load run that lost, duplicated or reordered ops, or
whose clients failed to join or were dropped; a crash run that lost or
doubled an acknowledged op or ended with a writer unlike the server), 2 for
a bad command line or an unreadable trace.
)",
      stdout);
}

}  // namespace convene::bench

int main(int argc, char** argv) {
  using namespace convene::bench;
  if (argc < 2) {
    std::fputs("convene-bench: missing subcommand (trace, map, load or crash); see --help\n",
               stderr);
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
  if (command == "load") return run_load(argc, argv);
  if (command == "crash") return run_crash(argc, argv);
  std::fprintf(stderr,
               "convene-bench: unknown subcommand '%s' (trace, map, load or crash); see --help\n",
               command.c_str());
  return kExitUsage;
}
