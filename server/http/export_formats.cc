#include "http/export_formats.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <pugixml.hpp>
#include <set>
#include <span>
#include <sstream>
#include <tuple>
#include <vector>

namespace convene::server::export_formats {
namespace {

using nlohmann::json;

// ---- text --------------------------------------------------------------------------

constexpr char32_t kReplacement = 0xFFFD;

// The code point at text[i], moving i past it; U+FFFD (moving one byte) for a
// byte that does not begin a well-formed sequence (overlong forms and
// surrogates included).
char32_t next_code_point(std::string_view text, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return ++i, lead;
  const size_t length = (lead & 0xE0) == 0xC0   ? 2
                        : (lead & 0xF0) == 0xE0 ? 3
                        : (lead & 0xF8) == 0xF0 ? 4
                                                : 0;
  if (length == 0 || i + length > text.size()) return ++i, kReplacement;
  constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};  // by length
  char32_t cp = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return ++i, kReplacement;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return ++i, kReplacement;
  i += length;
  return cp;
}

// `text` as well-formed UTF-8, with every code point `keep` refuses as U+FFFD.
template <class Keep>
std::string clean_text(std::string_view text, Keep keep) {
  constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t cp = next_code_point(text, i);
    const bool well_formed = cp != kReplacement || i - start == 3;  // a U+FFFD of the text's own
    out += well_formed && keep(cp) ? text.substr(start, i - start) : kReplacementUtf8;
  }
  return out;
}

std::string valid_utf8(std::string_view text) {
  return clean_text(text, [](char32_t) { return true; });
}

