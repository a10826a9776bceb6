// The REST export's map formats (docs/protocol.md, "HTTP"; the files are
// docs/formats.md): a map made over the WebSocket, exported as GraphML, GEXF
// and CSV over HTTP and read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "integration/server_fixture.h"

namespace convene::itest {
namespace {

using crdt::OpId;

class ExportFormatsTest : public ServerFixture {
 protected:
  // A convening with one map made by "Ana": three elements (one of them
  // Ana herself, one whose label a spreadsheet would run), a one-way and a
  // mutual connection, Ana's sphere of influence and her view of a strength.
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start());
    auto conv = create_convening(endpoint(), "Care in Leeds / 2024");
    ASSERT_TRUE(conv);
    conv_ = *conv;
    ana_ = join(conv_.id, conv_.participant, "Ana");
    crdt::Document& doc = ana_->doc();
    map_ = doc.create_map("Landscape").value;
    leeds_ = doc.create_element(map_, element("Leeds Teaching", -12.5, 3)).value;
    const OpId trust = leeds_;
    pb::ElementFields me = element("Ana", 40, 2);
    me.set_kind(pb::ELEMENT_KIND_PERSON);
    me.set_self_of(ana_->member_id());
    const OpId ana = doc.create_element(map_, me).value;
    ASSERT_TRUE(doc.create_element(map_, element("=HYPERLINK(\"x\")", 0, 0)).ok());
    ASSERT_TRUE(doc.create_connection(map_, trust, ana, connection(pb::DIRECTION_FORWARD)).ok());
    ASSERT_TRUE(doc.create_connection(map_, ana, trust, connection(pb::DIRECTION_BOTH)).ok());
    ASSERT_TRUE(doc.set_perspective(trust, "strength", ana_->member_id(), 4).is_ok());
    pb::ShapeFields sphere;
    for (const auto& [x, y] : {std::pair{0.0, 0.0}, {10.0, -5.0}, {3.25, 8.0}}) {
      pb::Point* p = sphere.mutable_path()->add_points();
      p->set_x(x);
      p->set_y(y);
    }
    sphere.set_label("Ana's reach");
    sphere.set_sphere_of(ana_->member_id());
    ASSERT_TRUE(doc.create_shape(map_, pb::GEOMETRY_POLYGON, sphere).ok());
    ana_->flush();
    ASSERT_TRUE(ana_->wait_acked());
  }

  static pb::ElementFields element(const std::string& label, double x, double y) {
    pb::ElementFields f = labelled(label);
    f.set_kind(pb::ELEMENT_KIND_INSTITUTION);
    f.set_scale(pb::SCALE_LEVEL_REGIONAL);
    f.mutable_position()->set_x(x);
    f.mutable_position()->set_y(y);
    return f;
  }

  static pb::ConnectionFields connection(pb::Direction direction) {
    pb::ConnectionFields f;
    f.set_direction(direction);
    f.set_depth(2);
    f.set_kind(pb::CONNECTION_KIND_FUNDING);
    return f;
  }

  // GET .../export?QUERY with the observer's token (or `token`).
  HttpResponse get(const std::string& query, const std::string& token = "observer") {
    const std::string bearer = token == "observer" ? conv_.observer : token;
    std::vector<std::pair<std::string, std::string>> headers;
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return http_request(endpoint(), "GET", "/api/convenings/" + conv_.id + "/export?" + query, "",
                        headers);
  }

  ConveningTokens conv_;
  std::unique_ptr<Replica> ana_;
  OpId map_;
  OpId leeds_;
};

size_t count_children(pugi::xml_node parent, const char* name) {
  return static_cast<size_t>(
      std::distance(parent.children(name).begin(), parent.children(name).end()));
}

// The data of `item` under the key whose attr.name is `name`.
std::string graphml_data(pugi::xml_node root, pugi::xml_node item, const char* scope,
                         const char* name) {
  for (pugi::xml_node key : root.children("key"))
    if (std::string(key.attribute("for").value()) == scope &&
        std::string(key.attribute("attr.name").value()) == name)
      return item.find_child_by_attribute("data", "key", key.attribute("id").value())
          .text()
          .as_string();
  return "(no key " + std::string(name) + ")";
}

