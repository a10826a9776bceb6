// TextSequence: runs of characters in a counted B+tree (see text.h).
//
// Layout. Leaves hold up to kLeafRuns runs in document order and are linked
// left to right. Inner nodes hold up to kFanout children with, per child, the
// number of visible characters and of all characters (tombstones included)
// beneath it. Every node knows its parent, so the position of a run is found
// by walking up and summing the counts of left siblings.
//
// Id index. For each replica, a map from counter ranges to the leaf holding
// those characters. Splitting a run inside a leaf leaves the index valid; only
// moving runs to another leaf (a leaf split) rewrites their ranges.
#include "crdt/text.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <map>
#include <unordered_map>

#include "crdt/utf8.h"

namespace convene::crdt {
namespace {

constexpr int kLeafRuns = 32;
constexpr int kFanout = 16;
constexpr uint32_t kNoContent = UINT32_MAX;

// Characters with consecutive ids, next to each other, sharing the deleted
// state and origin-right. Either typed in sequence (each character's
// origin-left is the one before it), or, in a *fan*, siblings that all have
// the run's origin-left: what a replica makes by inserting again and again
// between the same two characters. Held as one run, a fan is stepped over at
// once by integration instead of character by character (F4); encode()
// writes its characters as the separate runs they are.
struct Run {
  uint64_t replica = 0;
  uint64_t counter = 0;  // id of the first character
  OpId origin_left;      // of the first character (of every character in a fan)
  OpId origin_right;     // shared by every character of the run
  uint32_t length = 0;
  uint32_t content = kNoContent;  // offset into the arena, if known
  bool deleted = false;
  bool fan = false;  // meaningful when length > 1

  uint64_t end() const { return counter + length; }
  OpId id_at(uint32_t offset) const { return {replica, counter + offset}; }
  bool holds(OpId id) const {
    return id.replica == replica && id.counter >= counter && id.counter < end();
  }
  uint32_t visible() const { return deleted ? 0 : length; }
};

bool is_fan(const Run& r) {
  return r.fan && r.length > 1;
}

// The origin-left of character `offset` of `r`.
OpId left_of(const Run& r, uint32_t offset) {
  return offset == 0 || r.fan ? r.origin_left : r.id_at(offset - 1);
}

bool adjacent_ids(const Run& prev, const Run& next) {
  return prev.replica == next.replica && prev.end() == next.counter &&
         prev.deleted == next.deleted && next.origin_right == prev.origin_right;
}

// True if `next` continues `prev` exactly as one run typed in sequence would.
bool continues(const Run& prev, const Run& next) {
  return adjacent_ids(prev, next) && !is_fan(prev) && !is_fan(next) &&
         next.origin_left == prev.id_at(prev.length - 1);
}

// True if `prev` and `next` together are one fan.
bool extends_fan(const Run& prev, const Run& next) {
  return adjacent_ids(prev, next) && (prev.fan || prev.length == 1) &&
         (next.fan || next.length == 1) && next.origin_left == prev.origin_left;
}

bool joins(const Run& prev, const Run& next) {
  return continues(prev, next) || extends_fan(prev, next);
}

// Appends `next` to `prev`, which it joins.
void join(Run& prev, const Run& next) {
  prev.fan = extends_fan(prev, next);
  prev.length += next.length;
}

bool content_continues(const Run& prev, const Run& next) {
  return prev.content != kNoContent && next.content != kNoContent &&
         prev.content + prev.length == next.content;
}

bool can_merge(const Run& a, const Run& b) {
  if (!joins(a, b)) return false;
  if (a.deleted && a.content == kNoContent && b.content == kNoContent) return true;
  return content_continues(a, b);
}

// Splits `run` at `offset` (0 < offset < length); `run` keeps the head.
Run split_tail(Run& run, uint32_t offset) {
  Run tail = run;
  tail.counter = run.counter + offset;
  tail.origin_left = left_of(run, offset);
  tail.length = run.length - offset;
  if (run.content != kNoContent) tail.content = run.content + offset;
  run.length = offset;
  return tail;
}

struct Inner;

struct Node {
  Inner* parent = nullptr;
  int count = 0;  // runs in a leaf, children in an inner node
  bool is_leaf = true;
};

struct Leaf : Node {
  std::array<Run, kLeafRuns> runs;
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
};

struct Inner : Node {
  std::array<Node*, kFanout> children{};
  std::array<uint64_t, kFanout> visible{};
  std::array<uint64_t, kFanout> total{};
};

int child_index(const Inner* parent, const Node* child) {
  for (int i = 0; i < parent->count; ++i)
    if (parent->children[i] == child) return i;
  assert(false && "child not found in parent");
  return -1;
}

void leaf_counts(const Leaf* leaf, uint64_t* visible, uint64_t* total) {
  uint64_t v = 0, t = 0;
  for (int i = 0; i < leaf->count; ++i) {
    v += leaf->runs[i].visible();
    t += leaf->runs[i].length;
  }
  *visible = v;
  *total = t;
}

void node_counts(const Node* node, uint64_t* visible, uint64_t* total) {
  if (node->is_leaf) return leaf_counts(static_cast<const Leaf*>(node), visible, total);
  const auto* inner = static_cast<const Inner*>(node);
  uint64_t v = 0, t = 0;
  for (int i = 0; i < inner->count; ++i) {
    v += inner->visible[i];
    t += inner->total[i];
  }
  *visible = v;
  *total = t;
}

// A place in the sequence: character `offset` of run `index` in `leaf`.
struct Cursor {
  Leaf* leaf = nullptr;
  int index = 0;
  uint32_t offset = 0;
  Run& run() const { return leaf->runs[index]; }
};

}  // namespace

struct TextSequence::Impl {
  Node* root = nullptr;
  Leaf* first = nullptr;
  uint64_t visible_size = 0;
  uint64_t total_size = 0;
  std::u32string arena;  // content of every character inserted here
  Work work;