// XML 1.0's Char production: no control characters but tab, LF and CR.
std::string xml_text(std::string_view text) {
  return clean_text(text, [](char32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
  });
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

// The shortest decimal that reads back as `value`, never with an exponent
// ("3", "0.5", "-12.25"); empty for what is not a finite number.
std::string number_text(double value) {
  if (!std::isfinite(value)) return {};
  if (value == 0) value = 0;  // no "-0"
  char buffer[400];           // the longest fixed form of a double is 309 digits and a sign
  const auto result =
      std::to_chars(std::begin(buffer), std::end(buffer), value, std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

// ---- reading the canonical JSON ----------------------------------------------------------

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string number_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number() ? number_text(it->get<double>()) : std::string();
}

const json& member_of(const json& object, const char* key) {
  static const json kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// The array at `key`, or an empty one.
const json& list_of(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const json& value = member_of(object, key);
  return value.is_array() ? value : kEmpty;
}

std::string name_of(const MemberNames& names, const std::string& member) {
  const auto it = names.find(member);
  return it == names.end() ? member : it->second;
}

// The label of an enum value of the canonical JSON (its lower-case name):
// the words the browser shows; "" stays "", a value unknown here its name.
std::string label_of(const std::map<std::string_view, std::string_view>& labels,
                     const std::string& key) {
  const auto it = labels.find(key);
  return it == labels.end() ? key : std::string(it->second);
}

const std::map<std::string_view, std::string_view> kElementKinds = {
    {"institution", "Institution"}, {"project", "Project"}, {"community", "Community of practice"},
    {"network", "Network"},         {"person", "Person"},   {"practice", "Practice"},
    {"artifact", "Artifact"},       {"note", "Note"}};
const std::map<std::string_view, std::string_view> kScales = {{"local", "Local"},
                                                              {"organisational", "Organisational"},
                                                              {"regional", "Regional"},
                                                              {"national", "National"},
                                                              {"global", "Global"}};
const std::map<std::string_view, std::string_view> kConnectionKinds = {
    {"collaboration", "Collaboration"},
    {"accountability", "Accountability"},
    {"funding", "Funding"},
    {"power", "Power"},
    {"conflict", "Conflict"},
    {"information", "Information"}};
const std::map<std::string_view, std::string_view> kBoundaryTypes = {
    {"geographic", "Geographic"},
    {"cultural", "Cultural"},
    {"disciplinary", "Disciplinary"},
    {"political", "Political"},
    {"organisational", "Organisational"},
    {"class", "Class"},
    {"social", "Social"}};
const std::map<std::string_view, std::string_view> kDirections = {
    {"forward", "directed"}, {"both", "mutual"}, {"none", "undirected"}, {"", "undirected"}};

// ---- the tables every format writes ------------------------------------------------------

enum class Type { kString, kDouble, kBoolean };
// Where a column goes in GraphML and GEXF: most are data; some are the
// node's or edge's own id, ends, label, position, colour or direction.
enum class Role { kData, kId, kFrom, kTo, kLabel, kX, kY, kColor, kDirection };

struct Column {
  std::string name;      // the CSV header
  std::string xml_name;  // GraphML attr.name, GEXF title: built-in names in lower case
  Type type = Type::kString;
  Role role = Role::kData;
};

// Rows hold one cell per column; "" is no value.
struct Sheet {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
};

Column builtin(std::string name, Type type = Type::kString, Role role = Role::kData) {
  std::string lower = ascii_lower(name);
  return {std::move(name), std::move(lower), type, role};
}

// What an importer reads as each table's built-in columns, aliases included
// (client-web/src/map/formats/columns.ts): a custom column must not be one.
constexpr std::string_view kElementColumnNames[] = {
    "label", "name",  "type",   "element type", "kind",   "description",
    "notes", "tags",  "scale",  "level",        "id",     "x",
    "y",     "color", "colour", "shape",        "pinned", "person"};
constexpr std::string_view kConnectionColumnNames[] = {
    "from", "to", "type", "connection type", "direction", "label", "id", "depth", "tags"};
constexpr std::string_view kByParticipant = " by participant";

// A column name as an importer compares it.
std::string normalised(std::string_view name) {
  return ascii_lower(trimmed(name));
}

// `stem`, or it with " (2)", " (3)", … so that it (and it + `paired`) is not
// taken yet; takes what it returns.
std::string take_free_name(std::set<std::string>& taken, const std::string& stem,
                           std::string_view paired = {}) {
  for (int n = 1;; ++n) {
    const std::string name = n == 1 ? stem : stem + " (" + std::to_string(n) + ")";
    const std::string paired_name = name + std::string(paired);
    if (taken.count(normalised(name)) || (!paired.empty() && taken.count(normalised(paired_name))))
      continue;
    taken.insert(normalised(name));
    if (!paired.empty()) taken.insert(normalised(paired_name));
    return name;
  }
}

struct Field {
  std::string id;
  bool is_number = false;
};

// What a table has beyond its built-in columns.
struct CustomColumns {
  std::vector<Field> fields;         // a column each, in the order of their ids
  std::vector<std::string> aspects;  // two columns each (mean, by participant), by code point
};

std::vector<std::string> aspects_of(const json& entities) {
  std::set<std::string> aspects;
  for (const json& e : entities) {
    const json& perspectives = member_of(e, "perspectives");
    if (perspectives.is_object())
      for (const auto& [aspect, summary] : perspectives.items()) aspects.insert(aspect);
  }
  return {aspects.begin(), aspects.end()};
}

bool has_value_of(const json& entities, const std::string& field) {
  for (const json& e : entities) {
    const json& value = member_of(member_of(e, "fields"), field.c_str());
    if (value.is_string() || value.is_number()) return true;
  }
  return false;
}

// Appends the custom field and perspective columns of `entities` to `sheet`,
// named as docs/formats.md says: aspects keep their names unless a built-in
// column has it; a field whose name an importer would read as a built-in or
// perspective column is "<name> (field)"; " (2)", " (3)", … keep the rest apart.
// Elements have a column for every field, connections for those they use.
CustomColumns add_custom_columns(const json& map, const json& entities,
                                 std::span<const std::string_view> builtin_names, bool every_field,
                                 Sheet& sheet) {
  std::set<std::string> taken(builtin_names.begin(), builtin_names.end());
  CustomColumns custom{{}, aspects_of(entities)};
  std::vector<std::string> aspect_names;
  for (const std::string& aspect : custom.aspects)
    aspect_names.push_back(take_free_name(taken, aspect, kByParticipant));
  const std::set<std::string> reserved = taken;
  for (const json& f : list_of(map, "fields")) {
    Field field{text_of(f, "id"), text_of(f, "type") == "number"};
    if (!every_field && !has_value_of(entities, field.id)) continue;
    std::string name = text_of(f, "name").empty() ? "Field" : text_of(f, "name");
    if (reserved.count(normalised(name)) || normalised(name).ends_with(kByParticipant))
      name += " (field)";
    name = take_free_name(taken, name);
    sheet.columns.push_back(
        {name, name, field.is_number ? Type::kDouble : Type::kString, Role::kData});
    custom.fields.push_back(std::move(field));
  }
  for (const std::string& name : aspect_names) {
    sheet.columns.push_back({name, name, Type::kDouble, Role::kData});
    const std::string by = name + std::string(kByParticipant);
    sheet.columns.push_back({by, by, Type::kString, Role::kData});
  }
  return custom;
}

// A field's value as its column holds it. A value that does not fit its
// field's type (the CRDT does not check it: docs/crdt.md) is written as text
// where text fits and left out of a number column.
std::string field_cell(const json& values, const Field& field) {
  const json& value = member_of(values, field.id.c_str());
  if (value.is_number()) return number_text(value.get<double>());
  if (value.is_string() && !field.is_number) return value.get<std::string>();
  return {};
}

// "Name: value; Name: value", by name then member id. A ';' in a name would
// split it on import: it is written as ','.
std::string by_participant(const json& values, const MemberNames& names) {
  std::vector<std::tuple<std::string, std::string, std::string>> entries;
  if (values.is_object())
    for (const auto& [member, value] : values.items()) {
      std::string name = name_of(names, member);
      std::replace(name.begin(), name.end(), ';', ',');
      entries.emplace_back(std::move(name), member,
                           value.is_number() ? number_text(value.get<double>()) : "");
    }
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& [name, member, value] : entries)
    out += (out.empty() ? "" : "; ") + name + ": " + value;
  return out;
}

// A mean to two decimals, as people read it (and as the browser writes it:
// JavaScript's Math.round, halves upwards).
std::string mean_cell(const json& summary) {
  const json& mean = member_of(summary, "mean");
  if (!mean.is_number()) return {};
  return number_text(std::floor(mean.get<double>() * 100 + 0.5) / 100);
}

void append_custom_cells(const json& entity, const CustomColumns& custom, const MemberNames& names,
                         std::vector<std::string>& row) {
  const json& values = member_of(entity, "fields");
  for (const Field& field : custom.fields) row.push_back(field_cell(values, field));
  const json& perspectives = member_of(entity, "perspectives");
  for (const std::string& aspect : custom.aspects) {
    const json& summary = member_of(perspectives, aspect.c_str());
    row.push_back(summary.is_object() ? mean_cell(summary) : "");
    row.push_back(summary.is_object() ? by_participant(member_of(summary, "values"), names) : "");
  }
}

// Tags joined by '|'. One tag holding ',' or ';' gets a '|' after it: an
// importer splits at those when a cell has no '|'.
std::string tags_cell(const json& entity) {
  std::string out;
  size_t count = 0;
  for (const json& tag : list_of(entity, "tags"))
    if (tag.is_string()) out += (count++ ? "|" : "") + tag.get<std::string>();
  if (count == 1 && out.find_first_of(",;") != std::string::npos) out += '|';
  return out;
}

// The custom kind's name when the element has one, else its built-in kind's label.
std::string element_type(const json& element, const json& map) {
  const std::string custom = text_of(element, "custom_kind");
  for (const json& kind : list_of(map, "kinds"))
    if (!custom.empty() && text_of(kind, "id") == custom) return text_of(kind, "name");
  return label_of(kElementKinds, text_of(element, "kind"));
}

// The table of `map`'s `list` ("elements" or "connections"): its built-in
// columns, whose cells `builtin_cells` gives, then its custom columns.
template <class BuiltinCells>
Sheet entity_sheet(const json& map, const char* list, std::vector<Column> builtins,
                   std::span<const std::string_view> builtin_names, bool every_field,
                   const MemberNames& names, BuiltinCells builtin_cells) {
  Sheet sheet{std::move(builtins), {}};
  const json& entities = list_of(map, list);
  const CustomColumns custom = add_custom_columns(map, entities, builtin_names, every_field, sheet);
  for (const json& entity : entities) {
    std::vector<std::string> row = builtin_cells(entity);
    append_custom_cells(entity, custom, names, row);
    sheet.rows.push_back(std::move(row));
  }
  return sheet;
}

Sheet element_sheet(const json& map, const MemberNames& names) {
  std::vector<Column> columns = {builtin("Label", Type::kString, Role::kLabel),
                                 builtin("Type"),
                                 builtin("Description"),
                                 builtin("Tags"),
                                 builtin("Scale"),
                                 builtin("ID", Type::kString, Role::kId),
                                 builtin("X", Type::kDouble, Role::kX),
                                 builtin("Y", Type::kDouble, Role::kY),
                                 builtin("Color", Type::kString, Role::kColor),
                                 builtin("Shape"),
                                 builtin("Pinned", Type::kBoolean),
                                 builtin("Person")};
  const auto cells = [&](const json& e) -> std::vector<std::string> {
    const json& position = member_of(e, "position");
    const json& pinned = member_of(e, "pinned");
    const std::string self_of = text_of(e, "self_of");
    return {text_of(e, "label"),
            element_type(e, map),
            text_of(e, "notes"),
            tags_cell(e),
            label_of(kScales, text_of(e, "scale")),
            text_of(e, "id"),
            number_of(position, "x"),
            number_of(position, "y"),
            text_of(e, "color"),
            text_of(e, "shape"),
            pinned.is_boolean() && pinned.get<bool>() ? "true" : "",
            self_of.empty() ? "" : name_of(names, self_of)};
  };
  return entity_sheet(map, "elements", std::move(columns), kElementColumnNames,
                      /*every_field=*/true, names, cells);
}

Sheet connection_sheet(const json& map, const MemberNames& names) {
  std::vector<Column> columns = {builtin("From", Type::kString, Role::kFrom),
                                 builtin("To", Type::kString, Role::kTo),
                                 builtin("Type"),
                                 builtin("Direction", Type::kString, Role::kDirection),
                                 builtin("Label", Type::kString, Role::kLabel),
                                 builtin("ID", Type::kString, Role::kId),
                                 builtin("Depth", Type::kDouble),
                                 builtin("Tags")};
  const auto cells = [](const json& c) -> std::vector<std::string> {
    return {text_of(c, "from"),
            text_of(c, "to"),
            label_of(kConnectionKinds, text_of(c, "kind")),
            label_of(kDirections, text_of(c, "direction")),
            text_of(c, "label"),
            text_of(c, "id"),
            number_of(c, "depth"),
            tags_cell(c)};
  };
  return entity_sheet(map, "connections", std::move(columns), kConnectionColumnNames,
                      /*every_field=*/false, names, cells);
}

// "x y; x y; …"
std::string path_cell(const json& shape) {
  std::string out;
  for (const json& point : list_of(shape, "path")) {
    if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_number())
      continue;
    out += (out.empty() ? "" : "; ") + number_text(point[0].get<double>()) + " " +
           number_text(point[1].get<double>());
  }
  return out;
}

Sheet shape_sheet(const json& map, const MemberNames& names) {
  Sheet sheet;
  sheet.columns = {builtin("Label"), builtin("Type"),      builtin("Geometry"),
                   builtin("Path"),  builtin("Sphere of"), builtin("ID", Type::kString, Role::kId)};
  for (const json& s : list_of(map, "shapes")) {
    const std::string sphere_of = text_of(s, "sphere_of");
    sheet.rows.push_back({text_of(s, "label"), label_of(kBoundaryTypes, text_of(s, "type")),
                          text_of(s, "geometry"), path_cell(s),
                          sphere_of.empty() ? "" : name_of(names, sphere_of), text_of(s, "id")});
  }
  return sheet;
}

// The cell of `column` in `row` of `sheet` with this role ("" if none).
const std::string& cell_with_role(const Sheet& sheet, const std::vector<std::string>& row,
                                  Role role) {
  static const std::string kNone;
  for (size_t i = 0; i < sheet.columns.size(); ++i)
    if (sheet.columns[i].role == role) return row[i];
  return kNone;
}

// ---- CSV ---------------------------------------------------------------------------

// A spreadsheet runs a cell that begins with = + - @ (or a tab or CR, as
// OWASP advises) as a formula; a leading apostrophe makes it text. Apostrophes
// already in front count, so that an importer, which takes one off such a
// cell, gives back "'=x" as it was.
bool needs_apostrophe(std::string_view cell) {
  const size_t first = cell.find_first_not_of('\'');
  return first != std::string_view::npos &&
         std::string_view("=+-@\t\r").find(cell[first]) != std::string_view::npos;
}

std::string csv_cell(std::string_view text, bool is_text) {
  std::string cell = valid_utf8(text);
  if (is_text && needs_apostrophe(cell)) cell.insert(0, 1, '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void append_csv_row(const std::vector<std::string>& cells, const std::vector<bool>& is_text,
                    std::string& out) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_cell(cells[i], is_text[i]);
  }
  out += "\r\n";
}

