#include "app/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace brinkwatch::app {
namespace {

TEST(LatencyHistogram, BucketsAreCumulativeAndInclusive) {
  LatencyHistogram h;
  h.observe_ns(1'000'000);      // exactly 1 ms: le="0.001"
  h.observe_ns(1'000'001);      // just over: le="0.0025"
  h.observe_ns(300'000'000);    // 0.3 s: le="0.5"
  h.observe_ns(60'000'000'000); // a minute: only +Inf
  h.observe_ns(-5);             // clock oddity: counted as 0
  const auto s = h.snapshot();
  ASSERT_EQ(LatencyHistogram::kBounds[0], 0.001);
  EXPECT_EQ(s.cumulative[0], 2u);  // le 0.001: the 1 ms and the 0
  EXPECT_EQ(s.cumulative[1], 3u);  // le 0.0025
  EXPECT_EQ(s.cumulative[7], 3u);  // le 0.25
  EXPECT_EQ(s.cumulative[8], 4u);  // le 0.5
  EXPECT_EQ(s.cumulative[12], 4u); // le 10
  EXPECT_EQ(s.cumulative.back(), 5u);
  EXPECT_NEAR(s.sum_seconds, 0.001 + 0.001000001 + 0.3 + 60, 1e-9);
}

TEST(LatencyHistogram, ConcurrentObservationsAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.observe_ns(static_cast<int64_t>(t) * 1'000'000'000);
    });
  }
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_EQ(s.cumulative[0], 10000u);  // the t == 0 observations
  EXPECT_NEAR(s.sum_seconds, 10000.0 * (0 + 1 + 2 + 3), 1e-6);
}

TEST(LatencyHistogram, Rendered) {
  LatencyHistogram h;
  h.observe_ns(2'000'000);
  std::string out;
  render_histogram(out, "x_seconds", "help.", h);
  EXPECT_NE(out.find("# TYPE x_seconds histogram\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.001\"} 0\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{le=\"0.0025\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum 0.002000\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_count 1\n"), std::string::npos);
}

TEST(LagGauge, ForgetRemovesOnlyThatPartition) {
  LagGauge g;
  g.set({{"a", 0, 5}, {"a", 1, 6}, {"b", 0, 7}});
  g.forget("a", 0);
  const auto s = g.snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].topic, "a");
  EXPECT_EQ(s[0].partition, 1);
  EXPECT_EQ(s[1].topic, "b");
}

TEST(LabelValue, Escapes) { EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd"); }

}  // namespace
}  // namespace brinkwatch::app