  struct Span {
    uint64_t end;
    Leaf* leaf;
  };
  // replica -> (first counter -> span end, leaf)
  std::unordered_map<uint64_t, std::map<uint64_t, Span>> index;

  Impl() {
    auto* leaf = new Leaf();
    root = first = leaf;
  }
  ~Impl() { destroy(root); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  static void destroy(Node* node) {
    if (!node) return;
    if (!node->is_leaf) {
      auto* inner = static_cast<Inner*>(node);
      for (int i = 0; i < inner->count; ++i) destroy(inner->children[i]);
      delete inner;
    } else {
      delete static_cast<Leaf*>(node);
    }
  }

  // A run for new characters, their text appended to the arena; origins unset.
  Run new_run(OpId first_id, std::u32string_view text) {
    Run run;
    run.replica = first_id.replica;
    run.counter = first_id.counter;
    run.length = static_cast<uint32_t>(text.size());
    run.content = static_cast<uint32_t>(arena.size());
    arena.append(text);
    return run;
  }

  // ---- counts ----------------------------------------------------------------

  void propagate(Node* node, int64_t d_visible, int64_t d_total) {
    visible_size += d_visible;
    total_size += d_total;
    if (d_visible == 0 && d_total == 0) return;
    for (Inner* p = node->parent; p; node = p, p = p->parent) {
      const int i = child_index(p, node);
      p->visible[i] += d_visible;
      p->total[i] += d_total;
    }
  }

  // ---- id index ---------------------------------------------------------------

  // Maps counters [first, end) of `replica` to `leaf`, replacing what was there.
  void index_assign(uint64_t replica, uint64_t first_counter, uint64_t end, Leaf* leaf) {
    auto& spans = index[replica];
    // Fast path: extending the last span (typing at the end of own run).
    if (!spans.empty()) {
      auto last = std::prev(spans.end());
      if (last->second.end == first_counter && last->second.leaf == leaf) {
        last->second.end = end;
        return;
      }
      if (last->first < first_counter && last->second.end <= first_counter) {
        spans.emplace_hint(spans.end(), first_counter, Span{end, leaf});
        return;
      }
    }
    // General case: cut overlapping spans, then insert.
    auto it = spans.upper_bound(first_counter);
    if (it != spans.begin()) {
      auto before = std::prev(it);
      if (before->second.end > first_counter) {
        const Span old = before->second;
        before->second.end = first_counter;
        if (old.end > end) spans.emplace(end, Span{old.end, old.leaf});
        if (before->first == first_counter) spans.erase(before);
      }
    }
    it = spans.lower_bound(first_counter);
    while (it != spans.end() && it->first < end) {
      if (it->second.end > end) {
        const Span rest{it->second.end, it->second.leaf};
        spans.erase(it);
        spans.emplace(end, rest);
        break;
      }
      it = spans.erase(it);
    }
    spans.emplace(first_counter, Span{end, leaf});
  }

  Leaf* index_find(OpId id) const {
    auto r = index.find(id.replica);
    if (r == index.end()) return nullptr;
    auto it = r->second.upper_bound(id.counter);
    if (it == r->second.begin()) return nullptr;
    --it;
    return id.counter < it->second.end ? it->second.leaf : nullptr;
  }

  // ---- locating -----------------------------------------------------------------

  bool locate(OpId id, Cursor* out) const {
    Leaf* leaf = index_find(id);
    if (!leaf) return false;
    for (int i = 0; i < leaf->count; ++i) {
      const Run& r = leaf->runs[i];
      if (r.holds(id)) {
        *out = {leaf, i, static_cast<uint32_t>(id.counter - r.counter)};
        return true;
      }
    }
    return false;
  }

  // Position (visible or total) of the start of run `index` in `leaf`.
  uint64_t position_of_run(const Leaf* leaf, int index, bool visible) const {
    uint64_t pos = 0;
    for (int i = 0; i < index; ++i) pos += visible ? leaf->runs[i].visible() : leaf->runs[i].length;
    const Node* node = leaf;
    for (const Inner* p = node->parent; p; node = p, p = p->parent) {
      const int ci = child_index(p, node);
      for (int i = 0; i < ci; ++i) pos += visible ? p->visible[i] : p->total[i];
    }
    return pos;
  }

  uint64_t total_position(const Cursor& c) const {
    return position_of_run(c.leaf, c.index, false) + c.offset;
  }

  // Finds the run holding visible character `pos` (pos < visible_size).
  Cursor find_visible(uint64_t pos) const {
    const Node* node = root;
    while (!node->is_leaf) {
      const auto* inner = static_cast<const Inner*>(node);
      int i = 0;
      while (i < inner->count - 1 && pos >= inner->visible[i]) pos -= inner->visible[i++];
      node = inner->children[i];
    }
    auto* leaf = const_cast<Leaf*>(static_cast<const Leaf*>(node));
    for (int i = 0; i < leaf->count; ++i) {
      const uint32_t v = leaf->runs[i].visible();
      if (pos < v) return {leaf, i, static_cast<uint32_t>(pos)};
      pos -= v;
    }
    assert(false && "visible position out of range");
    return {};
  }

  // The cursor just after `c`'s character, or {nullptr} at the end.
  static Cursor next_char(Cursor c) {
    if (c.offset + 1 < c.run().length) return {c.leaf, c.index, c.offset + 1};
    return next_run(c.leaf, c.index);
  }
  static Cursor next_run(Leaf* leaf, int index) {
    if (index + 1 < leaf->count) return {leaf, index + 1, 0};
    for (Leaf* l = leaf->next; l; l = l->next)
      if (l->count > 0) return {l, 0, 0};
    return {};
  }
  // The cursor just before `c`'s character, or {nullptr} at the start.
  static Cursor prev_char(Cursor c) {
    if (c.offset > 0) return {c.leaf, c.index, c.offset - 1};
    if (c.index > 0) return {c.leaf, c.index - 1, c.leaf->runs[c.index - 1].length - 1};
    for (Leaf* l = c.leaf->prev; l; l = l->prev)
      if (l->count > 0) return {l, l->count - 1, l->runs[l->count - 1].length - 1};
    return {};
  }
  Cursor first_char() const {
    for (Leaf* l = first; l; l = l->next)
      if (l->count > 0) return {l, 0, 0};
    return {};
  }

  // ---- structure changes --------------------------------------------------------

  // Inserts `run` before position `at` of `leaf`, indexes it and adds its
  // counts. Returns where it ended up (the leaf may have split).
  // `indexed` is the leaf the run's ids already map to (a split-off tail),
  // or nullptr for new characters: the index is only touched when it changes.
  Cursor leaf_insert(Leaf* leaf, int at, const Run& run, const Leaf* indexed = nullptr) {
    if (leaf->count == kLeafRuns) {
      Leaf* right = split_leaf(leaf);
      if (at > leaf->count) {
        at -= leaf->count;
        leaf = right;
      }
    }
    std::move_backward(leaf->runs.begin() + at, leaf->runs.begin() + leaf->count,
                       leaf->runs.begin() + leaf->count + 1);
    leaf->runs[at] = run;
    ++leaf->count;
    if (leaf != indexed) index_assign(run.replica, run.counter, run.end(), leaf);
    propagate(leaf, run.visible(), run.length);
    return {leaf, at, 0};
  }

  // Splits run `index` of `leaf` at `offset` (0 < offset < length); returns
  // where the tail went. The tail is taken out of the counts before it is
  // re-inserted, so a leaf split in between sees consistent counts.
  Cursor split_run(Leaf* leaf, int index, uint32_t offset) {
    const Run tail = split_tail(leaf->runs[index], offset);
    propagate(leaf, -static_cast<int64_t>(tail.visible()), -static_cast<int64_t>(tail.length));
    return leaf_insert(leaf, index + 1, tail, leaf);
  }

  // Moves the upper half of a full leaf into a new right sibling.
  Leaf* split_leaf(Leaf* leaf) {
    auto* right = new Leaf();
    const int keep = leaf->count / 2;
    right->count = leaf->count - keep;
    std::copy(leaf->runs.begin() + keep, leaf->runs.begin() + leaf->count, right->runs.begin());
    leaf->count = keep;
    right->next = leaf->next;
    right->prev = leaf;
    if (leaf->next) leaf->next->prev = right;
    leaf->next = right;
    for (int i = 0; i < right->count; ++i) {
      const Run& r = right->runs[i];
      index_assign(r.replica, r.counter, r.end(), right);
    }
    insert_sibling(leaf, right);
    return right;
  }

  // Links `right` (new) after `left` in left's parent, splitting upwards.
  void insert_sibling(Node* left, Node* right) {
    uint64_t lv, lt, rv, rt;
    node_counts(left, &lv, &lt);
    node_counts(right, &rv, &rt);
    Inner* parent = left->parent;
    if (!parent) {
      parent = new Inner();
      parent->is_leaf = false;
      parent->count = 1;
      parent->children[0] = left;
      left->parent = parent;
      root = parent;
    }
    int at = child_index(parent, left);
    if (parent->count == kFanout) {
      Inner* sibling = split_inner(parent);
      if (at >= parent->count) {
        at -= parent->count;
        parent = sibling;
      }
    }
    for (int i = parent->count; i > at + 1; --i) {
      parent->children[i] = parent->children[i - 1];
      parent->visible[i] = parent->visible[i - 1];
      parent->total[i] = parent->total[i - 1];
    }
    parent->children[at + 1] = right;
    right->parent = parent;
    ++parent->count;
    // The left node's counts changed by the move: refresh both entries.
    parent->visible[at] = lv;
    parent->total[at] = lt;
    parent->visible[at + 1] = rv;
    parent->total[at + 1] = rt;
  }

  Inner* split_inner(Inner* node) {
    auto* right = new Inner();
    right->is_leaf = false;
    const int keep = node->count / 2;
    right->count = node->count - keep;
    for (int i = 0; i < right->count; ++i) {
      right->children[i] = node->children[keep + i];
      right->visible[i] = node->visible[keep + i];
      right->total[i] = node->total[keep + i];
      right->children[i]->parent = right;
    }
    node->count = keep;
    insert_sibling(node, right);
    return right;
  }

  // Inserts a new run at cursor `at` (before character at.offset of its run;
  // offset 0 means before the run; at.leaf == nullptr means the end).
  // Extends the preceding run instead when the new one continues it.
  void insert_run(Cursor at, const Run& run) {
    Leaf* leaf;
    int index;
    if (!at.leaf) {
      leaf = last_leaf();
      index = leaf->count;
    } else if (at.offset > 0) {
      // Split: the tail goes after the head, the new run between them.
      const Cursor t = split_run(at.leaf, at.index, at.offset);
      leaf = t.leaf;
      index = t.index;
    } else {
      leaf = at.leaf;
      index = at.index;
    }
    // Try to extend the run just before the insertion point.
    if (index > 0) {
      Run& prev = leaf->runs[index - 1];
      if (joins(prev, run) && content_continues(prev, run)) {
        join(prev, run);
        index_assign(run.replica, run.counter, run.end(), leaf);
        propagate(leaf, run.visible(), run.length);
        return;
      }
    }
    leaf_insert(leaf, index, run);
  }

  Leaf* last_leaf() const {
    Node* node = root;
    while (!node->is_leaf) {
      auto* inner = static_cast<Inner*>(node);
      node = inner->children[inner->count - 1];
    }
    return static_cast<Leaf*>(node);
  }

  // Marks characters [c.offset, c.offset + n) of c's run deleted (n <= rest of
  // run, run visible). Splits as needed; merges with deleted neighbours.
  void delete_in_run(Cursor c, uint32_t n) {
    Leaf* leaf = c.leaf;
    int index = c.index;
    if (c.offset > 0) {
      const Cursor t = split_run(leaf, index, c.offset);
      leaf = t.leaf;
      index = t.index;
    }
    if (leaf->runs[index].length > n) {
      // The head stays just before the tail, in the tail's leaf: a split
      // never puts an inserted run first in the new leaf.
      const Cursor t = split_run(leaf, index, n);
      leaf = t.leaf;
      index = t.index - 1;
    }
    leaf->runs[index].deleted = true;
    propagate(leaf, -static_cast<int64_t>(n), 0);
    merge_around(leaf, index);
  }

  // Merges run `index` with its neighbours in the same leaf when they form
  // one run (keeps the item count low after backspacing).
  void merge_around(Leaf* leaf, int index) {
    if (index + 1 < leaf->count && can_merge(leaf->runs[index], leaf->runs[index + 1]))
      merge_next(leaf, index);
    if (index > 0 && can_merge(leaf->runs[index - 1], leaf->runs[index]))
      merge_next(leaf, index - 1);
  }
  static void merge_next(Leaf* leaf, int index) {
    join(leaf->runs[index], leaf->runs[index + 1]);
    std::move(leaf->runs.begin() + index + 2, leaf->runs.begin() + leaf->count,
              leaf->runs.begin() + index + 1);
    --leaf->count;
  }

  // ---- bulk build -----------------------------------------------------------------

  void build(const std::vector<Run>& runs) {
    destroy(root);
    index.clear();
    visible_size = total_size = 0;
    constexpr int kFill = kLeafRuns * 3 / 4;
    std::vector<Node*> level;
    Leaf* prev = nullptr;
    for (size_t i = 0; i < runs.size() || level.empty(); i += kFill) {
      auto* leaf = new Leaf();
      const size_t n = std::min<size_t>(kFill, runs.size() - std::min(i, runs.size()));
      for (size_t k = 0; k < n; ++k) {
        const Run& r = runs[i + k];
        leaf->runs[k] = r;
        index_assign(r.replica, r.counter, r.end(), leaf);
        visible_size += r.visible();
        total_size += r.length;
      }
      leaf->count = static_cast<int>(n);
      leaf->prev = prev;
      if (prev) prev->next = leaf;
      prev = leaf;
      level.push_back(leaf);
      if (runs.empty()) break;
    }
    first = static_cast<Leaf*>(level.front());
    constexpr int kInnerFill = kFanout * 3 / 4;
    while (level.size() > 1) {
      std::vector<Node*> up;
      for (size_t i = 0; i < level.size(); i += kInnerFill) {
        auto* inner = new Inner();
        inner->is_leaf = false;
        const size_t n = std::min<size_t>(kInnerFill, level.size() - i);
        for (size_t k = 0; k < n; ++k) {
          Node* child = level[i + k];
          inner->children[k] = child;
          child->parent = inner;
          node_counts(child, &inner->visible[k], &inner->total[k]);
        }
        inner->count = static_cast<int>(n);
        up.push_back(inner);
      }
      level = std::move(up);
    }
    root = level.front();
    root->parent = nullptr;
  }

  // Calls `f` with the content of every visible run, in document order.
  template <class F>
  void for_each_visible(F&& f) const {
    const std::u32string_view all(arena);
    for (const Leaf* l = first; l; l = l->next)
      for (int i = 0; i < l->count; ++i)
        if (!l->runs[i].deleted) f(all.substr(l->runs[i].content, l->runs[i].length));
  }

  std::vector<Run> runs_in_order() const {
    std::vector<Run> out;
    for (const Leaf* l = first; l; l = l->next)
      for (int i = 0; i < l->count; ++i) out.push_back(l->runs[i]);
    return out;
  }

  // ---- YjsMod / FugueMax integration ------------------------------------------

  // Total position of a character id; -1 for "start", total_size for "end".
  int64_t origin_position(OpId id, bool is_left) const {
    if (!id.valid()) return is_left ? -1 : static_cast<int64_t>(total_size);
    Cursor c;
    [[maybe_unused]] const bool found = locate(id, &c);
    assert(found);
    return static_cast<int64_t>(total_position(c));
  }

  // The first character after the left origin of `run`.
  Cursor scan_start(const Run& run) const {
    if (!run.origin_left.valid()) return first_char();
    Cursor l;
    [[maybe_unused]] const bool found = locate(run.origin_left, &l);
    assert(found);
    return next_char(l);
  }

  // True when nothing was inserted concurrently between the origins.
  static bool at_right_origin(const Run& run, Cursor start) {
    if (!run.origin_right.valid()) return !start.leaf;
    return start.leaf && start.run().id_at(start.offset) == run.origin_right;
  }

  // Compares the positions of characters met by one scan with the new run's
  // origins. Ids equal to an origin, or to the character just scanned, need
  // no position; the rest are found in the tree once per scan.
  class OriginOrder {
   public:
    OriginOrder(const Impl& m, const Run& run)
        : m_(m),
          run_(run),
          left_(m.origin_position(run.origin_left, true)),
          right_(m.origin_position(run.origin_right, false)) {}
    int64_t left() const { return left_; }
    int64_t right() const { return right_; }

    // Sign of (position of `id`) - left, for the origin-left `id` of a
    // character whose predecessor is `before`.
    int versus_left(OpId id, OpId before) {
      if (id == run_.origin_left) return 0;
      if (id == before) return 1;  // at i - 1, after the left origin
      if (!id.valid()) return -1;
      return sign(position(id) - left_);
    }
    // Sign of (position of `id`) - right, for an origin-right `id`.
    int versus_right(OpId id) {
      if (id == run_.origin_right) return 0;
      if (!id.valid()) return 1;                  // the end
      if (!run_.origin_right.valid()) return -1;  // any character is before the end
      return sign(position(id) - right_);
    }

   private:
    static int sign(int64_t v) { return (v > 0) - (v < 0); }
    int64_t position(OpId id) {
      auto [it, fresh] = known_.try_emplace(id, 0);
      if (fresh) it->second = m_.origin_position(id, true);
      return it->second;
    }

    const Impl& m_;
    const Run& run_;
    const int64_t left_, right_;
    std::unordered_map<OpId, int64_t> known_;
  };

  struct Placement {
    Cursor dest;         // insert before this (nullptr leaf: at the end)
    uint64_t steps = 0;  // runs or parts of runs looked at; limit + 1 if it gave up
  };

  // The YjsMod scan of docs/crdt.md from `start` (the character after the
  // left origin), with positions counted including tombstones. It steps over
  // a run at a time: the characters of a run after the first have the one
  // before them as origin-left (in a fan: the same origins as the first), so
  // they can neither stop the scan nor change `scanning`. Gives up after
  // `limit` steps.
  Placement place(const Run& run, Cursor start, uint64_t limit) const {
    OriginOrder order(*this, run);
    const int64_t right = order.right();
    Placement out{start};
    int64_t i = order.left() + 1;
    OpId before = run.origin_left;  // the character at i - 1
    bool scanning = false;
    for (Cursor c = start;;) {
      if (!scanning) out.dest = c;
      if (!c.leaf || i == right) break;
      if (out.steps++ == limit) break;
      const Run& other = c.run();
      const int vs_left = order.versus_left(left_of(other, c.offset), before);
      if (vs_left < 0) break;
      if (vs_left == 0) {
        const int vs_right = order.versus_right(other.origin_right);
        if (vs_right == 0 && run.replica < other.replica) break;
        scanning = vs_right < 0;
      }
      // Nothing changes until the run's end (or the right origin, if it
      // lies inside); landing there leaves `dest` as stepping one by one
      // would.
      uint32_t step = other.length - c.offset;
      if (right >= i && right < i + step) step = static_cast<uint32_t>(right - i);
      i += step;
      before = other.id_at(c.offset + step - 1);
      c = c.offset + step < other.length ? Cursor{c.leaf, c.index, c.offset + step}
                                         : next_run(c.leaf, c.index);
    }
    return out;
  }

  void integrate(const Run& run) {
    const Cursor start = scan_start(run);
    if (at_right_origin(run, start)) return insert_run(start, run);
    const Placement p = place(run, start, UINT64_MAX);
    work.scan_steps += p.steps;
    insert_run(p.dest, run);
  }
};

// ---- public API -------------------------------------------------------------------

std::vector<IdSpan> delete_spans(const pb::TextDelete& del) {
  std::vector<IdSpan> out;
  out.reserve(del.ranges_size());
  for (const auto& r : del.ranges()) out.push_back({{r.replica(), r.counter()}, r.length()});
  return out;
}

std::vector<IdSpan> merge_spans(std::vector<IdSpan> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const IdSpan& a, const IdSpan& b) { return a.first < b.first; });
  std::vector<IdSpan> out;
  for (const IdSpan& s : spans) {
    if (s.length == 0) continue;
    IdSpan* last = out.empty() ? nullptr : &out.back();
    if (last && last->first.replica == s.first.replica && s.first.counter <= last->end())
      last->length = std::max(last->end(), s.end()) - last->first.counter;
    else
      out.push_back(s);
  }
  return out;
}

