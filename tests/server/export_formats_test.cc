// A map as GraphML, GEXF and CSV (http/export_formats.h; the contract is
// docs/formats.md). The XML is read back with pugixml and the CSV with the
// small RFC 4180 reader below, so the tests check structure, not spelling.
#include "http/export_formats.h"

#include <gtest/gtest.h>

#include <map>
#include <pugixml.hpp>
#include <string>
#include <vector>

namespace convene::server::export_formats {
namespace {

using nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

// The rows of an RFC 4180 text whose every record ends in CRLF; a failure
// if it is malformed.
Rows read_csv(const std::string& text) {
  Rows rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      cell += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (!quoted && c == '\r') {
      EXPECT_EQ(text.substr(i, 2), "\r\n") << "a bare CR at " << i;
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      EXPECT_FALSE(!quoted && c == '\n') << "a bare LF at " << i;
      cell += c;
    }
  }
  EXPECT_FALSE(quoted) << "an unterminated quote";
  EXPECT_TRUE(row.empty() && cell.empty()) << "the last record has no CRLF";
  return rows;
}

// The cell of column `name` in `row` under `header`; a failure if there is none.
std::string cell(const Rows& rows, size_t row, const std::string& name) {
  const auto& header = rows.at(0);
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return rows.at(row).at(i);
  ADD_FAILURE() << "no column " << name;
  return {};
}

std::string text_of_data(pugi::xml_node item, const std::string& key) {
  return item.find_child_by_attribute("data", "key", key.c_str()).text().as_string();
}

// A map with what each format must carry: a custom kind, tags, custom fields
// (one named like a built-in column), perspectives, a person, a pinned
// element, edges of every direction and a region.
json sample_map() {
  return json::parse(R"({
    "id": "7:1", "name": "Care in Leeds",
    "fields": [{"id": "7:2", "name": "Budget", "type": "number", "choices": []},
               {"id": "7:3", "name": "Owner", "type": "text", "choices": []},
               {"id": "7:4", "name": "label", "type": "text", "choices": []}],
    "kinds": [{"id": "7:5", "name": "NHS trust", "base": "institution", "color": "", "shape": ""}],
    "elements": [
      {"id": "7:10", "kind": "institution", "custom_kind": "7:5", "label": "Leeds Teaching",
       "notes": "Two sites,\none board", "position": {"x": -12.5, "y": 3}, "scale": "regional",
       "color": "#3f9a74", "shape": "", "self_of": "", "pinned": true,
       "tags": ["acute", "nhs"], "fields": {"7:2": 1500000, "7:3": "Ana", "7:4": "dup"},
       "perspectives": {"strength": {"values": {"aaaaaaaaaaaaaaaa": 4, "bbbbbbbbbbbbbbbb": 2},
                                     "count": 2, "mean": 3, "min": 2, "max": 4, "spread": 1}}},
      {"id": "7:11", "kind": "person", "label": "Sam", "notes": "",
       "position": {"x": 0.1, "y": 200}, "scale": "", "color": "", "shape": "",
       "self_of": "bbbbbbbbbbbbbbbb", "perspectives": {}},
      {"id": "7:12", "kind": "", "label": "Walk-in", "notes": "",
       "position": {"x": 1, "y": 2}, "scale": "local", "color": "teal", "shape": "hexagon",
       "self_of": "", "fields": {"7:2": "lots"}, "perspectives": {}}],
    "connections": [
      {"id": "7:20", "from": "7:10", "to": "7:11", "direction": "forward", "depth": 2,
       "kind": "funding", "label": "grant", "tags": ["2024"], "fields": {"7:2": 20000},
       "perspectives": {"trust": {"values": {"aaaaaaaaaaaaaaaa": 0.5}, "count": 1,
                                  "mean": 0.5, "min": 0.5, "max": 0.5, "spread": 0}}},
      {"id": "7:21", "from": "7:11", "to": "7:12", "direction": "both", "depth": 1,
       "kind": "collaboration", "label": "", "perspectives": {}},
      {"id": "7:22", "from": "7:12", "to": "7:10", "direction": "none", "depth": 3,
       "kind": "", "label": "", "perspectives": {}}],
    "shapes": [{"id": "7:30", "geometry": "polygon", "path": [[0, 0], [10, -5], [3.25, 8]],
                "type": "political", "label": "Ward 3", "sphere_of": "aaaaaaaaaaaaaaaa"}]
  })");
}

