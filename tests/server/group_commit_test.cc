// GroupCommitter: rooms that commit while a write is in flight share the next
// write, each room's seqs reach the store in order, and a room's failure is
// its own.
#include "rooms/group_commit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>

namespace convene::rooms {
namespace {

using store::LogEntry;
using store::Status;

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("convene-group-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Status status;
    store_ = store::Store::open(dir_.string(), store::Durability::kFsync, &status);
    ASSERT_TRUE(store_) << status.message();
  }
  void TearDown() override {
    pool_.join();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static std::vector<LogEntry> entries(uint64_t first, uint64_t last) {
    std::vector<LogEntry> out;
    for (uint64_t seq = first; seq <= last; ++seq)
      out.push_back({seq, "op" + std::to_string(seq), "m1", static_cast<int64_t>(1000 + seq)});
    return out;
  }

  uint64_t head(const std::string& convening) { return store_->head_seq(convening, nullptr); }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  net::thread_pool pool_{2};
};

// While the first write's callback holds the writer, ten rooms commit: they
// all go into the second write.
TEST_F(GroupCommitTest, RoomsThatCommitDuringAWriteShareTheNextOne) {
  GroupCommitter committer(pool_, *store_);
  std::mutex mu;
  std::condition_variable cv;
  bool first_done = false, release = false;
  committer.commit("first", entries(1, 1), [&](Status s, GroupCommitter::Clock::time_point) {
    EXPECT_TRUE(s.is_ok()) << s.message();
    std::unique_lock lock(mu);
    first_done = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return first_done; });
  }
  std::atomic<int> ok{0};
  std::promise<void> all;
  for (int r = 0; r < 10; ++r) {
    committer.commit("room-" + std::to_string(r), entries(1, 3),
                     [&](Status s, GroupCommitter::Clock::time_point) {
                       if (s.is_ok() && ++ok == 10) all.set_value();
                     });
  }
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(committer.appends(), 11u);
  EXPECT_EQ(committer.writes(), 2u);
  for (int r = 0; r < 10; ++r) EXPECT_EQ(head("room-" + std::to_string(r)), 3u);
}

// Rooms that each keep one commit in flight, from several threads: every
// seq is stored once, in order, and fewer writes than appends were needed.
TEST_F(GroupCommitTest, ManyRoomsCommittingAtOnceKeepTheirLogsInOrder) {
  GroupCommitter committer(pool_, *store_);
  constexpr int kRooms = 16, kCommits = 40;
  std::vector<std::thread> rooms;
  std::atomic<int> failures{0};
  for (int r = 0; r < kRooms; ++r) {
    rooms.emplace_back([&, r] {
      uint64_t next = 1;
      for (int c = 0; c < kCommits; ++c) {
        const uint64_t count = 1 + (r + c) % 4;
        std::promise<Status> done;
        committer.commit(
            "room-" + std::to_string(r), entries(next, next + count - 1),
            [&](Status s, GroupCommitter::Clock::time_point) { done.set_value(std::move(s)); });
        if (!done.get_future().get().is_ok()) ++failures;
        next += count;
      }
    });
  }
  for (auto& t : rooms) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(committer.appends(), static_cast<uint64_t>(kRooms * kCommits));
  EXPECT_LT(committer.writes(), committer.appends());
  for (int r = 0; r < kRooms; ++r) {
    uint64_t expected = 0;
    for (int c = 0; c < kCommits; ++c) expected += 1 + (r + c) % 4;
    const std::string id = "room-" + std::to_string(r);
    EXPECT_EQ(head(id), expected);
    uint64_t seen = 0;
    ASSERT_TRUE(store_
                    ->read_log(id, 0, expected,
                               [&](const LogEntry& e) {
                                 EXPECT_EQ(e.seq, seen + 1);
                                 seen = e.seq;
                                 return true;
                               })
                    .is_ok());
    EXPECT_EQ(seen, expected);
  }
}

// A room whose seqs do not follow its log is refused; the others in the same
// write are stored.
TEST_F(GroupCommitTest, ABadAppendFailsAloneInItsGroup) {
  GroupCommitter committer(pool_, *store_);
  std::promise<void> held, go;
  committer.commit("hold", entries(1, 1), [&](Status, GroupCommitter::Clock::time_point) {
    held.set_value();
    go.get_future().wait();
  });
  held.get_future().wait();
  std::promise<Status> bad, good;
  committer.commit("bad", entries(5, 6), [&](Status s, GroupCommitter::Clock::time_point) {
    bad.set_value(std::move(s));
  });
  committer.commit("good", entries(1, 2), [&](Status s, GroupCommitter::Clock::time_point) {
    good.set_value(std::move(s));
  });
  go.set_value();
  EXPECT_FALSE(bad.get_future().get().is_ok());
  EXPECT_TRUE(good.get_future().get().is_ok());
  EXPECT_EQ(head("bad"), 0u);
  EXPECT_EQ(head("good"), 2u);
  EXPECT_EQ(committer.writes(), 2u);
}

}  // namespace
}  // namespace convene::rooms