TextSequence::TextSequence() : impl_(std::make_unique<Impl>()) {}
TextSequence::~TextSequence() = default;
TextSequence::TextSequence(TextSequence&&) noexcept = default;
TextSequence& TextSequence::operator=(TextSequence&&) noexcept = default;

TextSequence::TextSequence(const TextSequence& other) : impl_(std::make_unique<Impl>()) {
  impl_->arena = other.impl_->arena;
  impl_->build(other.impl_->runs_in_order());
}

TextSequence& TextSequence::operator=(const TextSequence& other) {
  if (this != &other) {
    TextSequence copy(other);
    *this = std::move(copy);
  }
  return *this;
}

size_t TextSequence::size() const {
  return impl_->visible_size;
}
size_t TextSequence::total_size() const {
  return impl_->total_size;
}

bool TextSequence::contains(OpId id) const {
  return impl_->index_find(id) != nullptr;
}

bool TextSequence::contains_span(IdSpan span) const {
  std::vector<IdSpan> missing;
  missing_parts(span, &missing);
  return missing.empty();
}

void TextSequence::missing_parts(IdSpan span, std::vector<IdSpan>* out) const {
  // Spans of one replica's ids are covered by consecutive index entries.
  uint64_t c = span.first.counter;
  const uint64_t end = c + span.length;
  auto gap = [&](uint64_t until) {
    out->push_back({{span.first.replica, c}, until - c});
    c = until;
  };
  auto r = impl_->index.find(span.first.replica);
  if (r == impl_->index.end()) {
    if (c < end) gap(end);
    return;
  }
  const auto& spans = r->second;
  auto it = spans.upper_bound(c);
  if (it != spans.begin() && std::prev(it)->second.end > c) --it;
  while (c < end) {
    if (it == spans.end()) return gap(end);
    if (it->first > c) gap(std::min(it->first, end));
    if (c < end) c = std::min(it->second.end, end);
    ++it;
  }
}