const MemberNames kNames = {{"aaaaaaaaaaaaaaaa", "Ana"}, {"bbbbbbbbbbbbbbbb", "Bo; Lee"}};

// A map whose one element is labelled `label`.
json map_labelled(const std::string& label) {
  json map = {{"id", "1:1"}, {"name", "m"}, {"connections", json::array()}};
  map["elements"] = {{{"id", "1:2"},
                      {"kind", "note"},
                      {"label", label},
                      {"notes", ""},
                      {"position", {{"x", 0}, {"y", 0}}},
                      {"perspectives", json::object()}}};
  return map;
}

// ---- CSV ---------------------------------------------------------------------------

TEST(ExportCsv, ElementsHaveTheContractsColumnsInOrder) {
  const Rows rows = read_csv(to_csv(sample_map(), Table::kElements, kNames));
  ASSERT_EQ(rows.size(), 4u);
  const std::vector<std::string> expected = {"Label",
                                             "Type",
                                             "Description",
                                             "Tags",
                                             "Scale",
                                             "ID",
                                             "X",
                                             "Y",
                                             "Color",
                                             "Shape",
                                             "Pinned",
                                             "Person",
                                             "Budget",
                                             "Owner",
                                             "label (field)",
                                             "strength",
                                             "strength by participant"};
  EXPECT_EQ(rows[0], expected);
}

TEST(ExportCsv, AnElementRowSpeaksInLabelsAndNames) {
  const Rows rows = read_csv(to_csv(sample_map(), Table::kElements, kNames));
  EXPECT_EQ(cell(rows, 1, "Label"), "Leeds Teaching");
  EXPECT_EQ(cell(rows, 1, "Type"), "NHS trust") << "the custom kind's name";
  EXPECT_EQ(cell(rows, 1, "Description"), "Two sites,\none board");
  EXPECT_EQ(cell(rows, 1, "Tags"), "acute|nhs");
  EXPECT_EQ(cell(rows, 1, "Scale"), "Regional");
  EXPECT_EQ(cell(rows, 1, "ID"), "7:10");
  EXPECT_EQ(cell(rows, 1, "X"), "-12.5") << "a number is never taken for a formula";
  EXPECT_EQ(cell(rows, 1, "Y"), "3");
  EXPECT_EQ(cell(rows, 1, "Pinned"), "true");
  EXPECT_EQ(cell(rows, 1, "Budget"), "1500000");
  EXPECT_EQ(cell(rows, 1, "Owner"), "Ana");
  EXPECT_EQ(cell(rows, 1, "label (field)"), "dup") << "a field is not read as the Label";
  EXPECT_EQ(cell(rows, 1, "strength"), "3");
  EXPECT_EQ(cell(rows, 1, "strength by participant"), "Ana: 4; Bo, Lee: 2");

  EXPECT_EQ(cell(rows, 2, "Type"), "Person");
  EXPECT_EQ(cell(rows, 2, "Person"), "Bo; Lee") << "self_of by the member's name";
  EXPECT_EQ(cell(rows, 2, "X"), "0.1");
  EXPECT_EQ(cell(rows, 2, "Pinned"), "");
  EXPECT_EQ(cell(rows, 2, "strength"), "");

  EXPECT_EQ(cell(rows, 3, "Type"), "") << "no kind";
  EXPECT_EQ(cell(rows, 3, "Scale"), "Local");
  EXPECT_EQ(cell(rows, 3, "Color"), "teal");
  EXPECT_EQ(cell(rows, 3, "Shape"), "hexagon");
  EXPECT_EQ(cell(rows, 3, "Budget"), "") << "text does not fit a number field";
}

TEST(ExportCsv, ConnectionsCarryEndsDirectionsAndDepth) {
  const Rows rows = read_csv(to_csv(sample_map(), Table::kConnections, kNames));
  ASSERT_EQ(rows.size(), 4u);
  // Of the fields only Budget: the one a connection uses.
  const std::vector<std::string> expected = {
      "From", "To",     "Type",  "Direction",           "Label", "ID", "Depth",
      "Tags", "Budget", "trust", "trust by participant"};
  EXPECT_EQ(rows[0], expected);
  EXPECT_EQ(cell(rows, 1, "From"), "7:10");
  EXPECT_EQ(cell(rows, 1, "To"), "7:11");
  EXPECT_EQ(cell(rows, 1, "Type"), "Funding");
  EXPECT_EQ(cell(rows, 1, "Direction"), "directed");
  EXPECT_EQ(cell(rows, 1, "Depth"), "2");
  EXPECT_EQ(cell(rows, 1, "Tags"), "2024");
  EXPECT_EQ(cell(rows, 1, "Budget"), "20000");
  EXPECT_EQ(cell(rows, 1, "trust by participant"), "Ana: 0.5");
  EXPECT_EQ(cell(rows, 2, "Direction"), "mutual");
  EXPECT_EQ(cell(rows, 2, "Type"), "Collaboration");
  EXPECT_EQ(cell(rows, 3, "Direction"), "undirected");
  EXPECT_EQ(cell(rows, 3, "Type"), "");
}

