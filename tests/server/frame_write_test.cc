// Writing a connection's queued frames (FrameWrite): what merges into one
// WebSocket frame, and that the bytes written decode as the frames queued.
#include "net/frame_write.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "rooms/frames.h"

namespace convene::server {
namespace {

using ::convene::rooms::ops_frame_header;
using ::convene::rooms::ops_frame_payload;
namespace pb = ::convene::v1;

std::shared_ptr<const std::string> ops_frame_of(std::initializer_list<uint64_t> seqs) {
  pb::ServerMessage m;
  for (const uint64_t seq : seqs) {
    pb::SequencedOp* op = m.mutable_ops()->add_ops();
    op->set_seq(seq);
    op->mutable_op()->set_replica(7);
    op->mutable_op()->set_counter(seq);
    op->mutable_op()->mutable_create_map()->set_name(std::string(100, 'm'));
  }
  return std::make_shared<const std::string>(m.SerializeAsString());
}

std::shared_ptr<const std::string> ack_frame(uint64_t seq) {
  pb::ServerMessage m;
  m.mutable_ack()->set_seq(seq);
  return std::make_shared<const std::string>(m.SerializeAsString());
}

std::string written(const FrameWrite& w) {
  std::string out;
  for (const auto& b : w.buffers()) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

std::vector<uint64_t> seqs_of(const std::string& frame) {
  pb::ServerMessage m;
  EXPECT_TRUE(m.ParseFromString(frame));
  std::vector<uint64_t> out;
  for (const auto& op : m.ops().ops()) out.push_back(op.seq());
  return out;
}

TEST(FrameWrite, PayloadAndHeaderRoundTrip) {
  const auto frame = ops_frame_of({1, 2});
  const auto payload = ops_frame_payload(*frame);
  ASSERT_TRUE(payload);
  EXPECT_EQ(ops_frame_header(payload->size()) + std::string(*payload), *frame);
  EXPECT_FALSE(ops_frame_payload(*ack_frame(1)));
  EXPECT_FALSE(ops_frame_payload(frame->substr(0, frame->size() - 1)));
  EXPECT_FALSE(ops_frame_payload(*frame + "x"));
  EXPECT_FALSE(ops_frame_payload(""));
  EXPECT_FALSE(ops_frame_payload(std::string("\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11)));
  for (const size_t n : {0u, 127u, 128u, 300u, 1u << 20}) {
    const std::string header = ops_frame_header(n);
    EXPECT_TRUE(ops_frame_payload(header + std::string(n, '\0'))) << n;
  }
}

TEST(FrameWrite, ConsecutiveOpsFramesAreWrittenAsOneNeverAcrossAnotherFrame) {
  std::deque<std::shared_ptr<const std::string>> queue = {
      ops_frame_of({1}), ops_frame_of({2, 3}), ops_frame_of({4}), ack_frame(4), ops_frame_of({5})};
  const size_t first_three = queue[0]->size() + queue[1]->size() + queue[2]->size();
  FrameWrite w;
  EXPECT_EQ(w.take(queue, 1 << 20, false), first_three);
  EXPECT_EQ(w.frames(), 3u);
  EXPECT_EQ(seqs_of(written(w)), (std::vector<uint64_t>{1, 2, 3, 4}));
  ASSERT_EQ(queue.size(), 2u);
  const std::string ack = *queue.front();
  EXPECT_EQ(w.take(queue, 1 << 20, false), ack.size());
  EXPECT_EQ(written(w), ack) << "an Ack goes alone";
  w.take(queue, 1 << 20, false);
  EXPECT_EQ(seqs_of(written(w)), (std::vector<uint64_t>{5}));
  EXPECT_TRUE(queue.empty());
}

TEST(FrameWrite, AMergedWriteStopsAtItsByteBound) {
  std::deque<std::shared_ptr<const std::string>> queue;
  for (uint64_t seq = 1; seq <= 10; ++seq) queue.push_back(ops_frame_of({seq}));
  const size_t one = ops_frame_payload(*queue.front())->size();
  FrameWrite w;
  w.take(queue, 3 * one, false);
  EXPECT_EQ(seqs_of(written(w)), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(queue.size(), 7u);
  // A frame larger than the bound still goes, alone.
  w.take(queue, 1, false);
  EXPECT_EQ(seqs_of(written(w)), (std::vector<uint64_t>{4}));
}

std::shared_ptr<const std::string> presence_frame(const std::string& member) {
  pb::ServerMessage m;
  m.mutable_presence()->add_members()->set_id(member);
  return std::make_shared<const std::string>(m.SerializeAsString());
}

// A Batch must decode to exactly the frames queued, in order.
TEST(FrameWrite, ToABatchingClientEverythingQueuedGoesAsOneBatch) {
  std::deque<std::shared_ptr<const std::string>> queue = {
      ops_frame_of({1, 2}), ack_frame(2), presence_frame("a"), ops_frame_of({3}),
      rooms::error_frame(pb::ERROR_UNAVAILABLE, std::string(300, 'e'))};  // a 2-byte length
  const std::vector<std::shared_ptr<const std::string>> queued(queue.begin(), queue.end());
  size_t bytes = 0;
  for (const auto& f : queued) bytes += f->size();
  FrameWrite w;
  EXPECT_EQ(w.take(queue, 1 << 20, true), bytes);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(w.frames(), queued.size());

  pb::ServerMessage batch;
  ASSERT_TRUE(batch.ParseFromString(written(w)));
  ASSERT_TRUE(batch.has_batch());
  ASSERT_EQ(batch.batch().messages_size(), 5);
  for (size_t i = 0; i < queued.size(); ++i)
    EXPECT_EQ(batch.batch().messages(static_cast<int>(i)).SerializeAsString(), *queued[i]) << i;
}

TEST(FrameWrite, OneFrameGoesAsItIsAndABatchStopsAtItsByteBound) {
  std::deque<std::shared_ptr<const std::string>> queue = {ack_frame(1)};
  FrameWrite w;
  const std::string ack = *queue.front();
  w.take(queue, 1 << 20, true);
  EXPECT_EQ(written(w), ack) << "no Batch around a single frame";

  for (uint64_t seq = 1; seq <= 10; ++seq) queue.push_back(ops_frame_of({seq}));
  const size_t one = queue.front()->size();
  EXPECT_EQ(w.take(queue, 3 * one, true), 3 * one);
  pb::ServerMessage batch;
  ASSERT_TRUE(batch.ParseFromString(written(w)));
  EXPECT_EQ(batch.batch().messages_size(), 3);
  EXPECT_EQ(queue.size(), 7u);
  // A frame larger than the bound still goes, alone.
  w.take(queue, 1, true);
  EXPECT_EQ(seqs_of(written(w)), (std::vector<uint64_t>{4}));
  w.clear();
  EXPECT_EQ(w.frames(), 0u);
  EXPECT_TRUE(w.buffers().empty());
}

}  // namespace
}  // namespace convene::server