void TextSequence::local_insert(size_t pos, OpId first_id, std::u32string_view text,
                                OpId* origin_left, OpId* origin_right) {
  Impl& m = *impl_;
  Run run = m.new_run(first_id, text);
  Cursor at;
  if (pos == 0) {
    at = m.first_char();
  } else {
    const Cursor left = m.find_visible(pos - 1);
    run.origin_left = left.run().id_at(left.offset);
    at = Impl::next_char(left);
  }
  if (at.leaf) run.origin_right = at.run().id_at(at.offset);
  *origin_left = run.origin_left;
  *origin_right = run.origin_right;
  m.insert_run(at, run);
}

void TextSequence::local_insert_before(OpId anchor, OpId first_id, std::u32string_view text,
                                       OpId* origin_left, OpId* origin_right) {
  Impl& m = *impl_;
  Cursor at;
  [[maybe_unused]] const bool found = m.locate(anchor, &at);
  assert(found);
  Run run = m.new_run(first_id, text);
  const Cursor left = Impl::prev_char(at);
  if (left.leaf) run.origin_left = left.run().id_at(left.offset);
  run.origin_right = anchor;
  *origin_left = run.origin_left;
  *origin_right = run.origin_right;
  m.insert_run(at, run);
}

void TextSequence::local_delete(size_t pos, size_t length, std::vector<IdSpan>* deleted) {
  Impl& m = *impl_;
  while (length > 0) {
    const Cursor c = m.find_visible(pos);
    const Run& r = c.run();
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(length, r.length - c.offset));
    const OpId first = r.id_at(c.offset);
    if (deleted) {
      if (!deleted->empty() && deleted->back().first.replica == first.replica &&
          deleted->back().first.counter + deleted->back().length == first.counter) {
        deleted->back().length += n;
      } else {
        deleted->push_back({first, n});
      }
    }
    m.delete_in_run(c, n);
    length -= n;
  }
}