TEST(ExportCsv, ShapesCarryTheirPathAndWhoseSphere) {
  const Rows rows = read_csv(to_csv(sample_map(), Table::kShapes, kNames));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"Label", "Type", "Geometry", "Path", "Sphere of", "ID"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"Ward 3", "Political", "polygon",
                                               "0 0; 10 -5; 3.25 8", "Ana", "7:30"}));
}

TEST(ExportCsv, QuotesCellsAsRfc4180Says) {
  const std::string text = to_csv(map_labelled("say \"hi\", then\r\nleave"), Table::kElements, {});
  EXPECT_NE(text.find("\"say \"\"hi\"\", then\r\nleave\""), std::string::npos) << text;
  EXPECT_EQ(read_csv(text)[1][0], "say \"hi\", then\r\nleave");
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
}

TEST(ExportCsv, CellsASpreadsheetWouldRunAreWrittenAsText) {
  for (const std::string label :
       {"=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=x", "''-1"}) {
    const Rows rows = read_csv(to_csv(map_labelled(label), Table::kElements, {}));
    EXPECT_EQ(rows[1][0], "'" + label);
  }
  for (const std::string label : {"a=b", "'quoted", "1-2"}) {
    const Rows rows = read_csv(to_csv(map_labelled(label), Table::kElements, {}));
    EXPECT_EQ(rows[1][0], label) << "nothing a spreadsheet would run";
  }

  json map = map_labelled("x");
  map["fields"] = {{{"id", "1:3"}, {"name", "=cmd"}, {"type", "text"}}};
  EXPECT_EQ(read_csv(to_csv(map, Table::kElements, {}))[0].back(), "'=cmd") << "headers too";
}

