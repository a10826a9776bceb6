// Writes the seed corpora of the fuzz targets into a directory: valid inputs
// of every kind (so fuzzing starts deep in the code) and the known bad cases
// (text instead of protobuf, truncations, varint overflows, forged replicas,
// counter gaps, unknown references, path traversal, oversized headers).
//
//   convene_fuzz_seeds DIR   ->  DIR/envelope/*, DIR/snapshot/*, DIR/http/*
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
  return 0;
}