void TextSequence::integrate(OpId first_id, OpId origin_left, OpId origin_right,
                             std::u32string_view text) {
  Impl& m = *impl_;
  Run run = m.new_run(first_id, text);
  run.origin_left = origin_left;
  run.origin_right = origin_right;
  m.integrate(run);
}

uint64_t TextSequence::integration_steps(uint64_t replica, OpId origin_left, OpId origin_right,
                                         uint64_t limit) const {
  Run run;
  run.replica = replica;
  run.origin_left = origin_left;
  run.origin_right = origin_right;
  const Cursor start = impl_->scan_start(run);
  if (Impl::at_right_origin(run, start)) return 0;
  return impl_->place(run, start, limit).steps;
}

size_t TextSequence::apply_delete(IdSpan span) {
  Impl& m = *impl_;
  size_t newly = 0;
  OpId id = span.first;
  uint64_t remaining = span.length;
  while (remaining > 0) {
    Cursor c;
    if (!m.locate(id, &c)) break;  // precondition violated; nothing more to do
    ++m.work.delete_steps;
    const Run& r = c.run();
    const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(remaining, r.length - c.offset));
    if (!r.deleted) {
      m.delete_in_run(c, n);
      newly += n;
    }
    id.counter += n;
    remaining -= n;
  }
  return newly;
}