TEST(ExportCsv, KeepsUtf8AndReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(read_csv(to_csv(map_labelled("Zoë 🌍 李小龍"), Table::kElements, {}))[1][0],
            "Zoë 🌍 李小龍");
  EXPECT_EQ(read_csv(to_csv(map_labelled("a\xC3(b\xED\xA0\x80"), Table::kElements, {}))[1][0],
            "a\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ExportCsv, ColumnNamesStayDistinctAsAnImporterComparesThem) {
  json map = map_labelled("x");
  map["fields"] = {{{"id", "1:3"}, {"name", "NOTES"}, {"type", "text"}},
                   {{"id", "1:4"}, {"name", "Budget"}, {"type", "number"}},
                   {{"id", "1:5"}, {"name", " budget "}, {"type", "text"}},
                   {{"id", "1:6"}, {"name", "ties by participant"}, {"type", "text"}},
                   {{"id", "1:7"}, {"name", "trust"}, {"type", "text"}},
                   {{"id", "1:8"}, {"name", ""}, {"type", "text"}}};
  const json summary = {{"values", {{"aaaaaaaaaaaaaaaa", 1}}}, {"mean", 1}, {"count", 1}};
  map["elements"][0]["perspectives"] = {{"trust", summary}, {"Label", summary}};
  const auto header = read_csv(to_csv(map, Table::kElements, {}))[0];
  const std::vector<std::string> custom(header.begin() + 12, header.end());
  EXPECT_EQ(custom, (std::vector<std::string>{"NOTES (field)", "Budget", " budget  (2)",
                                              "ties by participant (field)", "trust (field)",
                                              "Field", "Label (2)", "Label (2) by participant",
                                              "trust", "trust by participant"}));
}

TEST(ExportCsv, MeansAreRoundedToTwoDecimalsHalvesUpwards) {
  json map = map_labelled("x");
  const auto with_mean = [](double mean) {
    return json{{"values", {{"aaaaaaaaaaaaaaaa", mean}}}, {"mean", mean}, {"count", 1}};
  };
  map["elements"][0]["perspectives"] = {
      {"a", with_mean(7.0 / 3)}, {"b", with_mean(0.125)}, {"c", with_mean(-0.125)}};
  const Rows rows = read_csv(to_csv(map, Table::kElements, kNames));
  EXPECT_EQ(cell(rows, 1, "a"), "2.33");
  EXPECT_EQ(cell(rows, 1, "b"), "0.13");
  EXPECT_EQ(cell(rows, 1, "c"), "-0.12");
  EXPECT_EQ(cell(rows, 1, "a by participant"), "Ana: 2.3333333333333335") << "values in full";
}

TEST(ExportCsv, ALoneTagWithACommaKeepsItsPipe) {
  json map = map_labelled("x");
  map["elements"][0]["tags"] = {"care, social"};
  EXPECT_EQ(cell(read_csv(to_csv(map, Table::kElements, {})), 1, "Tags"), "care, social|");
  map["elements"][0]["tags"] = {"a", "b;c"};
  EXPECT_EQ(cell(read_csv(to_csv(map, Table::kElements, {})), 1, "Tags"), "a|b;c");
}

TEST(ExportCsv, AnUnknownMemberIsWrittenByItsId) {
  const Rows rows = read_csv(to_csv(sample_map(), Table::kElements, {}));
  EXPECT_EQ(cell(rows, 2, "Person"), "bbbbbbbbbbbbbbbb");
}

// ---- GraphML -----------------------------------------------------------------------

struct Parsed {
  pugi::xml_document document;
  pugi::xml_parse_result result;
  explicit Parsed(const std::string& text) : result(document.load_string(text.c_str())) {}
};

// attr.name → key id of the keys for `scope`.
std::map<std::string, std::string> graphml_keys(pugi::xml_node root, const std::string& scope) {
  std::map<std::string, std::string> keys;
  for (pugi::xml_node key : root.children("key"))
    if (scope == key.attribute("for").as_string())
      keys[key.attribute("attr.name").as_string()] = key.attribute("id").as_string();
  return keys;
}

TEST(ExportGraphml, DeclaresKeysAndHoldsNodesAndEdges) {
  const Parsed xml(to_graphml(sample_map(), kNames));
  ASSERT_TRUE(xml.result) << xml.result.description();
  const pugi::xml_node root = xml.document.child("graphml");
  EXPECT_STREQ(root.attribute("xmlns").as_string(), "http://graphml.graphdrawing.org/xmlns");
  const auto node_keys = graphml_keys(root, "node");
  for (const char* name :
       {"label", "type", "description", "tags", "scale", "x", "y", "color", "shape", "pinned",
        "person", "Budget", "Owner", "label (field)", "strength", "strength by participant"})
    EXPECT_TRUE(node_keys.count(name)) << "no node key " << name;
  EXPECT_FALSE(node_keys.count("id")) << "the node's own id is no data";
  const auto edge_keys = graphml_keys(root, "edge");
  for (const char* name : {"label", "type", "direction", "depth", "tags", "Budget", "trust"})
    EXPECT_TRUE(edge_keys.count(name)) << "no edge key " << name;
  EXPECT_STREQ(root.find_child_by_attribute("key", "attr.name", "x").attribute("attr.type").value(),
               "double");
  EXPECT_STREQ(
      root.find_child_by_attribute("key", "attr.name", "pinned").attribute("attr.type").value(),
      "boolean");

  const pugi::xml_node graph = root.child("graph");
  EXPECT_STREQ(graph.attribute("edgedefault").value(), "directed");
  EXPECT_STREQ(graph.attribute("id").value(), "7:1");
  const pugi::xml_node node = graph.find_child_by_attribute("node", "id", "7:10");
  ASSERT_TRUE(node);
  EXPECT_EQ(text_of_data(node, node_keys.at("label")), "Leeds Teaching");
  EXPECT_EQ(text_of_data(node, node_keys.at("type")), "NHS trust");
  EXPECT_EQ(text_of_data(node, node_keys.at("description")), "Two sites,\none board");
  EXPECT_EQ(text_of_data(node, node_keys.at("x")), "-12.5");
  EXPECT_EQ(text_of_data(node, node_keys.at("strength by participant")), "Ana: 4; Bo, Lee: 2");
  EXPECT_EQ(
      text_of_data(graph.find_child_by_attribute("node", "id", "7:11"), node_keys.at("person")),
      "Bo; Lee");
  EXPECT_EQ(std::distance(graph.children("node").begin(), graph.children("node").end()), 3);
}

TEST(ExportGraphml, MutualAndUndirectedEdgesAreNotDirected) {
  const Parsed xml(to_graphml(sample_map(), kNames));
  ASSERT_TRUE(xml.result) << xml.result.description();
  const pugi::xml_node root = xml.document.child("graphml");
  const auto edge_keys = graphml_keys(root, "edge");
  const pugi::xml_node graph = root.child("graph");
  const pugi::xml_node forward = graph.find_child_by_attribute("edge", "id", "7:20");
  EXPECT_STREQ(forward.attribute("source").value(), "7:10");
  EXPECT_STREQ(forward.attribute("target").value(), "7:11");
  EXPECT_FALSE(forward.attribute("directed"));
  EXPECT_EQ(text_of_data(forward, edge_keys.at("direction")), "") << "said by `directed`";
  EXPECT_EQ(text_of_data(forward, edge_keys.at("depth")), "2");
  EXPECT_EQ(text_of_data(forward, edge_keys.at("label")), "grant");
  const pugi::xml_node mutual = graph.find_child_by_attribute("edge", "id", "7:21");
  EXPECT_STREQ(mutual.attribute("directed").value(), "false");
  EXPECT_EQ(text_of_data(mutual, edge_keys.at("direction")), "mutual");
  const pugi::xml_node undirected = graph.find_child_by_attribute("edge", "id", "7:22");
  EXPECT_STREQ(undirected.attribute("directed").value(), "false");
  EXPECT_EQ(text_of_data(undirected, edge_keys.at("direction")), "");
}

TEST(ExportGraphml, ShapesAreGraphDataAsTheShapesTable) {
  const Parsed xml(to_graphml(sample_map(), kNames));
  const pugi::xml_node root = xml.document.child("graphml");
  const pugi::xml_node key = root.find_child_by_attribute("key", "attr.name", "convene.shapes");
  EXPECT_STREQ(key.attribute("for").value(), "graph");
  const json shapes = json::parse(text_of_data(root.child("graph"), key.attribute("id").value()));
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0], json({{"Label", "Ward 3"},
                             {"Type", "Political"},
                             {"Geometry", "polygon"},
                             {"Path", "0 0; 10 -5; 3.25 8"},
                             {"Sphere of", "Ana"},
                             {"ID", "7:30"}}));
}

