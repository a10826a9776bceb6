// A full disk under a running server: its data directory is a small tmpfs
// that the test fills to the last byte while a participant edits. Then:
// - the server stops acknowledging and tells its clients (ERROR_UNAVAILABLE,
//   close 1013), refuses new joins the same way, and /healthz answers 503;
// - nothing is acknowledged that is not stored;
// - once space returns it recovers by itself, without a restart: the
//   clients come back, resend what was not acknowledged, and everything
//   converges with the server's export, each op in the log exactly once.
// Mounting needs root; elsewhere the test is skipped with the reason.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "server_fixture.h"

namespace convene::itest {
namespace {

namespace fs = std::filesystem;

// A tmpfs of `bytes` on a fresh temporary directory, unmounted and removed
// by the destructor.
class Tmpfs {
 public:
  explicit Tmpfs(size_t bytes) {
    std::string templ = (fs::temp_directory_path() / "convene-tmpfs-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      error_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    dir_ = templ;
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0)
      error_ = std::string("mount -t tmpfs: ") + std::strerror(errno);
    else
      mounted_ = true;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the file system has no byte left. Returns the bytes
// written.
size_t fill(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(64 * 1024, 'x');
  size_t written = 0;
  for (size_t size = chunk.size(); size >= 512; size /= 2) {
    while (out.write(chunk.data(), static_cast<std::streamsize>(size)) && out.flush())
      written += size;
    out.clear();
  }
  return written;
}

bool healthy(const Endpoint& at) {
  return http_request(at, "GET", "/healthz").status == 200;
}

// The store's failing gauge from /metrics: what the server believes without
// being asked to check (/healthz would try to recover the store itself).
bool store_failing(const Endpoint& at) {
  return http_request(at, "GET", "/metrics").body.find("convene_store_failing 1") !=
         std::string::npos;
}

bool has_error(const Replica& r, pb::ErrorCode code) {
  for (const auto& e : r.errors())
    if (e.code() == code) return true;
  return false;
}

class StorageFailureTest : public ServerFixture {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    tmpfs_ = std::make_unique<Tmpfs>(48u << 20);
    if (!tmpfs_->mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << tmpfs_->error();
  }
  // The server goes before its file system.
  void TearDown() override {
    ServerFixture::TearDown();
    server_.reset();
    tmpfs_.reset();
  }

  std::unique_ptr<Tmpfs> tmpfs_;
  // Below the default (64) to fit a small tmpfs; the test fills it to 0.
  int reserve_mb_ = 4;
};

TEST_F(StorageFailureTest, FullDiskStopsAcksThenRecoversWithoutRestartOrLoss) {
  ServerOptions options;
  options.data_dir = (tmpfs_->dir() / "data").string();
  options.extra_args = {"--disk-reserve-mb", std::to_string(reserve_mb_)};
  start(options);
  const Endpoint at = endpoint();
  const auto tokens = create_convening(at, "full disk");
  ASSERT_TRUE(tokens);
  auto author = replica(tokens->id, tokens->participant, "author");
  auto reader = replica(tokens->id, tokens->participant, "reader");
  ASSERT_TRUE(author->join().ok());
  ASSERT_TRUE(reader->join().ok());
  const auto draft = author->doc().create_draft("Call");
  ASSERT_TRUE(draft.ok());
  ASSERT_TRUE(author->doc().insert_text(draft.value, 0, "Before the disk filled. ").is_ok());
  author->flush();
  ASSERT_TRUE(author->wait_acked());

  const size_t filled = fill(tmpfs_->dir() / "filler");
  ASSERT_GT(filled, 0u);

  // Typing goes on until the server says it cannot store. RocksDB has
  // reserved its write-ahead log's next 17.6 MB (1.1 write buffers) before
  // the disk filled, so that much still fits; 32 MiB is the bound.
  const std::string line(16 * 1024, 'w');
  for (int i = 0; i < 2048 && author->connected() && !has_error(*author, pb::ERROR_UNAVAILABLE);
       ++i) {
    ASSERT_TRUE(author->doc().insert_text(draft.value, 0, line).is_ok());
    author->flush();
    author->pump(Millis(2));
  }
  author->pump(Millis(50));  // the Error may have come with the close
  ASSERT_TRUE(has_error(*author, pb::ERROR_UNAVAILABLE))
      << "32 MiB written to a full disk without a storage error (" << author->acks().size()
      << " ops acknowledged)";
  ASSERT_TRUE(author->pump_until([&] { return !author->connected(); }, Millis(5000)));
  EXPECT_EQ(author->ws()->close_code().value_or(0), 1013);
  EXPECT_FALSE(author->pending().empty()) << "the ops that met the full disk stay pending";
  EXPECT_FALSE(healthy(at));

  // Joining is refused the same way while the store is failing.
  auto latecomer = replica(tokens->id, tokens->participant, "latecomer");
  const JoinResult refused = latecomer->join();
  ASSERT_TRUE(refused.error) << refused.describe();
  EXPECT_EQ(refused.error->code(), pb::ERROR_UNAVAILABLE);

  // Space returns: the server notices by itself, without a restart.
  const pid_t pid = server_->pid();
  fs::remove(tmpfs_->dir() / "filler");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (store_failing(at) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(Millis(100));
  EXPECT_FALSE(store_failing(at)) << "still failing 15 s after space returned";
  EXPECT_TRUE(healthy(at));
  EXPECT_EQ(server_->pid(), pid);
  EXPECT_FALSE(server_->exited_by_itself());

  // Everyone back; the pending ops are resent and acknowledged.
  ASSERT_TRUE(author->rejoin().ok());
  ASSERT_TRUE(author->wait_acked(Millis(20000)));
  ASSERT_TRUE(reader->rejoin().ok());
  const std::map<uint64_t, uint64_t> everything = {
      {author->id(),
       author->sent().rbegin()->first + crdt::op_span(author->sent().rbegin()->second) - 1}};
  ASSERT_TRUE(reader->wait_has(everything, Millis(20000)));

  const HttpResponse exported = export_convening(at, tokens->id, tokens->convener);
  ASSERT_EQ(exported.status, 200) << exported.describe();
  const auto state = document_part(exported.json());
  EXPECT_EQ(document_part(author->doc().to_json()), state);
  EXPECT_EQ(document_part(reader->doc().to_json()), state);

  // Every op the author made is in the log once.
  ReplicaOptions o;
  o.token = tokens->convener;
  o.ops_only = true;
  Replica auditor(at, tokens->id, next_replica_id(), o);
  const JoinResult audit = auditor.join();
  ASSERT_TRUE(audit.ok()) << audit.describe();
  std::map<uint64_t, int> counts;
  for (const auto& op : audit.welcome->ops())
    if (op.op().replica() == author->id()) ++counts[op.op().counter()];
  for (const auto& [first_counter, op] : author->sent())
    EXPECT_EQ(counts[first_counter], 1) << "op " << first_counter;
}

}  // namespace
}  // namespace convene::itest