uint64_t TextSequence::deleted_runs(IdSpan span, uint64_t limit) const {
  uint64_t count = 0;
  OpId id = span.first;
  for (uint64_t remaining = span.length; remaining > 0 && count <= limit;) {
    Cursor c;
    if (!impl_->locate(id, &c)) break;
    const Run& r = c.run();
    const uint64_t n = std::min<uint64_t>(remaining, r.length - c.offset);
    count += r.deleted;
    id.counter += n;
    remaining -= n;
  }
  return count;
}

size_t TextSequence::position_of(OpId id) const {
  Cursor c;
  if (!impl_->locate(id, &c)) return size();
  const uint64_t run_start = impl_->position_of_run(c.leaf, c.index, true);
  return run_start + (c.run().deleted ? 0 : c.offset);
}

OpId TextSequence::id_at(size_t pos) const {
  const Cursor c = impl_->find_visible(pos);
  return c.run().id_at(c.offset);
}

std::vector<IdSpan> TextSequence::visible_parts(IdSpan span) const {
  std::vector<IdSpan> out;
  OpId id = span.first;
  uint64_t remaining = span.length;
  while (remaining > 0) {
    Cursor c;
    if (!impl_->locate(id, &c)) break;
    const Run& r = c.run();
    const uint64_t n = std::min<uint64_t>(remaining, r.length - c.offset);
    if (!r.deleted) {
      if (!out.empty() && out.back().first.replica == id.replica &&
          out.back().first.counter + out.back().length == id.counter) {
        out.back().length += n;
      } else {
        out.push_back({id, n});
      }
    }
    id.counter += n;
    remaining -= n;
  }
  return out;
}

bool TextSequence::content_of(IdSpan span, std::u32string* out) const {
  OpId id = span.first;
  uint64_t remaining = span.length;
  while (remaining > 0) {
    Cursor c;
    if (!impl_->locate(id, &c)) return false;
    const Run& r = c.run();
    if (r.content == kNoContent) return false;
    const uint64_t n = std::min<uint64_t>(remaining, r.length - c.offset);
    out->append(impl_->arena, r.content + c.offset, n);
    id.counter += n;
    remaining -= n;
  }
  return true;
}