TEST(ExportGraphml, EscapesMarkupAndReplacesWhatXmlCannotHold) {
  const std::string label = "<b>&\"'</b> ]]> \x01\x1F\x7F\xEF\xBF\xBE ok\ttab";
  const Parsed xml(to_graphml(map_labelled(label), {}));
  ASSERT_TRUE(xml.result) << xml.result.description();
  const pugi::xml_node root = xml.document.child("graphml");
  const auto keys = graphml_keys(root, "node");
  EXPECT_EQ(text_of_data(root.child("graph").child("node"), keys.at("label")),
            "<b>&\"'</b> ]]> \xEF\xBF\xBD\xEF\xBF\xBD\x7F\xEF\xBF\xBD ok\ttab");
}

// ---- GEXF --------------------------------------------------------------------------

// title → attribute id of the attributes of `scope`.
std::map<std::string, std::string> gexf_attributes(pugi::xml_node graph, const std::string& scope) {
  std::map<std::string, std::string> out;
  for (pugi::xml_node attribute :
       graph.find_child_by_attribute("attributes", "class", scope.c_str()).children("attribute"))
    out[attribute.attribute("title").as_string()] = attribute.attribute("id").as_string();
  return out;
}

std::string attvalue(pugi::xml_node item, const std::string& id) {
  return item.child("attvalues")
      .find_child_by_attribute("attvalue", "for", id.c_str())
      .attribute("value")
      .as_string();
}