// The cells of a CSV line that has no quoted cell.
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) return cells;
    start = comma + 1;
  }
}

std::vector<std::string> lines_of(const std::string& csv) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < csv.size();) {
    const size_t end = csv.find("\r\n", start);
    if (end == std::string::npos) break;
    lines.push_back(csv.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

TEST_F(ExportFormatsTest, GraphmlHoldsTheMapsElementsAndConnections) {
  const HttpResponse r = get("format=graphml");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("content-type"), "application/graphml+xml");
  EXPECT_EQ(r.header("content-disposition"),
            "attachment; filename=\"Care in Leeds _ 2024.graphml\"; "
            "filename*=UTF-8''Care%20in%20Leeds%20_%202024.graphml");
  pugi::xml_document xml;
  const pugi::xml_parse_result parsed = xml.load_string(r.body.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << "\n" << r.body;
  const pugi::xml_node root = xml.child("graphml");
  const pugi::xml_node graph = root.child("graph");
  EXPECT_EQ(graph.attribute("id").value(), map_.str());
  EXPECT_EQ(count_children(graph, "node"), 3u);
  EXPECT_EQ(count_children(graph, "edge"), 2u);

  pugi::xml_node leeds, ana;
  for (pugi::xml_node node : graph.children("node")) {
    const std::string label = graphml_data(root, node, "node", "label");
    if (label == "Leeds Teaching") leeds = node;
    if (label == "Ana") ana = node;
  }
  ASSERT_TRUE(leeds && ana);
  EXPECT_EQ(graphml_data(root, leeds, "node", "type"), "Institution");
  EXPECT_EQ(graphml_data(root, leeds, "node", "scale"), "Regional");
  EXPECT_EQ(graphml_data(root, leeds, "node", "x"), "-12.5");
  EXPECT_EQ(graphml_data(root, leeds, "node", "strength"), "4");
  EXPECT_EQ(graphml_data(root, leeds, "node", "strength by participant"), "Ana: 4");
  EXPECT_EQ(graphml_data(root, ana, "node", "person"), "Ana") << "self_of by the member's name";

  size_t mutual = 0;
  for (pugi::xml_node edge : graph.children("edge")) {
    const std::string direction = graphml_data(root, edge, "edge", "direction");
    EXPECT_EQ(graphml_data(root, edge, "edge", "type"), "Funding");
    if (direction == "mutual") {
      ++mutual;
      EXPECT_STREQ(edge.attribute("directed").value(), "false");
    } else {
      EXPECT_FALSE(edge.attribute("directed")) << "directed, as the graph's edges are";
      EXPECT_STREQ(edge.attribute("source").value(), leeds.attribute("id").value());
    }
  }
  EXPECT_EQ(mutual, 1u);
  const auto shapes = nlohmann::json::parse(graphml_data(root, graph, "graph", "convene.shapes"));
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0]["Sphere of"], "Ana");
  EXPECT_EQ(shapes[0]["Path"], "0 0; 10 -5; 3.25 8");
}

TEST_F(ExportFormatsTest, GexfIsVersion13WithPositions) {
  const HttpResponse r = get("format=gexf");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("content-type"), "application/gexf+xml");
  EXPECT_NE(r.header("content-disposition").find(".gexf\""), std::string::npos);
  pugi::xml_document xml;
  const pugi::xml_parse_result parsed = xml.load_string(r.body.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << "\n" << r.body;
  const pugi::xml_node root = xml.child("gexf");
  EXPECT_STREQ(root.attribute("version").value(), "1.3");
  const pugi::xml_node graph = root.child("graph");
  EXPECT_EQ(count_children(graph.child("nodes"), "node"), 3u);
  EXPECT_EQ(count_children(graph.child("edges"), "edge"), 2u);
  const pugi::xml_node leeds =
      graph.child("nodes").find_child_by_attribute("node", "label", "Leeds Teaching");
  ASSERT_TRUE(leeds);
  EXPECT_STREQ(leeds.child("viz:position").attribute("x").value(), "-12.5");
  EXPECT_TRUE(graph.child("edges").find_child_by_attribute("edge", "type", "mutual"));
  EXPECT_TRUE(graph.child("edges").find_child_by_attribute("edge", "type", "directed"));
}

