// Serving the built browser client: safe path resolution, content types and
// caching headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace convene::server {

struct StaticFile {
  std::string path;  // resolved file inside the client directory
  std::string content_type;
  std::string cache_control;
};

// Maps a request target (path and query) to a file under `root`. Refuses
// (nullopt) anything that is not a plain path inside `root`: "..", encoded
// separators, NUL bytes, backslashes, symlinks that lead outside. "/" and
// unknown paths without an extension (client-side routes) serve index.html.
std::optional<StaticFile> resolve_static(const std::string& root, std::string_view target);

std::string content_type_for(std::string_view path);

}  // namespace convene::server
