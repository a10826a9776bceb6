#include "http/static_files.h"

#include <filesystem>

namespace convene::server {
namespace fs = std::filesystem;

namespace {

// Percent-decodes a path; refuses encoded '/', '\\' and NUL, and bad escapes.
std::optional<std::string> decode_path(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '/' || c == '\\' || c == '\0') return std::nullopt;
      i += 2;
    } else if (c == '\\' || c == '\0') {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string content_type_for(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

std::optional<StaticFile> resolve_static(const std::string& root, std::string_view target) {
  if (root.empty() || target.empty() || target.front() != '/') return std::nullopt;
  const auto query = target.find_first_of("?#");
  auto decoded = decode_path(target.substr(0, query));
  if (!decoded) return std::nullopt;
  // Every segment must be a plain name.
  std::string relative;
  size_t start = 1;
  while (start <= decoded->size()) {
    const size_t end = decoded->find('/', start);
    const std::string segment =
        decoded->substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (segment == ".." || segment == ".") return std::nullopt;
    if (!segment.empty()) relative += (relative.empty() ? "" : "/") + segment;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path file = relative.empty() ? base / "index.html" : base / relative;
  bool spa_route = false;
  if (!fs::is_regular_file(file, ec)) {
    // Client-side routes (no extension) get the app; missing assets are 404.
    if (!relative.empty() && fs::path(relative).has_extension()) return std::nullopt;
    file = base / "index.html";
    spa_route = true;
  }
  const fs::path real = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec)) return std::nullopt;
  const std::string real_s = real.string(), base_s = base.string() + "/";
  if (real_s.compare(0, base_s.size(), base_s) != 0) return std::nullopt;  // escaped via a link

  StaticFile out;
  out.path = real_s;
  out.content_type = content_type_for(real_s);
  // Bundler output under assets/ carries a content hash in its name.
  const bool hashed = relative.rfind("assets/", 0) == 0 && !spa_route;
  out.cache_control =
      hashed ? "public, max-age=31536000, immutable"
             : (out.content_type.rfind("text/html", 0) == 0 ? "no-cache" : "public, max-age=300");
  return out;
}

}  // namespace convene::server