std::string sheet_csv(const Sheet& sheet) {
  std::vector<std::string> header;
  std::vector<bool> is_text;
  for (const Column& c : sheet.columns) {
    header.push_back(c.name);
    is_text.push_back(c.type == Type::kString);
  }
  std::string out;
  append_csv_row(header, std::vector<bool>(header.size(), true), out);
  for (const auto& row : sheet.rows) append_csv_row(row, is_text, out);
  return out;
}

// ---- XML ---------------------------------------------------------------------------

void set_attribute(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(xml_text(value).c_str());
}

void append_text_child(pugi::xml_node parent, const char* name, std::string_view text) {
  parent.append_child(name).text().set(xml_text(text).c_str());
}

std::string xml_string(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
  return R"(<?xml version="1.0" encoding="UTF-8"?>)"
         "\n" +
         out.str();
}

// GraphML holds the ids and the ends in its own attributes.
bool is_graphml_key(const Column& column) {
  return column.role != Role::kId && column.role != Role::kFrom && column.role != Role::kTo;
}

// GEXF also holds the label, the position and the direction in its own.
bool is_gexf_attribute(const Column& column) {
  return column.role == Role::kData || column.role == Role::kColor;
}

// Per column, the id of its key or attribute: `prefix` and a count from 0 of
// the columns `declared` keeps; "" for the others.
template <class Declared>
std::vector<std::string> declared_ids(const Sheet& sheet, Declared declared,
                                      const std::string& prefix) {
  std::vector<std::string> ids;
  size_t count = 0;
  for (const Column& c : sheet.columns)
    ids.push_back(declared(c) ? prefix + std::to_string(count++) : std::string());
  return ids;
}

