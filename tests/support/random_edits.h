// Random honest edits for the drills against a real server (fault_drill.h,
// adversary_drill.h): what a few people working on one convening do most —
// moving elements, adding and relabelling them, typing and deleting in a
// draft — and, less often, the map's vocabulary: tagging, filling in a
// custom field, giving an element a custom kind or pinning it. Each edit is made on a replica's
// document, which queues its ops for the replica to send.
//
// Deterministic for a given generator state, so a drill's seed replays the
// same edits.
#pragma once

#include <optional>
#include <random>
#include <vector>

#include "crdt/document.h"

namespace convene::itest {

// What everyone edits: one map and one draft's base variant, and the map's
// custom field and custom kind.
struct SharedScene {
  crdt::OpId map;
  crdt::OpId variant;
  crdt::OpId field;
  crdt::OpId kind;
};

// Makes the shared map with `elements` seed elements (appended to `seeded`),
// a custom field and kind, and a draft with a first line of text. Nullopt if the document refuses
// (a document without a replica id).
std::optional<SharedScene> seed_scene(crdt::Document& doc, int elements,
                                      std::vector<crdt::OpId>* seeded);

// One random edit of `scene` on `doc`: a move of one of `elements` (most
// often), a new element (appended to `elements`), a relabel, typing, a
// deletion in the draft, a tag, a field value, a custom kind or a pin. An edit the document refuses
// (its target was removed meanwhile, say) makes no op.
void random_edit(crdt::Document& doc, const SharedScene& scene, std::vector<crdt::OpId>& elements,
                 std::mt19937_64& rng);

}  // namespace convene::itest
