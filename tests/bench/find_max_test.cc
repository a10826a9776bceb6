#include "find_max.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>

namespace convene::bench {
namespace {

using Outcome = FindMaxSearch::Outcome;

// Runs a search against a machine described by `outcome_at` (rate -> how a
// window at that rate goes) and returns the rates it measured, in order.
std::vector<double> run(FindMaxSearch& search, const std::function<Outcome(double)>& outcome_at) {
  std::vector<double> rates;
  while (const auto rate = search.next()) {
    rates.push_back(*rate);
    search.record(outcome_at(*rate));
  }
  return rates;
}

TEST(FindMaxSearch, DoublesThenBisectsToWithinATenth) {
  FindMaxSearch search(5, 20);
  // Holds up to 12 ops/s per writer; every miss is repeated once.
  const auto rates =
      run(search, [](double r) { return r <= 12 ? Outcome::kHeld : Outcome::kMissed; });
  EXPECT_EQ(rates, (std::vector<double>{5, 10, 20, 20, 15, 15, 12.5, 12.5, 11.25, 11.875}));
  EXPECT_DOUBLE_EQ(search.best_rate(), 11.875);
}

TEST(FindMaxSearch, OneMissedWindowIsMeasuredAgainAndMayHold) {
  FindMaxSearch search(5, 20);
  EXPECT_FALSE(search.record(Outcome::kMissed));  // a stalled second at 5
  EXPECT_EQ(search.next(), 5.0);                  // the same rate again
  EXPECT_TRUE(search.record(Outcome::kHeld));
  EXPECT_TRUE(search.last_was_retry());
  EXPECT_DOUBLE_EQ(search.best_rate(), 5);
  EXPECT_EQ(search.next(), 10.0);  // and the search goes on upwards
  EXPECT_TRUE(search.record(Outcome::kHeld));
  EXPECT_FALSE(search.last_was_retry());
}

TEST(FindMaxSearch, TwoMissesInARowFailTheRate) {
  FindMaxSearch search(8, 20);
  search.record(Outcome::kMissed);
  search.record(Outcome::kMissed);
  EXPECT_EQ(search.next(), 4.0);  // halves: nothing has held yet
  EXPECT_DOUBLE_EQ(search.best_rate(), 0);
}

TEST(FindMaxSearch, LostOpsEndTheSearchWithoutARetry) {
  FindMaxSearch search(5, 20);
  search.record(Outcome::kHeld);
  EXPECT_FALSE(search.record(Outcome::kBroken));
  EXPECT_FALSE(search.last_was_retry());
  EXPECT_FALSE(search.next().has_value());
  EXPECT_DOUBLE_EQ(search.best_rate(), 5);
}

TEST(FindMaxSearch, StopsAtItsWindowBudget) {
  FindMaxSearch search(1, 3);
  const auto rates = run(search, [](double) { return Outcome::kHeld; });
  EXPECT_EQ(rates, (std::vector<double>{1, 2, 4}));
  EXPECT_DOUBLE_EQ(search.best_rate(), 4);
}

TEST(FindMaxSearch, StartsAtATenthWhenAskedForLess) {
  FindMaxSearch search(0, 5);
  EXPECT_EQ(search.next(), 0.1);
}

}  // namespace
}  // namespace convene::bench