TEST(ExportGexf, IsGexf13WithPositionsColoursAndAttributes) {
  const Parsed xml(to_gexf(sample_map(), kNames));
  ASSERT_TRUE(xml.result) << xml.result.description();
  const pugi::xml_node root = xml.document.child("gexf");
  EXPECT_STREQ(root.attribute("version").value(), "1.3");
  EXPECT_STREQ(root.attribute("xmlns").value(), "http://gexf.net/1.3");
  EXPECT_STREQ(root.attribute("xmlns:viz").value(), "http://gexf.net/1.3/viz");
  EXPECT_STREQ(root.child("meta").child_value("description"), "Care in Leeds");
  const pugi::xml_node graph = root.child("graph");
  EXPECT_STREQ(graph.attribute("defaultedgetype").value(), "directed");

  const auto node_attributes = gexf_attributes(graph, "node");
  for (const char* title : {"type", "description", "tags", "scale", "color", "shape", "pinned",
                            "person", "Budget", "strength", "strength by participant"})
    EXPECT_TRUE(node_attributes.count(title)) << "no node attribute " << title;
  for (const char* title : {"label", "x", "y", "id"})
    EXPECT_FALSE(node_attributes.count(title)) << title << " is the node's own";

  const pugi::xml_node node = graph.child("nodes").find_child_by_attribute("node", "id", "7:10");
  EXPECT_STREQ(node.attribute("label").value(), "Leeds Teaching");
  EXPECT_EQ(attvalue(node, node_attributes.at("type")), "NHS trust");
  EXPECT_EQ(attvalue(node, node_attributes.at("Budget")), "1500000");
  EXPECT_EQ(attvalue(node, node_attributes.at("color")), "") << "viz:color holds it";
  EXPECT_STREQ(node.child("viz:position").attribute("x").value(), "-12.5");
  EXPECT_STREQ(node.child("viz:position").attribute("y").value(), "3");
  const pugi::xml_node colour = node.child("viz:color");
  EXPECT_EQ(colour.attribute("r").as_int(), 0x3f);
  EXPECT_EQ(colour.attribute("g").as_int(), 0x9a);
  EXPECT_EQ(colour.attribute("b").as_int(), 0x74);
  const pugi::xml_node teal = graph.child("nodes").find_child_by_attribute("node", "id", "7:12");
  EXPECT_FALSE(teal.child("viz:color")) << "only a hex colour has channels";
  EXPECT_EQ(attvalue(teal, node_attributes.at("color")), "teal");
}

TEST(ExportGexf, EdgesSayTheirDirectionInTheirType) {
  const Parsed xml(to_gexf(sample_map(), kNames));
  ASSERT_TRUE(xml.result) << xml.result.description();
  const pugi::xml_node graph = xml.document.child("gexf").child("graph");
  const auto edge_attributes = gexf_attributes(graph, "edge");
  EXPECT_FALSE(edge_attributes.count("direction"));
  const pugi::xml_node edges = graph.child("edges");
  const pugi::xml_node forward = edges.find_child_by_attribute("edge", "id", "7:20");
  EXPECT_STREQ(forward.attribute("type").value(), "directed");
  EXPECT_STREQ(forward.attribute("source").value(), "7:10");
  EXPECT_STREQ(forward.attribute("label").value(), "grant");
  EXPECT_EQ(attvalue(forward, edge_attributes.at("type")), "Funding");
  EXPECT_EQ(attvalue(forward, edge_attributes.at("depth")), "2");
  EXPECT_STREQ(edges.find_child_by_attribute("edge", "id", "7:21").attribute("type").value(),
               "mutual");
  EXPECT_STREQ(edges.find_child_by_attribute("edge", "id", "7:22").attribute("type").value(),
               "undirected");
}

TEST(ExportGexf, EscapesMarkupAndReplacesWhatXmlCannotHold) {
  const Parsed xml(to_gexf(map_labelled("a<&\"'>\x02z"), {}));
  ASSERT_TRUE(xml.result) << xml.result.description();
  EXPECT_STREQ(xml.document.child("gexf")
                   .child("graph")
                   .child("nodes")
                   .child("node")
                   .attribute("label")
                   .value(),
               "a<&\"'>\xEF\xBF\xBDz");
}

// ---- every format ------------------------------------------------------------------

TEST(ExportFormats, AnEmptyMapIsAnEmptyButWellFormedFile) {
  for (const json& map : {json::parse(R"({"id": "1:1", "name": "", "elements": [],
                                          "connections": [], "shapes": []})"),
                          json::object()}) {
    const Parsed graphml(to_graphml(map, {}));
    ASSERT_TRUE(graphml.result) << graphml.result.description();
    EXPECT_FALSE(graphml.document.child("graphml").child("graph").child("node"));
    const Parsed gexf(to_gexf(map, {}));
    ASSERT_TRUE(gexf.result) << gexf.result.description();
    EXPECT_FALSE(gexf.document.child("gexf").child("graph").child("nodes").child("node"));
    for (Table table : {Table::kElements, Table::kConnections, Table::kShapes})
      EXPECT_EQ(read_csv(to_csv(map, table, {})).size(), 1u) << "a header and nothing else";
  }
}