// A column type's name in GraphML's attr.type and in GEXF's attribute type.
const char* type_name(Type type) {
  switch (type) {
    case Type::kDouble:
      return "double";
    case Type::kBoolean:
      return "boolean";
    case Type::kString:
      break;
  }
  return "string";
}

void add_graphml_keys(pugi::xml_node root, const Sheet& sheet, const std::vector<std::string>& ids,
                      const char* scope) {
  for (size_t i = 0; i < sheet.columns.size(); ++i) {
    if (ids[i].empty()) continue;
    pugi::xml_node key = root.append_child("key");
    set_attribute(key, "id", ids[i]);
    set_attribute(key, "for", scope);
    set_attribute(key, "attr.name", sheet.columns[i].xml_name);
    set_attribute(key, "attr.type", type_name(sheet.columns[i].type));
  }
}

// GraphML has no mutual edges: `direction` data marks which undirected ones
// are, and is left out for the others (their `directed` says it all).
void add_graphml_data(pugi::xml_node item, const Sheet& sheet, const std::vector<std::string>& row,
                      const std::vector<std::string>& ids) {
  for (size_t i = 0; i < sheet.columns.size(); ++i) {
    const bool said_otherwise = sheet.columns[i].role == Role::kDirection && row[i] != "mutual";
    if (ids[i].empty() || row[i].empty() || said_otherwise) continue;
    pugi::xml_node data = item.append_child("data");
    set_attribute(data, "key", ids[i]);
    data.text().set(xml_text(row[i]).c_str());
  }
}