TEST_F(ExportFormatsTest, CsvWritesEachTableWithAHeaderRow) {
  const HttpResponse elements = get("format=csv");
  ASSERT_EQ(elements.status, 200) << elements.describe();
  EXPECT_EQ(elements.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_NE(elements.header("content-disposition").find(" - elements.csv"), std::string::npos)
      << elements.header("content-disposition");
  const auto element_lines = lines_of(elements.body);
  ASSERT_EQ(element_lines.size(), 4u) << elements.body;
  EXPECT_EQ(element_lines[0],
            "Label,Type,Description,Tags,Scale,ID,X,Y,Color,Shape,Pinned,Person,strength,"
            "strength by participant");
  EXPECT_NE(elements.body.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos)
      << "a formula is written as text: " << elements.body;

  const HttpResponse connections = get("format=csv&table=connections");
  ASSERT_EQ(connections.status, 200) << connections.describe();
  const auto connection_lines = lines_of(connections.body);
  ASSERT_EQ(connection_lines.size(), 3u) << connections.body;
  EXPECT_EQ(connection_lines[0], "From,To,Type,Direction,Label,ID,Depth,Tags");

  const HttpResponse shapes = get("table=shapes&format=csv");
  ASSERT_EQ(shapes.status, 200) << shapes.describe();
  const auto shape_lines = lines_of(shapes.body);
  ASSERT_EQ(shape_lines.size(), 2u) << shapes.body;
  EXPECT_EQ(shape_lines[0], "Label,Type,Geometry,Path,Sphere of,ID");
  EXPECT_EQ(shape_lines[1].rfind("Ana's reach,,polygon,0 0; 10 -5; 3.25 8,Ana,", 0), 0u)
      << shape_lines[1];
}

TEST_F(ExportFormatsTest, TheMapsVocabularyTravelsInEveryFormat) {
  crdt::Document& doc = ana_->doc();
  pb::FieldDefFields budget;
  budget.set_name("Budget");
  budget.set_type(pb::FIELD_TYPE_NUMBER);
  const OpId field = doc.create_field(map_, budget).value;
  pb::KindFields trust_kind;
  trust_kind.set_name("NHS trust");
  trust_kind.set_base(pb::ELEMENT_KIND_INSTITUTION);
  const OpId kind = doc.create_kind(map_, trust_kind).value;
  ASSERT_TRUE(field.valid() && kind.valid());
  pb::ElementFields update;
  kind.to_pb(update.mutable_custom_kind());
  update.set_pinned(true);
  ASSERT_TRUE(doc.update_element(leeds_, update).is_ok());
  ASSERT_TRUE(doc.set_tag(leeds_, "nhs", true).is_ok());
  ASSERT_TRUE(doc.set_tag(leeds_, "acute", true).is_ok());
  ASSERT_TRUE(doc.set_field_value(leeds_, field, 1500.5).is_ok());
  ana_->flush();
  ASSERT_TRUE(ana_->wait_acked());

  const auto lines = lines_of(get("format=csv").body);
  ASSERT_EQ(lines.size(), 4u);
  const auto header = cells_of(lines[0]);
  std::vector<std::string> leeds;
  for (const auto& line : lines)
    if (line.rfind("Leeds Teaching,", 0) == 0) leeds = cells_of(line);
  ASSERT_EQ(leeds.size(), header.size()) << lines[0];
  const auto cell = [&](const std::string& column) {
    const auto at = std::find(header.begin(), header.end(), column);
    return at == header.end() ? "(no column " + column + ")" : leeds[at - header.begin()];
  };
  EXPECT_EQ(cell("Type"), "NHS trust");
  EXPECT_EQ(cell("Tags"), "acute|nhs");
  EXPECT_EQ(cell("Pinned"), "true");
  EXPECT_EQ(cell("Budget"), "1500.5");

  pugi::xml_document graphml;
  ASSERT_TRUE(graphml.load_string(get("format=graphml").body.c_str()));
  const pugi::xml_node root = graphml.child("graphml");
  const pugi::xml_node node =
      root.child("graph").find_child_by_attribute("node", "id", leeds_.str().c_str());
  EXPECT_EQ(graphml_data(root, node, "node", "Budget"), "1500.5");
  EXPECT_EQ(graphml_data(root, node, "node", "type"), "NHS trust");
  EXPECT_STREQ(
      root.find_child_by_attribute("key", "attr.name", "Budget").attribute("attr.type").value(),
      "double");

  pugi::xml_document gexf;
  ASSERT_TRUE(gexf.load_string(get("format=gexf").body.c_str()));
  const pugi::xml_node graph = gexf.child("gexf").child("graph");
  const std::string budget_id = graph.find_child_by_attribute("attributes", "class", "node")
                                    .find_child_by_attribute("attribute", "title", "Budget")
                                    .attribute("id")
                                    .value();
  EXPECT_STREQ(graph.child("nodes")
                   .find_child_by_attribute("node", "id", leeds_.str().c_str())
                   .child("attvalues")
                   .find_child_by_attribute("attvalue", "for", budget_id.c_str())
                   .attribute("value")
                   .value(),
               "1500.5");
}

TEST_F(ExportFormatsTest, MapChoosesTheMapAndTheFirstIsTheDefault) {
  const OpId second = ana_->doc().create_map("Second").value;
  ASSERT_TRUE(ana_->doc().create_element(second, element("Only here", 1, 1)).ok());
  ana_->flush();
  ASSERT_TRUE(ana_->wait_acked());

  EXPECT_EQ(lines_of(get("format=csv").body).size(), 4u) << "the first map by id";
  for (const std::string& id :
       {second.str(), std::to_string(second.replica) + "%3A" + std::to_string(second.counter)}) {
    const HttpResponse r = get("format=csv&map=" + id);
    ASSERT_EQ(r.status, 200) << r.describe();
    EXPECT_EQ(lines_of(r.body).size(), 2u) << r.body;
    EXPECT_NE(r.body.find("Only here"), std::string::npos);
    EXPECT_NE(r.header("content-disposition").find("Second - elements.csv"), std::string::npos)
        << "with several maps the file names the map: " << r.header("content-disposition");
  }
  const HttpResponse unknown = get("format=graphml&map=999:1");
  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  EXPECT_NE(unknown.body.find("no map 999:1"), std::string::npos) << unknown.body;
  EXPECT_EQ(get("format=gexf&map=one").status, 400);
  EXPECT_EQ(get("format=json&map=" + second.str()).json()["maps"].size(), 2u)
      << "json holds every map";
}

TEST_F(ExportFormatsTest, BadParametersAreRefusedNamingWhatIsAllowed) {
  const HttpResponse format = get("format=xlsx");
  EXPECT_EQ(format.status, 400);
  EXPECT_EQ(format.json()["error"]["message"], "format must be json, graphml, gexf or csv");
  const HttpResponse table = get("format=csv&table=nodes");
  EXPECT_EQ(table.status, 400);
  EXPECT_EQ(table.json()["error"]["message"], "table must be elements, connections or shapes");
  EXPECT_EQ(get("format=graphml&at=x").status, 400);
  EXPECT_EQ(get("format=graphml", "").status, 401) << "a map export needs a token as json does";
  EXPECT_EQ(get("format=graphml", "made-up").status, 403);
}

TEST_F(ExportFormatsTest, AtExportsAnEarlierStateInEveryFormat) {
  // Seq 1 is the map alone: no elements yet.
  const HttpResponse r = get("format=graphml&at=1");
  ASSERT_EQ(r.status, 200) << r.describe();
  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_string(r.body.c_str()));
  EXPECT_EQ(count_children(xml.child("graphml").child("graph"), "node"), 0u);
  EXPECT_EQ(lines_of(get("format=csv&at=1").body).size(), 1u);
  EXPECT_EQ(get("format=gexf&at=0").status, 404) << "no map yet";
}

}  // namespace
}  // namespace convene::itest
