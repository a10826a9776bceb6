// Admission: whether the room takes an op from a client, judged by what the
// op would cost every replica that applies it (the server's strand now, every
// browser and every reload after).
//
// Document::apply() must accept every op it ever accepted: logs are replayed
// on every load, so a new refusal there can make a convening unloadable for
// good (docs/threat-model.md, F10). Rules against ops that are valid but cost
// far more than their size live here instead, and the room checks them only
// for ops arriving from clients, before apply(). The bounds and their
// defaults are in limits.h.
//
// admit() judges cost, not validity: an op it passes may still be refused by
// apply() (malformed, a missing dependency). What it cannot judge it passes:
// an op whose counters are already applied (a resend, acknowledged as a
// duplicate), and a body that names what is not here yet.
//
// Pure and const: no I/O, no state. admit() costs at most what applying the
// op would: a TextDelete's ranges are sorted once and walked once (stopping
// past the deleted-runs bound), an insert's scan is run dry (stopping past
// the integration-steps bound).
#pragma once

#include <cstddef>
#include <cstdint>

#include "crdt/document.h"
#include "crdt/limits.h"

namespace convene::crdt {

struct AdmissionLimits {
  // An op's last Lamport time (lamport + span - 1) at most this far past the
  // document's clock.
  uint64_t clock_lead = limits::kClockLead;
  // Integration steps of a TextInsert.
  uint64_t integration_steps = limits::kIntegrationSteps;
  // Runs already deleted that a TextDelete names.
  uint64_t deleted_runs = limits::kDeletedRuns;
  // Removals listed by one Restore.
  size_t restore_removals = limits::kRestoreRemovals;
  // Removals in force on one entity, before a Remove.
  size_t removals_in_force = limits::kRemovalsInForce;
  // Tags on one element or connection, after a SetTag that puts one on.
  size_t tags_per_target = limits::kTagsPerTarget;
  // Fields, kinds, style rules or views (each sort apart) per map, before a
  // create of one more; removed ones count.
  size_t vocabulary_per_map = limits::kVocabularyPerMap;
};

// Status::ok() to go on to Document::apply(), or Status::invalid() with a
// message naming the bound the op exceeds. With `scan_steps`, also reports
// the integration steps a TextInsert costs (limit + 1 when refused for them;
// 0 for other ops): inserts just under the bound can still cost about half a
// millisecond each on the server and a millisecond in a browser, so the room
// should count these steps against the member's quota.
Status admit(const Document& doc, const pb::Op& op, const AdmissionLimits& bounds = {},
             uint64_t* scan_steps = nullptr);

}  // namespace convene::crdt
