// What the fuzz targets share: a check that aborts (libFuzzer reports it as a
// crash, with the input), and the document they start from.
//
// A small document every fuzz target starts from: one map with elements, a
// connection and a region, and a draft with text, all written by replica 1.
// Fuzzed ops can then refer to real ids (1:1 is the map, and so on) and reach
// the validation and application code behind those references.
#pragma once

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crdt/document.h"

namespace convene::fuzz {

namespace pb = ::convene::v1;

// Protobuf logs each string field with invalid UTF-8 it parses; fuzzed input
// has thousands. The server sends these to its debug log (main.cc).
inline void quiet_protobuf() {
  google::protobuf::SetLogHandler(nullptr);
}

inline void require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

inline crdt::Document seed_document() {
  crdt::Document doc(1);
  const auto map = doc.create_map("Landscape").value;
  pb::ElementFields element;
  element.set_label("River Trust");
  element.mutable_position()->set_x(10);
  const auto a = doc.create_element(map, element).value;
  element.set_label("Wetland pilot");
  const auto b = doc.create_element(map, element).value;
  pb::ConnectionFields connection;
  connection.set_depth(2);
  (void)doc.create_connection(map, a, b, connection);
  pb::ShapeFields shape;
  for (const auto& [x, y] : {std::pair{0.0, 0.0}, {50.0, 0.0}, {0.0, 50.0}}) {
    auto* point = shape.mutable_path()->add_points();
    point->set_x(x);
    point->set_y(y);
  }
  (void)doc.create_shape(map, pb::GEOMETRY_POLYGON, shape);
  const auto draft = doc.create_draft("Call").value;
  (void)doc.insert_text(draft, 0, "Dear partners, héllo 👋\n\nJoin us.");
  (void)doc.take_outbox();
  return doc;
}

}  // namespace convene::fuzz