std::u32string TextSequence::text() const {
  std::u32string out;
  out.reserve(impl_->visible_size);
  impl_->for_each_visible([&](std::u32string_view chars) { out.append(chars); });
  return out;
}

std::string TextSequence::utf8() const {
  std::string out;
  out.reserve(impl_->visible_size);
  impl_->for_each_visible([&](std::u32string_view chars) { utf8::append(chars, out); });
  return out;
}

const TextSequence::Work& TextSequence::work() const {
  return impl_->work;
}

size_t TextSequence::item_count() const {
  size_t n = 0;
  for (const Leaf* l = impl_->first; l; l = l->next) n += l->count;
  return n;
}

// ---- canonical columns ------------------------------------------------------------
//
// Runs are written maximal (adjacent runs that continue each other are
// merged), so the encoding does not depend on how a replica happened to split
// its runs. Origins are coded relative to document order where possible:
//   left:  0 start, 1 last character of the previous run, 2 explicit
//   right: 0 end,   1 first character of the next run,    2 explicit

namespace {
enum OriginCode : uint32_t { kNone = 0, kAdjacent = 1, kExplicit = 2 };

int64_t zig(uint64_t a, uint64_t b) {
  return static_cast<int64_t>(a - b);
}

// Appends `r` to canonical runs: a fan as its separate characters, each
// merged with the run before it when it continues it.
void append_canonical(const Run& r, std::vector<Run>* runs) {
  const uint32_t pieces = is_fan(r) ? r.length : 1;
  for (uint32_t k = 0; k < pieces; ++k) {
    Run piece = r;
    piece.fan = false;
    if (pieces > 1) {
      piece.counter = r.counter + k;
      piece.length = 1;
    }
    if (!runs->empty() && continues(runs->back(), piece))
      runs->back().length += piece.length;
    else
      runs->push_back(piece);
  }
}

// Joins runs that form a fan back into one, as integration had them.
std::vector<Run> gather_fans(const std::vector<Run>& runs) {
  std::vector<Run> out;
  out.reserve(runs.size());
  for (const Run& r : runs) {
    if (!out.empty() && extends_fan(out.back(), r) && can_merge(out.back(), r))
      join(out.back(), r);
    else
      out.push_back(r);
  }
  return out;
}
}  // namespace

void TextSequence::encode(pb::TextColumns* out) const {
  // Merge runs; content is gathered per stored run, as merged runs need not
  // have contiguous content.
  std::vector<Run> runs;
  std::string visible;
  for (const Leaf* l = impl_->first; l; l = l->next)
    for (int i = 0; i < l->count; ++i) {
      const Run& r = l->runs[i];
      if (!r.deleted)  // a visible run's content is always known
        utf8::append(std::u32string_view(impl_->arena).substr(r.content, r.length), visible);
      append_canonical(r, &runs);
    }
  std::unordered_map<uint64_t, uint32_t> replica_index;
  auto replica_ref = [&](uint64_t replica) {
    auto [it, added] = replica_index.emplace(replica, replica_index.size());
    if (added) out->add_replicas(replica);
    return it->second;
  };
  auto add_explicit = [&](OpId id) {
    out->add_origin_replica(replica_ref(id.replica));
    out->add_origin_counter(id.counter);
  };
  uint64_t prev_end = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    out->add_run_replica(replica_ref(r.replica));
    out->add_run_counter_delta(zig(r.counter, prev_end));
    prev_end = r.end();
    out->add_run_length(r.deleted ? -static_cast<int64_t>(r.length) : r.length);
    uint32_t left = kExplicit, right = kExplicit;
    if (!r.origin_left.valid())
      left = kNone;
    else if (i > 0 && runs[i - 1].id_at(runs[i - 1].length - 1) == r.origin_left)
      left = kAdjacent;
    if (!r.origin_right.valid())
      right = kNone;
    else if (i + 1 < runs.size() && runs[i + 1].id_at(0) == r.origin_right)
      right = kAdjacent;
    out->add_run_origin(left | (right << 2));
    if (left == kExplicit) add_explicit(r.origin_left);
    if (right == kExplicit) add_explicit(r.origin_right);
  }
  out->set_visible_text(std::move(visible));
}

