// Writes the seed corpora of the fuzz targets into a directory: valid inputs
// of every kind (so fuzzing starts deep in the code) and the known bad cases
// (text instead of protobuf, truncations, varint overflows, forged replicas,
// counter gaps, unknown references, path traversal, oversized headers).
//
//   convene_fuzz_seeds DIR   ->  DIR/envelope/*, DIR/snapshot/*, DIR/http/*, DIR/members/*
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "fuzz_support.h"

namespace {

using namespace convene;
namespace pb = ::convene::v1;
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// A map's vocabulary: a tag, a field and its values, a custom kind, a pin, a
// style rule and a saved view, each created, updated and one removed.
void vocabulary_edits(crdt::Document& doc, crdt::OpId map, crdt::OpId element, crdt::OpId added) {
  (void)doc.set_tag(element, "funding", true);
  (void)doc.set_tag(added, "café ally", true);
  (void)doc.set_tag(added, "café ally", false);
  pb::FieldDefFields stage;
  stage.set_name("Stage");
  stage.set_type(pb::FIELD_TYPE_CHOICE);
  stage.mutable_choices()->add_values("idea");
  stage.mutable_choices()->add_values("pilot");
  const auto field = doc.create_field(map, stage);
  stage.set_type(pb::FIELD_TYPE_TEXT);
  (void)doc.update_field(field.value, stage);
  (void)doc.set_field_value(element, field.value, std::string("pilot"));
  (void)doc.set_field_value(added, field.value, 2.5);
  pb::KindFields trust;
  trust.set_name("NHS trust");
  trust.set_base(pb::ELEMENT_KIND_INSTITUTION);
  const auto kind = doc.create_kind(map, trust);
  trust.set_color("#aa3355");
  (void)doc.update_kind(kind.value, trust);
  pb::ElementFields fields;
  kind.value.to_pb(fields.mutable_custom_kind());
  fields.set_pinned(true);
  (void)doc.update_element(element, fields);
  pb::StyleRuleFields rule;
  field.value.to_pb(rule.mutable_match()->mutable_field());
  rule.mutable_match()->set_value("pilot");
  rule.set_size(2);
  const auto created = doc.create_style_rule(map, rule);
  rule.set_order(-1);
  (void)doc.update_style_rule(created.value, rule);
  pb::ViewFields view;
  view.set_name("Funding");
  view.mutable_viewport()->set_zoom(2);
  view.mutable_filter()->add_tags("funding");
  element.to_pb(view.mutable_filter()->mutable_focus());
  view.mutable_filter()->set_focus_depth(1);
  added.to_pb(view.mutable_filter()->add_highlights());
  const auto saved = doc.create_view(map, view);
  view.set_order(3);
  (void)doc.update_view(saved.value, view);
  (void)doc.remove(saved.value);
}

// Ops of replica 2 on top of the seed document: every kind of edit.
std::vector<pb::Op> edits() {
  crdt::Document doc = fuzz::seed_document();
  doc.set_replica(2);
  const crdt::OpId map{1, 1}, element{1, 2}, other{1, 3};
  pb::ElementFields fields;
  fields.set_label("Farmers circle");
  fields.set_kind(pb::ELEMENT_KIND_COMMUNITY);
  const auto added = doc.create_element(map, fields);
  (void)doc.update_element(element, fields);
  pb::ConnectionFields connection;
  connection.set_direction(pb::DIRECTION_FORWARD);
  (void)doc.create_connection(map, added.value, other, connection);
  (void)doc.set_perspective(element, "strength", "0000000000000002", 4);
  const auto draft = doc.drafts().front();
  (void)doc.insert_text(draft, 3, "ünïcödé ");
  (void)doc.delete_text(draft, 0, 2);
  (void)doc.create_variant(draft, "Funders", draft);
  (void)doc.remove(other);
  (void)doc.restore(other);
  vocabulary_edits(doc, map, element, added.value);
  return doc.take_outbox();
}

std::string submit_of(const std::vector<pb::Op>& ops) {
  pb::ClientMessage message;
  for (const auto& op : ops) *message.mutable_submit()->add_ops() = op;
  return message.SerializeAsString();
}

void envelope_seeds(const fs::path& dir) {
  const auto ops = edits();
  write(dir, "submit-all", submit_of(ops));
  for (size_t i = 0; i < ops.size(); ++i) {
    write(dir, "submit-" + std::to_string(i), submit_of({ops.begin(), ops.begin() + i + 1}));
  }
  pb::ClientMessage hello;
  hello.mutable_hello()->set_protocol(1);
  hello.mutable_hello()->set_replica(2);
  hello.mutable_hello()->set_replica_secret("fuzz-seed-secret-2.....");
  hello.mutable_hello()->set_convening("abc");
  for (const auto& op : ops) *hello.mutable_hello()->add_resend() = op;
  write(dir, "hello-resend", hello.SerializeAsString());
  // Bad cases.
  auto forged = ops;
  forged[0].set_replica(1);  // someone else's replica: a duplicate or a gap
  write(dir, "forged-replica", submit_of(forged));
  auto gap = ops;
  gap[0].set_counter(gap[0].counter() + 5);
  write(dir, "counter-gap", submit_of(gap));
  auto unknown = ops;
  unknown[1].mutable_update_element()->mutable_element()->set_counter(999);
  write(dir, "unknown-reference", submit_of(unknown));
  const std::string all = submit_of(ops);
  write(dir, "truncated", all.substr(0, all.size() / 2));
  write(dir, "text-frame", "{\"submit\": {\"ops\": []}}");
  write(dir, "varint-overflow",
        std::string("\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12));
  write(dir, "empty", "");
}

void snapshot_seeds(const fs::path& dir) {
  crdt::Document doc = fuzz::seed_document();
  for (const auto& op : edits()) (void)doc.apply(op);
  const std::string full = doc.encode_snapshot();
  write(dir, "full", full);
  write(dir, "seed", fuzz::seed_document().encode_snapshot());
  write(dir, "empty-document", crdt::Document(3).encode_snapshot());
  write(dir, "truncated", full.substr(0, full.size() - 7));
  std::string flipped = full;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x40);
  write(dir, "flipped", flipped);
}

void http_seeds(const fs::path& dir) {
  const std::string host = "Host: 127.0.0.1\r\n";
  const auto get = [&](const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\n" + host + "\r\n";
  };
  const auto post = [&](const std::string& target, const std::string& body) {
    return "POST " + target + " HTTP/1.1\r\n" + host +
           "Content-Type: application/json\r\nAuthorization: Bearer abc\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  write(dir, "index", get("/"));
  write(dir, "healthz", get("/healthz"));
  write(dir, "metrics", get("/metrics"));
  write(dir, "create", post("/api/convenings", R"({"name":"Basin workshop"})"));
  write(dir, "export", get("/api/convenings/abc/export?format=json&at=3"));
  write(dir, "versions", get("/api/convenings/abc/versions"));
  write(dir, "name-version", post("/api/convenings/abc/versions", R"({"name":"sent","seq":2})"));
  write(dir, "revoke", post("/api/convenings/abc/invites/observer/revoke", ""));
  write(dir, "traversal", get("/../../etc/passwd"));
  write(dir, "encoded-traversal", get("/%2e%2e/%2e%2e/etc/passwd"));
  write(dir, "bad-json", post("/api/convenings", "{\"name\":"));
  write(dir, "long-header",
        "GET / HTTP/1.1\r\n" + host + "X: " + std::string(20000, 'a') + "\r\n\r\n");
}

// Bytes that libFuzzer's FuzzedDataProvider reads back as the values given:
// integers and booleans from the end of the data (the first one read is the
// last byte, most significant byte first), strings from the front, each
// ended by a backslash and another character (a backslash in the string is
// doubled).
class ProviderBytes {
 public:
  ProviderBytes& integer(uint64_t value, uint64_t min, uint64_t max) {
    const uint64_t range = max - min, offset = value - min;
    int bytes = 0;
    while (bytes < 8 && (range >> (8 * bytes)) > 0) ++bytes;
    for (int i = bytes - 1; i >= 0; --i) back_.push_back(static_cast<char>(offset >> (8 * i)));
    return *this;
  }
  ProviderBytes& boolean(bool b) { return integer(b ? 1 : 0, 0, 255); }
  ProviderBytes& text(const std::string& s) {
    for (char c : s) {
      front_.push_back(c);
      if (c == '\\') front_.push_back(c);
    }
    front_ += "\\.";
    return *this;
  }
  std::string bytes() const { return front_ + std::string(back_.rbegin(), back_.rend()); }

 private:
  std::string front_, back_;
};

// The steps of fuzz_members, in the order it reads their fields.
class MemberScript {
 public:
  MemberScript(size_t max_records, int ops_per_minute, int bytes_per_minute) {
    in_.integer(max_records, 0, 12).integer(ops_per_minute, 0, 1000);
    in_.integer(bytes_per_minute, 0, 1 << 20);
  }
  MemberScript& hello(uint64_t replica, const std::string& name, const std::string& colour,
                      const std::string& secret, int role = 2) {
    in_.integer(0, 0, 6).integer(replica, 0, 31).text(name).text(colour).text(secret);
    in_.integer(static_cast<uint64_t>(role), 0, 3).boolean(false);
    return *this;
  }
  MemberScript& presence(const pb::PresenceState& state) {
    in_.integer(1, 0, 6).text(state.SerializeAsString());
    return *this;
  }
  MemberScript& old_record(uint64_t replica, const std::string& name, const std::string& colour) {
    in_.integer(2, 0, 6).integer(replica, 0, 31).text(name).text(colour);
    in_.integer(static_cast<uint64_t>(2 + 128), 0, 255).boolean(true);
    return *this;
  }
  MemberScript& reload() {
    in_.integer(3, 0, 6);
    return *this;
  }
  MemberScript& export_members() {
    in_.integer(4, 0, 6);
    return *this;
  }
  MemberScript& spend(uint64_t replica, int ms_later, int ops, int bytes) {
    in_.integer(5, 0, 6).integer(static_cast<uint64_t>(ms_later), 0, 120'000);
    in_.integer(static_cast<uint64_t>(ops), 0, 100'000)
        .integer(static_cast<uint64_t>(bytes), 0, 100'000'000);
    in_.integer(replica, 0, 31);
    return *this;
  }
  // The room would (or would no longer) let this replica's record go.
  MemberScript& evictable(uint64_t replica) {
    in_.integer(6, 0, 6).integer(replica, 0, 31);
    return *this;
  }
  std::string bytes() const { return in_.bytes(); }

 private:
  ProviderBytes in_;
};

void member_seeds(const fs::path& dir) {
  const std::string secret_a = "secret of a, 24 bytes...", secret_b = "secret of b, 24 bytes...";
  write(dir, "join-and-return",
        MemberScript(10, 600, 1 << 20)
            .hello(1, "Ana", "#336699", secret_a)
            .hello(2, "Ben", "#AABBCC", secret_b)
            .hello(1, "Ana again", "#336699", secret_a)
            .export_members()
            .bytes());
  write(dir, "stolen-replica",
        MemberScript(10, 600, 1 << 20)
            .hello(1, "owner", "#112233", secret_a)
            .hello(1, "thief", "#445566", secret_b)
            .reload()
            .hello(1, "thief again", "#445566", secret_b)
            .export_members()
            .bytes());
  const std::string a63(63, 'a');
  MemberScript names(12, 0, 0);
  uint64_t replica = 0;
  for (const std::string& name :
       {std::string(65, 'a'), a63 + "\xF0\x9F\x8C\x8D" + "tail", a63 + "\xC3\xA9z",
        std::string("Ana\xE2\x80\xAE"
                    "evil"),
        std::string("\xE2\x81\xA6"
                    "Ben\xE2\x81\xA9"),
        std::string("  Dan \t\n  Eve  "), std::string("Zero\xE2\x80\x8Bwidth\xEF\xBB\xBF"),
        std::string("\x01\x1b\x7f"), std::string(), std::string(99, 'a') + "\xC3"})
    names.hello(replica++, name, "#ZZZZZZ", secret_a);
  write(dir, "names", names.export_members().bytes());
  write(dir, "old-records",
        MemberScript(4, 600, 1 << 20)
            .old_record(3, "\xFF\xFE broken \xC3", "\xC3\x28")
            .old_record(4, std::string(120, 'x') + "\xE2\x80", "#12345")
            .export_members()
            .reload()
            .hello(3, "claims the old record", "#00ff00", secret_a)
            .hello(3, "too late", "#00ff00", secret_b)
            .export_members()
            .bytes());
  write(dir, "bound",
        MemberScript(2, 600, 1 << 20)
            .hello(1, "one", "#010101", secret_a)
            .hello(2, "two", "#020202", secret_a)
            .hello(3, "three", "#030303", secret_a)
            .reload()
            .hello(1, "one again", "#010101", secret_a)
            .bytes());
  write(dir, "full-gives-up-the-least-seen",
        MemberScript(2, 600, 1 << 20)
            .hello(1, "stays", "#010101", secret_a)
            .hello(2, "may go", "#020202", secret_a)
            .evictable(2)
            .evictable(1)
            .hello(3, "newcomer", "#030303", secret_a)
            .hello(4, "another", "#040404", secret_a)
            .reload()
            .hello(2, "back", "#020202", secret_b)
            .export_members()
            .bytes());
  pb::PresenceState ok;
  ok.mutable_cursor()->set_x(10);
  ok.set_following("00000000000000ab");
  pb::PresenceState selection;
  for (int i = 0; i < 257; ++i)
    selection.add_selection()->set_counter(static_cast<uint64_t>(i) + 1);
  pb::PresenceState not_finite;
  not_finite.mutable_viewport()->set_zoom(1.0 / 0.0);
  pb::PresenceState bad_follow;
  bad_follow.set_following("not a member id!");
  write(dir, "presence",
        MemberScript(10, 600, 1 << 20)
            .presence(ok)
            .presence(selection)
            .presence(not_finite)
            .presence(bad_follow)
            .bytes());
  write(dir, "quota",
        MemberScript(10, 60, 4096)
            .hello(1, "spender", "#aa00aa", secret_a)
            .spend(1, 0, 50, 1000)
            .spend(1, 10, 50, 1000)
            .spend(1, 60'000, 5000, 99'999'999)
            .spend(9, 0, 1, 1)
            .bytes());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: convene_fuzz_seeds DIR\n");
    return 2;
  }
  const fs::path root = argv[1];
  envelope_seeds(root / "envelope");
  snapshot_seeds(root / "snapshot");
  http_seeds(root / "http");
  member_seeds(root / "members");
  return 0;
}
