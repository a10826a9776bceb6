// The trace loader, checked against the figures in the traces' README and by
// replaying the sequential traces on plain strings, independently of the CRDT.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>

#include "support/paths.h"
#include "support/traces.h"

namespace convene::testing {
namespace {

struct Expected {
  const char* file;  // below traces_dir()
  size_t txns;
  size_t final_length;
  int agents;  // concurrent traces only
};

// From ../shared/traces/README.md. The concurrent traces end in the same text
// as their linearised (_flat) versions.
const Expected kSequential[] = {
    {"sequential/automerge-paper.json.gz", 259'778, 104'852, 0},
    {"sequential/seph-blog1.json.gz", 137'154, 56'769, 0},
    {"sequential/friendsforever_flat.json.gz", 26'078, 21'362, 0},
    {"sequential/clownschool_flat.json.gz", 23'136, 21'148, 0},
};
const Expected kConcurrent[] = {
    {"concurrent/clownschool.json.gz", 23'136, 21'148, 3},
    {"concurrent/friendsforever.json.gz", 26'078, 21'362, 2},
};

// Names the parameter in test listings.
void PrintTo(const Expected& e, std::ostream* os) {
  *os << e.file;
}

std::string expected_name(const Expected& e) {
  std::string name = std::filesystem::path(e.file).filename().string();
  return name.substr(0, name.find('.'));
}

#define SKIP_IF_ABSENT(path)                                                          \
  if (!trace_available(path))                                                         \
  GTEST_SKIP() << "editing trace " << (path) << " not found; set CONVENE_TRACES_DIR " \
               << "to the traces directory to run this test"

class SequentialTraceTest : public ::testing::TestWithParam<Expected> {};

TEST_P(SequentialTraceTest, LoadsWithReadmeFigures) {
  const Expected& e = GetParam();
  const std::string path = trace_path(e.file);
  SKIP_IF_ABSENT(path);
  std::string error;
  auto trace = load_sequential_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  EXPECT_EQ(trace->name, expected_name(e));
  EXPECT_EQ(trace->txns.size(), e.txns);
  EXPECT_EQ(trace->end.size(), e.final_length);
  EXPECT_TRUE(trace->start.empty());
  size_t patches = 0;
  for (const auto& txn : trace->txns) patches += txn.size();
  EXPECT_EQ(trace->edit_count, patches);
  EXPECT_GE(trace->edit_count, trace->txns.size());
}

TEST_P(SequentialTraceTest, NaiveReplayReproducesEndContent) {
  const Expected& e = GetParam();
  const std::string path = trace_path(e.file);
  SKIP_IF_ABSENT(path);
  std::string error;
  auto trace = load_sequential_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  std::u32string text = trace->start;
  for (size_t t = 0; t < trace->txns.size(); ++t) {
    for (const Patch& patch : trace->txns[t]) {
      ASSERT_TRUE(apply_patch(text, patch))
          << "txn " << t << ": patch at " << patch.pos << " deleting " << patch.del
          << " does not fit a text of " << text.size();
    }
  }
  EXPECT_EQ(text.size(), trace->end.size());
  EXPECT_TRUE(text == trace->end) << "replayed text differs from endContent";
}

INSTANTIATE_TEST_SUITE_P(Traces, SequentialTraceTest, ::testing::ValuesIn(kSequential),
                         [](const auto& info) {
                           std::string name = expected_name(info.param);
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

class ConcurrentTraceTest : public ::testing::TestWithParam<Expected> {};

TEST_P(ConcurrentTraceTest, LoadsWithReadmeFigures) {
  const Expected& e = GetParam();
  const std::string path = trace_path(e.file);
  SKIP_IF_ABSENT(path);
  std::string error;
  auto trace = load_concurrent_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  EXPECT_EQ(trace->name, expected_name(e));
  EXPECT_EQ(trace->txns.size(), e.txns);
  EXPECT_EQ(trace->end.size(), e.final_length);
  EXPECT_EQ(trace->num_agents, e.agents);
  ASSERT_FALSE(trace->txns.empty());
  EXPECT_TRUE(trace->txns[0].parents.empty());
  for (size_t i = 0; i < trace->txns.size(); ++i) {
    const ConcurrentTxn& txn = trace->txns[i];
    ASSERT_GE(txn.agent, 0);
    ASSERT_LT(txn.agent, trace->num_agents);
    ASSERT_FALSE(txn.patches.empty()) << "txn " << i;
    for (size_t p : txn.parents) ASSERT_LT(p, i) << "txn " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Traces, ConcurrentTraceTest, ::testing::ValuesIn(kConcurrent),
                         [](const auto& info) { return expected_name(info.param); });

// ---- bad input: errors come back as values --------------------------------

class TraceLoaderErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("convene-traces-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_gzip(const std::string& name, const std::string& json) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, json.data(), static_cast<unsigned>(json.size())),
              static_cast<int>(json.size()));
    gzclose(f);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(TraceLoaderErrorTest, LoadsASmallSequentialTrace) {
  const std::string path = write_gzip(
      "tiny.json.gz",
      R"({"startContent":"ab","endContent":"a\u00e9\ud83d\ude00b","time":"x",)"
      R"("txns":[{"time":"t","patches":[[1,0,"é😀"]]},{"patches":[[3,1,""],[3,0,"b"]]}]})");
  std::string error;
  auto trace = load_sequential_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  EXPECT_EQ(trace->name, "tiny");
  EXPECT_EQ(trace->start, U"ab");
  EXPECT_EQ(trace->end, U"a\u00e9\U0001F600b");
  ASSERT_EQ(trace->txns.size(), 2u);
  EXPECT_EQ(trace->edit_count, 3u);
  EXPECT_EQ(trace->txns[0][0].pos, 1u);
  EXPECT_EQ(trace->txns[0][0].ins, U"\u00e9\U0001F600");
  EXPECT_EQ(trace->txns[1][0].del, 1u);
  std::u32string text = trace->start;
  for (const auto& txn : trace->txns)
    for (const Patch& p : txn) ASSERT_TRUE(apply_patch(text, p));
  EXPECT_EQ(text, trace->end);
}

TEST_F(TraceLoaderErrorTest, LoadsASmallConcurrentTrace) {
  const std::string path =
      write_gzip("tiny-concurrent.json.gz",
                 R"({"kind":"concurrent","endContent":"xy","numAgents":2,"txns":[)"
                 R"({"parents":[],"numChildren":2,"agent":0,"patches":[[0,0,"x"]]},)"
                 R"({"parents":[0],"numChildren":0,"agent":1,"patches":[[1,0,"y"]]}]})");
  std::string error;
  auto trace = load_concurrent_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  EXPECT_EQ(trace->num_agents, 2);
  ASSERT_EQ(trace->txns.size(), 2u);
  EXPECT_EQ(trace->txns[1].agent, 1);
  EXPECT_EQ(trace->txns[1].parents, std::vector<size_t>{0});
  EXPECT_EQ(trace->txns[1].patches[0].ins, U"y");
}

TEST_F(TraceLoaderErrorTest, MissingFileIsAnError) {
  const std::string path = (dir_ / "absent.json.gz").string();
  EXPECT_FALSE(trace_available(path));
  std::string error;
  EXPECT_FALSE(load_sequential_trace(path, &error));
  EXPECT_NE(error.find("absent.json.gz"), std::string::npos) << error;
  EXPECT_FALSE(load_concurrent_trace(path));
}

TEST_F(TraceLoaderErrorTest, DirectoryIsNotAvailable) {
  EXPECT_FALSE(trace_available(dir_.string()));
}

TEST_F(TraceLoaderErrorTest, MalformedInputIsAnErrorNotAnException) {
  const char* bad[] = {
      R"({"endContent":"x","txns":[{"patches":[[0,0,"x"]]})",         // truncated
      R"([1,2,3])",                                                   // not an object
      R"({"endContent":"x"})",                                        // no txns
      R"({"txns":[]})",                                               // no endContent
      R"({"endContent":"x","txns":[{"patches":[[0,"x"]]}]})",         // short patch
      R"({"endContent":"x","txns":[{"patches":[[0,0,"x",1]]}]})",     // long patch
      R"({"endContent":"x","txns":[{"patches":[[-1,0,"x"]]}]})",      // negative
      R"({"endContent":"x","txns":[{"patches":[[0.5,0,"x"]]}]})",     // fraction
      R"({"endContent":"x","txns":[{"patches":[["0",0,"x"]]}]})",     // string pos
      R"({"endContent":"x","txns":[{"patches":[[0,0,"\ud800"]]}]})",  // lone surrogate
      R"({"endContent":"x","txns":[[0,0,"x"]]})",                     // txn not object
      "{\"endContent\":\"\xff\",\"txns\":[]}",                        // invalid UTF-8
  };
  int i = 0;
  for (const char* json : bad) {
    const std::string path = write_gzip("bad" + std::to_string(i++) + ".json.gz", json);
    std::string error;
    EXPECT_FALSE(load_sequential_trace(path, &error)) << json;
    EXPECT_FALSE(error.empty()) << json;
  }
}

TEST_F(TraceLoaderErrorTest, NotGzipIsAnError) {
  const std::string path = (dir_ / "plain.json.gz").string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("not json at all", f);
  std::fclose(f);
  std::string error;
  EXPECT_FALSE(load_sequential_trace(path, &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(TraceLoaderErrorTest, KindsAreNotMixedUp) {
  const std::string concurrent =
      write_gzip("c.json.gz", R"({"kind":"concurrent","endContent":"x","numAgents":1,"txns":[)"
                              R"({"parents":[],"agent":0,"patches":[[0,0,"x"]]}]})");
  std::string error;
  EXPECT_FALSE(load_sequential_trace(concurrent, &error));
  EXPECT_NE(error.find("concurrent"), std::string::npos) << error;

  const std::string sequential =
      write_gzip("s.json.gz", R"({"endContent":"x","txns":[{"patches":[[0,0,"x"]]}]})");
  EXPECT_FALSE(load_concurrent_trace(sequential, &error));
  EXPECT_NE(error.find("numAgents"), std::string::npos) << error;
}

TEST_F(TraceLoaderErrorTest, ConcurrentReferencesAreChecked) {
  const char* bad[] = {
      // parent not earlier
      R"({"endContent":"x","numAgents":1,"txns":[{"parents":[0],"agent":0,"patches":[]}]})",
      // agent out of range
      R"({"endContent":"x","numAgents":1,"txns":[{"parents":[],"agent":1,"patches":[]}]})",
  };
  int i = 0;
  for (const char* json : bad) {
    const std::string path = write_gzip("c" + std::to_string(i++) + ".json.gz", json);
    std::string error;
    EXPECT_FALSE(load_concurrent_trace(path, &error)) << json;
    EXPECT_FALSE(error.empty()) << json;
  }
}

TEST(ApplyPatchTest, RejectsPatchesThatDoNotFit) {
  std::u32string text = U"abc";
  EXPECT_FALSE(apply_patch(text, Patch{4, 0, U"x"}));
  EXPECT_FALSE(apply_patch(text, Patch{2, 2, U""}));
  EXPECT_EQ(text, U"abc");
  EXPECT_TRUE(apply_patch(text, Patch{1, 1, U"XY"}));
  EXPECT_EQ(text, U"aXYc");
  EXPECT_TRUE(apply_patch(text, Patch{4, 0, U"!"}));
  EXPECT_EQ(text, U"aXYc!");
}

}  // namespace
}  // namespace convene::testing