// The Shapes table as JSON: one object per row, its filled cells by column name.
std::string shapes_json(const Sheet& shapes) {
  json rows = json::array();
  for (const auto& row : shapes.rows) {
    json object = json::object();
    for (size_t i = 0; i < shapes.columns.size(); ++i)
      if (!row[i].empty()) object[shapes.columns[i].name] = row[i];
    rows.push_back(std::move(object));
  }
  return rows.dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- GEXF --------------------------------------------------------------------------

void add_gexf_attributes(pugi::xml_node graph, const Sheet& sheet,
                         const std::vector<std::string>& ids, const char* scope) {
  pugi::xml_node attributes = graph.append_child("attributes");
  set_attribute(attributes, "class", scope);
  for (size_t i = 0; i < sheet.columns.size(); ++i) {
    if (ids[i].empty()) continue;
    pugi::xml_node attribute = attributes.append_child("attribute");
    set_attribute(attribute, "id", ids[i]);
    set_attribute(attribute, "title", sheet.columns[i].xml_name);
    set_attribute(attribute, "type", type_name(sheet.columns[i].type));
  }
}

// "#rrggbb" in any case: what viz:color holds exactly.
bool is_six_digit_hex(std::string_view colour) {
  return colour.size() == 7 && colour[0] == '#' &&
         colour.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string_view::npos;
}

// The attvalues of `row`; a colour viz:color holds exactly is not repeated.
void add_gexf_values(pugi::xml_node item, const Sheet& sheet, const std::vector<std::string>& row,
                     const std::vector<std::string>& ids) {
  pugi::xml_node values;
  for (size_t i = 0; i < sheet.columns.size(); ++i) {
    const bool in_viz = sheet.columns[i].role == Role::kColor && is_six_digit_hex(row[i]);
    if (ids[i].empty() || row[i].empty() || in_viz) continue;
    if (!values) values = item.append_child("attvalues");
    pugi::xml_node value = values.append_child("attvalue");
    set_attribute(value, "for", ids[i]);
    set_attribute(value, "value", row[i]);
  }
}

std::optional<int> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// "#rgb" or "#rrggbb" ('#' optional) as red, green and blue; nullopt for any
// other colour.
std::optional<std::array<int, 3>> rgb(std::string_view colour) {
  if (!colour.empty() && colour[0] == '#') colour.remove_prefix(1);
  if (colour.size() != 3 && colour.size() != 6) return std::nullopt;
  const size_t width = colour.size() / 3;
  std::array<int, 3> out{};
  for (size_t channel = 0; channel < 3; ++channel) {
    int value = 0;
    for (size_t k = 0; k < width; ++k) {
      const auto digit = hex_digit(colour[channel * width + k]);
      if (!digit) return std::nullopt;
      value = value * 16 + *digit;
    }
    out[channel] = width == 1 ? value * 17 : value;
  }
  return out;
}

void add_gexf_node(pugi::xml_node nodes, const Sheet& sheet, const std::vector<std::string>& row,
                   const std::vector<std::string>& ids) {
  pugi::xml_node node = nodes.append_child("node");
  set_attribute(node, "id", cell_with_role(sheet, row, Role::kId));
  if (const std::string& label = cell_with_role(sheet, row, Role::kLabel); !label.empty())
    set_attribute(node, "label", label);
  add_gexf_values(node, sheet, row, ids);
  if (const auto colour = rgb(cell_with_role(sheet, row, Role::kColor))) {
    pugi::xml_node viz = node.append_child("viz:color");
    viz.append_attribute("r").set_value((*colour)[0]);
    viz.append_attribute("g").set_value((*colour)[1]);
    viz.append_attribute("b").set_value((*colour)[2]);
  }
  const std::string& x = cell_with_role(sheet, row, Role::kX);
  const std::string& y = cell_with_role(sheet, row, Role::kY);
  if (!x.empty() && !y.empty()) {
    pugi::xml_node position = node.append_child("viz:position");
    set_attribute(position, "x", x);
    set_attribute(position, "y", y);
    position.append_attribute("z") = "0";
  }
}

void add_gexf_edge(pugi::xml_node edges, const Sheet& sheet, const std::vector<std::string>& row,
                   const std::vector<std::string>& ids) {
  pugi::xml_node edge = edges.append_child("edge");
  set_attribute(edge, "id", cell_with_role(sheet, row, Role::kId));
  set_attribute(edge, "source", cell_with_role(sheet, row, Role::kFrom));
  set_attribute(edge, "target", cell_with_role(sheet, row, Role::kTo));
  set_attribute(edge, "type", cell_with_role(sheet, row, Role::kDirection));
  if (const std::string& label = cell_with_role(sheet, row, Role::kLabel); !label.empty())
    set_attribute(edge, "label", label);
  add_gexf_values(edge, sheet, row, ids);
}

// ---- file names --------------------------------------------------------------------

constexpr size_t kMaxStemCodePoints = 100;

// The stem without control characters, path separators or quotes (each as
// '_'), at most kMaxStemCodePoints, trimmed of spaces, dots and underscores at
// either end (no hidden files); "export" if nothing is left. Valid UTF-8.
std::string safe_stem(std::string_view stem) {
  std::string out;
  size_t count = 0;
  for (size_t i = 0; i < stem.size() && count < kMaxStemCodePoints; ++count) {
    const size_t start = i;
    const char32_t cp = next_code_point(stem, i);
    const bool unsafe = cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == kReplacement || cp == '/' ||
                        cp == '\\' || cp == '"';
    out += unsafe ? std::string_view("_") : stem.substr(start, i - start);
  }
  const size_t first = out.find_first_not_of(" ._");
  if (first == std::string::npos) return "export";
  return out.substr(first, out.find_last_not_of(" ._") - first + 1);
}

// Letters, digits and a few marks as they are; runs of anything else as one '_'.
std::string ascii_file_name(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    const bool plain = (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z') ||
                       (cp >= U'0' && cp <= U'9') || cp == U' ' || cp == U'-' || cp == U'.' ||
                       cp == U'(' || cp == U')';
    if (plain)
      out.push_back(static_cast<char>(cp));
    else if (out.empty() || out.back() != '_')
      out.push_back('_');
  }
  return out;
}

// RFC 8187's attr-char kept, every other byte as %XX.
std::string percent_encoded(std::string_view utf8) {
  constexpr std::string_view kKept = "!#$&+-.^_`|~";
  std::string out;
  for (unsigned char c : utf8) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || kKept.find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += {'%', kHex[c >> 4], kHex[c & 0xF]};
    }
  }
  return out;
}