Status TextSequence::decode(const pb::TextColumns& in) {
  const int n = in.run_replica_size();
  if (in.run_counter_delta_size() != n || in.run_length_size() != n || in.run_origin_size() != n)
    return Status::corrupt("text columns differ in length");
  if (in.origin_replica_size() != in.origin_counter_size())
    return Status::corrupt("text origin columns differ in length");
  std::u32string visible;
  if (!utf8::decode(in.visible_text(), visible))
    return Status::corrupt("text content is not valid UTF-8");

  std::vector<Run> runs(n);
  std::vector<uint32_t> codes(n);
  int next_origin = 0;
  uint64_t prev_end = 0, visible_used = 0;
  std::u32string arena;
  auto read_explicit = [&](OpId* id) {
    if (next_origin >= in.origin_replica_size()) return false;
    const uint32_t ri = in.origin_replica(next_origin);
    if (ri >= static_cast<uint32_t>(in.replicas_size())) return false;
    *id = {in.replicas(ri), in.origin_counter(next_origin++)};
    return id->valid();
  };
  for (int i = 0; i < n; ++i) {
    Run& r = runs[i];
    const uint32_t ri = in.run_replica(i);
    if (ri >= static_cast<uint32_t>(in.replicas_size()))
      return Status::corrupt("text run names an unknown replica");
    r.replica = in.replicas(ri);
    r.counter = prev_end + static_cast<uint64_t>(in.run_counter_delta(i));
    const int64_t len = in.run_length(i);
    if (len == 0 || len > INT32_MAX || len < -INT64_C(0x7fffffff))
      return Status::corrupt("text run has a bad length");
    r.deleted = len < 0;
    r.length = static_cast<uint32_t>(r.deleted ? -len : len);
    if (r.counter == 0 || r.counter + r.length < r.counter)
      return Status::corrupt("text run has a bad counter");
    prev_end = r.end();
    codes[i] = in.run_origin(i);
    const uint32_t left = codes[i] & 3, right = (codes[i] >> 2) & 3;
    if (left > kExplicit || right > kExplicit || codes[i] >> 4)
      return Status::corrupt("text run has a bad origin code");
    if (left == kExplicit && !read_explicit(&r.origin_left))
      return Status::corrupt("text run origin missing");
    if (right == kExplicit && !read_explicit(&r.origin_right))
      return Status::corrupt("text run origin missing");
    if (!r.deleted) {
      if (visible_used + r.length > visible.size())
        return Status::corrupt("text content shorter than its runs");
      r.content = static_cast<uint32_t>(arena.size());
      arena.append(visible, visible_used, r.length);
      visible_used += r.length;
    }
  }
  if (visible_used != visible.size()) return Status::corrupt("text content longer than its runs");
  if (next_origin != in.origin_replica_size()) return Status::corrupt("unused text origins");
  for (int i = 0; i < n; ++i) {
    const uint32_t left = codes[i] & 3, right = (codes[i] >> 2) & 3;
    if (left == kAdjacent) {
      if (i == 0) return Status::corrupt("first text run cannot follow a previous run");
      runs[i].origin_left = runs[i - 1].id_at(runs[i - 1].length - 1);
    }
    if (right == kAdjacent) {
      if (i + 1 == n) return Status::corrupt("last text run cannot precede a next run");
      runs[i].origin_right = runs[i + 1].id_at(0);
    }
  }
  {
    std::vector<std::pair<OpId, uint64_t>> ids;
    ids.reserve(runs.size());
    for (const Run& r : runs) ids.push_back({r.id_at(0), r.end()});
    std::sort(ids.begin(), ids.end());
    for (size_t i = 1; i < ids.size(); ++i)
      if (ids[i].first.replica == ids[i - 1].first.replica &&
          ids[i].first.counter < ids[i - 1].second)
        return Status::corrupt("text runs reuse an id");
  }
  runs = gather_fans(runs);
  auto fresh = std::make_unique<Impl>();
  fresh->build(runs);
  for (const Run& r : runs) {
    if ((r.origin_left.valid() && !fresh->index_find(r.origin_left)) ||
        (r.origin_right.valid() && !fresh->index_find(r.origin_right)))
      return Status::corrupt("text run origin names an unknown character");
  }
  fresh->arena = std::move(arena);
  impl_ = std::move(fresh);
  return Status::ok();
}

Status TextSequence::check_invariants() const {
  const Impl& m = *impl_;
  // Counts: every inner entry equals the sum beneath it.
  struct Checker {
    const Impl& m;
    Status status;
    bool check(const Node* node, uint64_t* v, uint64_t* t) {
      if (node->is_leaf) {
        const auto* leaf = static_cast<const Leaf*>(node);
        if (leaf->count < 0 || leaf->count > kLeafRuns) return fail("leaf run count out of range");
        for (int i = 0; i < leaf->count; ++i) {
          const Run& r = leaf->runs[i];
          if (r.length == 0) return fail("empty run");
          if (m.index_find(r.id_at(0)) != leaf || m.index_find(r.id_at(r.length - 1)) != leaf)
            return fail("id index does not point at the run's leaf");
          if (!r.deleted && (r.content == kNoContent || r.content + r.length > m.arena.size()))
            return fail("visible run without content");
        }
        leaf_counts(leaf, v, t);
        return true;
      }
      const auto* inner = static_cast<const Inner*>(node);
      if (inner->count < 1 || inner->count > kFanout) return fail("inner child count out of range");
      *v = *t = 0;
      for (int i = 0; i < inner->count; ++i) {
        if (inner->children[i]->parent != inner) return fail("broken parent link");
        uint64_t cv, ct;
        if (!check(inner->children[i], &cv, &ct)) return false;
        if (cv != inner->visible[i] || ct != inner->total[i]) return fail("stale inner counts");
        *v += cv;
        *t += ct;
      }
      return true;
    }
    bool fail(const char* what) {
      status = Status::invalid(std::string("text: ") + what);
      return false;
    }
  } checker{m, Status::ok()};
  uint64_t v, t;
  if (!checker.check(m.root, &v, &t)) return checker.status;
  if (v != m.visible_size || t != m.total_size) return Status::invalid("text: stale size");
  if (m.root->parent) return Status::invalid("text: root has a parent");
  // Leaf chain covers the runs in order, and every origin is known.
  uint64_t chained = 0;
  const Leaf* prev = nullptr;
  for (const Leaf* l = m.first; l; prev = l, l = l->next) {
    if (l->prev != prev) return Status::invalid("text: broken leaf chain");
    for (int i = 0; i < l->count; ++i) {
      const Run& r = l->runs[i];
      chained += r.length;
      if ((r.origin_left.valid() && !m.index_find(r.origin_left)) ||
          (r.origin_right.valid() && !m.index_find(r.origin_right)))
        return Status::invalid("text: origin names an unknown character");
    }
  }
  if (chained != m.total_size) return Status::invalid("text: leaf chain misses runs");
  return Status::ok();
}

}  // namespace convene::crdt
