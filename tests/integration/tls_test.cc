// TLS (--tls-cert/--tls-key): the same port serves https and wss only, with a
// certificate made fresh for each test (support/tls_files.h).
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fstream>

#include "server_fixture.h"

namespace convene::itest {
namespace {

using crdt::OpId;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Json = nlohmann::json;

class TlsTest : public ServerFixture {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("convene-tls-" + std::to_string(::getpid()) + "-" + std::to_string(next_replica_id()));
    std::filesystem::create_directories(dir_);
    files_ = write_self_signed_certificate(dir_);
  }
  void TearDown() override {
    ServerFixture::TearDown();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ServerOptions tls_options() {
    ServerOptions o;
    o.tls = files_;
    return o;
  }

  // The server's address spoken in the clear.
  Endpoint plain() const { return {endpoint().host, endpoint().port, ""}; }

  std::filesystem::path dir_;
  TlsFiles files_;
};

// Bytes written straight to the port, and whatever comes back before the
// server closes the connection (or `timeout` passes).
std::string raw_exchange(const Endpoint& at, const std::string& bytes, milliseconds timeout) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address(at.host), at.port});
  const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (!bytes.empty()) net::write(socket, net::buffer(bytes));
  std::string received;
  boost::system::error_code ec;
  net::read(socket, net::dynamic_buffer(received), ec);
  return ec == net::error::eof ? received : received + "\n[not closed: " + ec.message() + "]";
}

TEST_F(TlsTest, TwoClientsEditOverWssAndMatchTheHttpsExport) {
  ASSERT_NO_FATAL_FAILURE(start(tls_options()));
  const HttpResponse health = http_request(endpoint(), "GET", "/healthz");
  ASSERT_EQ(health.status, 200) << health.describe();

  const auto conv = create_convening(endpoint(), "over tls");
  ASSERT_TRUE(conv);
  auto a = join(conv->id, conv->convener, "ana");
  auto b = join(conv->id, conv->participant, "ben");
  ASSERT_TRUE(a->connected() && b->connected());

  const OpId map = a->doc().create_map("Basin").value;
  const OpId draft = b->doc().create_draft("Call").value;
  ASSERT_TRUE(map.valid() && draft.valid());
  a->flush();
  b->flush();
  ASSERT_TRUE(a->wait_acked());
  ASSERT_TRUE(b->wait_acked());
  ASSERT_TRUE(b->wait_has({{a->id(), a->doc().version().last(a->id())}}));
  ASSERT_TRUE(a->wait_has({{b->id(), b->doc().version().last(b->id())}}));
  ASSERT_TRUE(a->doc().create_element(map, labelled("Water board")).ok());
  ASSERT_TRUE(b->doc().insert_text(draft, 0, "You are invited").is_ok());
  a->flush();
  b->flush();
  ASSERT_TRUE(a->wait_acked() && b->wait_acked());
  const std::map<uint64_t, uint64_t> all{{a->id(), a->doc().version().last(a->id())},
                                         {b->id(), b->doc().version().last(b->id())}};
  ASSERT_TRUE(a->wait_has(all) && b->wait_has(all));

  EXPECT_EQ(a->doc().to_json(), b->doc().to_json());
  const HttpResponse exported = export_convening(endpoint(), conv->id, conv->convener);
  ASSERT_EQ(exported.status, 200) << exported.describe();
  EXPECT_EQ(document_part(exported.json()), document_part(a->doc().to_json()));
  EXPECT_TRUE(a->errors().empty() && b->errors().empty());
}

TEST_F(TlsTest, PlainHttpIsRedirectedToHttpsAndNothingIsServedInTheClear) {
  ASSERT_NO_FATAL_FAILURE(start(tls_options()));
  const HttpResponse page = http_request(plain(), "GET", "/c/abc?x=1");
  EXPECT_EQ(page.status, 308) << page.describe();
  EXPECT_EQ(page.header("location"), "https://" + server_->address() + "/c/abc?x=1");

  // The API and the WebSocket get the same answer, never data.
  const HttpResponse api = http_request(plain(), "POST", "/api/convenings", R"({"name":"x"})");
  EXPECT_EQ(api.status, 308) << api.describe();
  EXPECT_EQ(api.body.find("token"), std::string::npos) << api.body;
  WsClient ws;
  EXPECT_FALSE(ws.connect(plain()));

  // No usable Host: no redirect to make.
  const std::string answer = raw_exchange(plain(), "GET / HTTP/1.0\r\n\r\n", seconds(5));
  EXPECT_EQ(answer.rfind("HTTP/1.0 400", 0), 0u) << answer;  // in the version it was asked in
  EXPECT_EQ(http_request(endpoint(), "GET", "/healthz").status, 200);
}

TEST_F(TlsTest, BadHandshakesAreClosedAndTheServerCarriesOn) {
  ServerOptions o = tls_options();
  o.extra_args = {"--handshake-timeout", "1"};
  ASSERT_NO_FATAL_FAILURE(start(o));

  // A client that trusts another certificate refuses this one.
  const TlsFiles other = write_self_signed_certificate(dir_, "other");
  Endpoint distrustful = endpoint();
  distrustful.tls_ca = other.cert.string();
  const HttpResponse refused = http_request(distrustful, "GET", "/healthz");
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.transport_error.find("tls handshake"), std::string::npos)
      << refused.transport_error;

  // A ClientHello cut short, garbage after a TLS record header, and silence:
  // each connection is closed (the silent one by --handshake-timeout).
  const std::string hello_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  EXPECT_EQ(raw_exchange(plain(), hello_start, seconds(5)).find("[not closed"), std::string::npos);
  EXPECT_EQ(raw_exchange(plain(), std::string("\x16\x03\x01\x00\x05garbagegarbage", 19), seconds(5))
                .find("[not closed"),
            std::string::npos);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_exchange(plain(), "", seconds(5)).find("[not closed"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(4));

  EXPECT_EQ(http_request(endpoint(), "GET", "/healthz").status, 200);
  EXPECT_TRUE(server_->running() && !server_->exited_by_itself());
}

TEST_F(TlsTest, AKeyThatIsNotTheCertificatesStopsTheServerWithTheReason) {
  const TlsFiles other = write_self_signed_certificate(dir_, "other");
  ServerOptions o;
  o.tls = TlsFiles{files_.cert, other.key};
  ServerProcess server(o);
  EXPECT_FALSE(server.start(seconds(5)));
  EXPECT_EQ(server.exit_status(), 1);
  EXPECT_NE(server.log_tail().find("does not belong to the certificate"), std::string::npos)
      << server.log_tail();

  o.tls = TlsFiles{dir_ / "missing.crt", files_.key};
  ServerProcess missing(o);
  EXPECT_FALSE(missing.start(seconds(5)));
  EXPECT_NE(missing.log_tail().find("No such file"), std::string::npos) << missing.log_tail();
}

}  // namespace
}  // namespace convene::itest