// Decimal digits only, at most 20, that fit 64 bits.
std::optional<uint64_t> decimal(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != text.npos)
    return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Each format's name in the query, which is also its file extension.
struct FormatInfo {
  Format format;
  std::string_view name;
  std::string_view content_type;
};
constexpr FormatInfo kFormats[] = {{Format::kJson, "json", "application/json"},
                                   {Format::kGraphml, "graphml", "application/graphml+xml"},
                                   {Format::kGexf, "gexf", "application/gexf+xml"},
                                   {Format::kCsv, "csv", "text/csv; charset=utf-8"}};

const FormatInfo& format_info(Format format) {
  for (const FormatInfo& info : kFormats)
    if (info.format == format) return info;
  return kFormats[0];
}

constexpr std::pair<Table, std::string_view> kTables[] = {{Table::kElements, "elements"},
                                                          {Table::kConnections, "connections"},
                                                          {Table::kShapes, "shapes"}};

}  // namespace

std::optional<std::string> parse_map_id(std::string_view text) {
  size_t colon = text.find(':');
  size_t separator = 1;
  if (colon == std::string_view::npos) {
    colon = ascii_lower(text).find("%3a");
    separator = 3;
  }
  if (colon == std::string_view::npos) return std::nullopt;
  const auto replica = decimal(text.substr(0, colon));
  const auto counter = decimal(text.substr(colon + separator));
  if (!replica || !counter || *counter == 0) return std::nullopt;
  return std::to_string(*replica) + ":" + std::to_string(*counter);
}