TEST(ExportFormats, TheSameMapGivesTheSameBytes) {
  const json map = sample_map();
  // A copy built in another order of insertion: JSON objects do not keep it.
  const json copy = json::parse(map.dump());
  EXPECT_EQ(to_graphml(map, kNames), to_graphml(copy, kNames));
  EXPECT_EQ(to_gexf(map, kNames), to_gexf(copy, kNames));
  for (Table table : {Table::kElements, Table::kConnections, Table::kShapes})
    EXPECT_EQ(to_csv(map, table, kNames), to_csv(copy, table, kNames));
}

TEST(ExportFormats, Utf8SurvivesEveryFormat) {
  const std::string label = "Zoë 🌍 李小龍";
  const json map = map_labelled(label);
  EXPECT_NE(to_graphml(map, {}).find(label), std::string::npos);
  EXPECT_NE(to_gexf(map, {}).find(label), std::string::npos);
  EXPECT_NE(to_csv(map, Table::kElements, {}).find(label), std::string::npos);
}

// ---- the REST side -----------------------------------------------------------------

TEST(ExportFormats, NamesFormatsAndTablesAsTheQuerySpellsThem) {
  EXPECT_EQ(parse_format("graphml"), Format::kGraphml);
  EXPECT_EQ(parse_format("gexf"), Format::kGexf);
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_EQ(parse_format("json"), Format::kJson);
  EXPECT_EQ(parse_format("GraphML"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
  EXPECT_EQ(parse_table("shapes"), Table::kShapes);
  EXPECT_EQ(parse_table("nodes"), std::nullopt);
  EXPECT_EQ(content_type(Format::kCsv), "text/csv; charset=utf-8");
  EXPECT_EQ(content_type(Format::kGexf), "application/gexf+xml");
  EXPECT_EQ(content_type(Format::kGraphml), "application/graphml+xml");
}

TEST(ExportFormats, AMapIdIsTwoDecimalNumbers) {
  EXPECT_EQ(parse_map_id("7:1"), "7:1");
  EXPECT_EQ(parse_map_id("7%3A1"), "7:1");
  EXPECT_EQ(parse_map_id("7%3a01"), "7:1");
  for (const char* bad : {"", "7", "7:", ":1", "7:0", "-7:1", "7:1x", "a:b", "7:1:2",
                          "18446744073709551616:1", "7 :1"})
    EXPECT_EQ(parse_map_id(bad), std::nullopt) << bad;
}

TEST(ExportFormats, FindsAMapByIdOrTheFirst) {
  const json document = {{"maps", {{{"id", "1:5"}}, {{"id", "2:1"}}}}};
  EXPECT_EQ(find_map(document, "")->at("id"), "1:5");
  EXPECT_EQ(find_map(document, "2:1")->at("id"), "2:1");
  EXPECT_EQ(find_map(document, "3:1"), nullptr);
  EXPECT_EQ(find_map(json::object(), ""), nullptr);
}

TEST(ExportFormats, AnAttachmentsNameIsSafe) {
  EXPECT_EQ(attachment("Care in Leeds", "csv"),
            "attachment; filename=\"Care in Leeds.csv\"; filename*=UTF-8''Care%20in%20Leeds.csv");
  EXPECT_EQ(attachment("../../etc/passwd\r\nX-Evil: 1", "gexf"),
            "attachment; filename=\"etc_passwd_X-Evil_ 1.gexf\"; "
            "filename*=UTF-8''etc_passwd__X-Evil%3A%201.gexf");
  EXPECT_EQ(attachment("Zoë \"quoted\"", "graphml"),
            "attachment; filename=\"Zo_ _quoted.graphml\"; "
            "filename*=UTF-8''Zo%C3%AB%20_quoted.graphml");
  EXPECT_EQ(attachment("", "json"),
            "attachment; filename=\"export.json\"; filename*=UTF-8''export.json");
  EXPECT_EQ(attachment(std::string(300, 'a'), "csv").find(std::string(101, 'a')),
            std::string::npos);
}

}  // namespace
}  // namespace convene::server::export_formats
