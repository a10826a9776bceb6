// libFuzzer target: the HTTP request path of the REST API. The bytes are
// parsed as one request with the server's own limits, then handled by
// handle_http against a real store (a temporary directory), rooms and a
// client directory, exactly as an HttpSession would. Every request must be
// answered, never with a 5xx (the store works), and a JSON answer must be
// JSON that names no path of the server's.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "fuzz_support.h"
#include "http/api.h"
#include "net/http_session.h"
#include "rooms/room_manager.h"
#include "server_context.h"

namespace {

using namespace convene;
namespace fs = std::filesystem;
using fuzz::require;

// One server for the whole run: libFuzzer calls the target millions of times.
struct Server {
  fs::path root = fs::temp_directory_path() / ("convene-fuzz-http-" + std::to_string(getpid()));
  Config config;
  std::unique_ptr<store::Store> store;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  net::thread_pool storage{1};
  net::thread_pool commits{1};
  std::unique_ptr<rooms::RoomManager> rooms;
  server::SessionRegistry sessions;
  std::unique_ptr<ServerContext> context;
  std::thread io_thread;

  Server() {
    spdlog::set_level(spdlog::level::off);
    fs::create_directories(root / "client");
    std::ofstream(root / "client" / "index.html") << "<!doctype html><title>Convene</title>";
    config.data_dir = (root / "data").string();
    config.client_dir = (root / "client").string();
    config.durability = store::Durability::kNone;
    store::Status status;
    store = store::Store::open(config.data_dir, config.durability, &status);
    require(store != nullptr, "cannot open the store: " + status.message());
    rooms = std::make_unique<rooms::RoomManager>(io, storage, commits, *store,
                                                 rooms::RoomOptions{config.snapshot_every});
    context = std::make_unique<ServerContext>(
        ServerContext{config, io, storage, *store, *rooms, sessions});
    io_thread = std::thread([this] { io.run(); });
  }
};

Server& instance() {
  static Server* instance = new Server();  // never destroyed: threads still use it at exit
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  convene::fuzz::quiet_protobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using convene::server::handle_http;
  using convene::server::Response;
  Server& s = instance();
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(server::HttpLimits::kMaxBodyBytes);
  parser.header_limit(server::HttpLimits::kMaxHeaderBytes);
  beast::error_code ec;
  parser.put(net::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;

  auto answered = std::make_shared<std::promise<Response>>();
  auto answer = answered->get_future();
  handle_http(
      *s.context, parser.release(),
      [answered](Response response) { answered->set_value(std::move(response)); }, "127.0.0.1");
  require(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
          "a request was never answered");
  const Response response = answer.get();
  const unsigned status = response.result_int();
  require(status >= 200 && status < 500,
          "answered " + std::to_string(status) + ": " + response.body().substr(0, 200));
  if (response[http::field::content_type].starts_with("application/json")) {
    require(nlohmann::json::accept(response.body()), "a JSON answer is not JSON");
    // A path the request itself carried (say, in a convening's name, which
    // the answer repeats) is an echo, not a leak.
    const std::string& root = s.root.string();
    const bool echoed =
        std::string_view(reinterpret_cast<const char*>(data), size).find(root) != std::string::npos;
    require(echoed || response.body().find(root) == std::string::npos,
            "an answer names a path of the server's");
  }
  return 0;
}