const json* find_map(const json& document, std::string_view id) {
  for (const json& map : list_of(document, "maps"))
    if (id.empty() || text_of(map, "id") == id) return &map;
  return nullptr;
}

std::optional<Format> parse_format(std::string_view name) {
  for (const FormatInfo& info : kFormats)
    if (name == info.name) return info.format;
  return std::nullopt;
}

std::optional<Table> parse_table(std::string_view name) {
  for (const auto& [table, table_name] : kTables)
    if (name == table_name) return table;
  return std::nullopt;
}

std::string_view table_name(Table table) {
  for (const auto& [each, name] : kTables)
    if (each == table) return name;
  return {};
}

std::string_view content_type(Format format) {
  return format_info(format).content_type;
}

std::string_view file_extension(Format format) {
  return format_info(format).name;
}

std::string to_csv(const json& map, Table table, const MemberNames& names) {
  switch (table) {
    case Table::kConnections:
      return sheet_csv(connection_sheet(map, names));
    case Table::kShapes:
      return sheet_csv(shape_sheet(map, names));
    case Table::kElements:
      break;
  }
  return sheet_csv(element_sheet(map, names));
}

std::string to_graphml(const json& map, const MemberNames& names) {
  const Sheet elements = element_sheet(map, names);
  const Sheet connections = connection_sheet(map, names);
  const Sheet shapes = shape_sheet(map, names);
  pugi::xml_document document;
  pugi::xml_node root = document.append_child("graphml");
  root.append_attribute("xmlns") = "http://graphml.graphdrawing.org/xmlns";
  root.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  root.append_attribute("xsi:schemaLocation") =
      "http://graphml.graphdrawing.org/xmlns "
      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";
  pugi::xml_node shapes_key = root.append_child("key");
  for (const auto& [name, value] : {std::pair{"id", "shapes"},
                                    {"for", "graph"},
                                    {"attr.name", "convene.shapes"},
                                    {"attr.type", "string"}})
    shapes_key.append_attribute(name) = value;
  const auto node_keys = declared_ids(elements, is_graphml_key, "n");
  const auto edge_keys = declared_ids(connections, is_graphml_key, "e");
  add_graphml_keys(root, elements, node_keys, "node");
  add_graphml_keys(root, connections, edge_keys, "edge");

  pugi::xml_node graph = root.append_child("graph");
  set_attribute(graph, "id", text_of(map, "id"));
  graph.append_attribute("edgedefault") = "directed";
  if (!shapes.rows.empty()) {
    pugi::xml_node data = graph.append_child("data");
    data.append_attribute("key") = "shapes";
    data.text().set(xml_text(shapes_json(shapes)).c_str());
  }
  for (const auto& row : elements.rows) {
    pugi::xml_node node = graph.append_child("node");
    set_attribute(node, "id", cell_with_role(elements, row, Role::kId));
    add_graphml_data(node, elements, row, node_keys);
  }
  for (const auto& row : connections.rows) {
    pugi::xml_node edge = graph.append_child("edge");
    set_attribute(edge, "id", cell_with_role(connections, row, Role::kId));
    set_attribute(edge, "source", cell_with_role(connections, row, Role::kFrom));
    set_attribute(edge, "target", cell_with_role(connections, row, Role::kTo));
    if (cell_with_role(connections, row, Role::kDirection) != "directed")
      edge.append_attribute("directed") = "false";
    add_graphml_data(edge, connections, row, edge_keys);
  }
  return xml_string(document);
}

