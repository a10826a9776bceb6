// A map as GraphML, GEXF 1.3 or CSV, from its canonical JSON: the REST
// export's other formats. docs/formats.md is the contract, shared with the
// browser's exporter and importer: the same columns and attributes, so a file
// written here imports back into the same map.
//
// Pure: no I/O, no server state, nothing global; safe from any thread.
// Deterministic: the same map and names give the same bytes. The input is one
// object of Document::to_json()["maps"] (docs/crdt.md, "Canonical JSON"); a key
// it lacks reads as empty, so maps without vocabulary need no special case.
// Text that XML cannot hold (control characters, bytes that are not UTF-8) is
// written as U+FFFD; a CSV holds any valid UTF-8.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace convene::server::export_formats {

// Member id → display name, for perspectives, "person" (self_of) and "sphere
// of". A participant without an entry is written by its id.
using MemberNames = std::map<std::string, std::string, std::less<>>;

enum class Format { kJson, kGraphml, kGexf, kCsv };
enum class Table { kElements, kConnections, kShapes };

// The query's spelling ("json", "graphml", "gexf", "csv"; "elements",
// "connections", "shapes"), or nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
std::optional<Table> parse_table(std::string_view name);
std::string_view table_name(Table table);
std::string_view content_type(Format format);
std::string_view file_extension(Format format);

// A map id as a query may spell it ("R:C", or "R%3AC" as URL encoders
// write it) in the canonical JSON's form; nullopt unless both parts are
// decimal numbers of 64 bits and the counter is not 0.
std::optional<std::string> parse_map_id(std::string_view text);
// The map `id` of a document's canonical JSON, or its first map (the lowest
// id) when `id` is empty; null if there is none.
const nlohmann::json* find_map(const nlohmann::json& document, std::string_view id);

std::string to_graphml(const nlohmann::json& map, const MemberNames& names);
std::string to_gexf(const nlohmann::json& map, const MemberNames& names);
// RFC 4180: a header row, CRLF after every row, UTF-8 without a byte-order mark.
std::string to_csv(const nlohmann::json& map, Table table, const MemberNames& names);

// A Content-Disposition value that saves as `stem`.`extension`: an ASCII
// `filename` any client can use and the UTF-8 `filename*` (RFC 6266), with no
// path separators, quotes or control characters in either.
std::string attachment(std::string_view stem, std::string_view extension);

}  // namespace convene::server::export_formats