std::string to_gexf(const json& map, const MemberNames& names) {
  const Sheet elements = element_sheet(map, names);
  const Sheet connections = connection_sheet(map, names);
  pugi::xml_document document;
  pugi::xml_node root = document.append_child("gexf");
  root.append_attribute("xmlns") = "http://gexf.net/1.3";
  root.append_attribute("xmlns:viz") = "http://gexf.net/1.3/viz";
  root.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  root.append_attribute("xsi:schemaLocation") = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd";
  root.append_attribute("version") = "1.3";
  pugi::xml_node meta = root.append_child("meta");
  append_text_child(meta, "creator", "Convene");
  append_text_child(meta, "description", text_of(map, "name"));

  pugi::xml_node graph = root.append_child("graph");
  graph.append_attribute("defaultedgetype") = "directed";
  graph.append_attribute("mode") = "static";
  const auto node_ids = declared_ids(elements, is_gexf_attribute, "");
  const auto edge_ids = declared_ids(connections, is_gexf_attribute, "");
  add_gexf_attributes(graph, elements, node_ids, "node");
  add_gexf_attributes(graph, connections, edge_ids, "edge");
  pugi::xml_node nodes = graph.append_child("nodes");
  for (const auto& row : elements.rows) add_gexf_node(nodes, elements, row, node_ids);
  pugi::xml_node edges = graph.append_child("edges");
  for (const auto& row : connections.rows) add_gexf_edge(edges, connections, row, edge_ids);
  return xml_string(document);
}

std::string attachment(std::string_view stem, std::string_view extension) {
  const std::string name = safe_stem(stem) + "." + std::string(extension);
  return "attachment; filename=\"" + ascii_file_name(name) + "\"; filename*=UTF-8''" +
         percent_encoded(name);
}

}  // namespace convene::server::export_formats
