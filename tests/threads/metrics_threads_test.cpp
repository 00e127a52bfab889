// /metrics rendered on the HTTP thread while the detect stage's threads count: workers and
// delivery threads update the per-region, per-rule and latency series as DetectStage::finish
// does, the poll thread replaces the lag gauge, and another thread renders the detect details
// and the lag as the HTTP server does. Checked: every rendered counter only grows, each render's
// histogram agrees with itself (+Inf bucket = count, buckets cumulative), each render's lag is
// one whole statistics set, and the last render has exactly the totals counted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "app/detect_stage.h"
#include "app/metrics.h"

namespace brinkwatch::app {
namespace {

// "name{labels} value" lines of a render, by "name{labels}"; comments skipped.
std::map<std::string, double> parse(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(MetricsThreads, RenderedWhileCountedOnOtherThreads) {
  constexpr int kCounters = 3;
  constexpr int kPerThread = 4000;
  const std::vector<std::string> regions{"UA", "TW", "unlocated"};
  StageCounters counters;

  std::atomic<bool> counting{true};
  std::vector<std::string> renders;  // the renderer's own until joined
  std::thread renderer([&] {
    for (;;) {
      const bool last = !counting.load();
      std::string out;
      render_detect_details(out, counters);
      render_consumer_lag(out, &counters, nullptr);
      renders.push_back(std::move(out));
      if (last) return;  // one render after every count is in
      std::this_thread::yield();
    }
  });
  std::thread statistics([&] {  // the poll thread's statistics callback
    for (int64_t k = 1; k <= 2000; ++k) {
      counters.lag.set({{"articles", 0, k}, {"articles", 1, k}, {"articles", 2, k}});
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kCounters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& region = regions[static_cast<size_t>((i + t) % 3)];
        counters.signals.update([&](auto& m) { ++m[{region, "military_mobilization"}]; });
        counters.rule_hits.update([&](auto& m) {
          ++m["mobilization.reserves"];
          if (i % 2) ++m["rhetoric.ultimatum"];
        });
        counters.processing.observe_ns(int64_t{1'000'000} * (i % 40));  // 0 to 39 ms
        ++counters.completed;
      }
    });
  }
  for (auto& t : threads) t.join();
  statistics.join();
  counting = false;
  renderer.join();

  ASSERT_GE(renders.size(), 1u);
  std::map<std::string, double> previous;
  for (size_t r = 0; r < renders.size(); ++r) {
    SCOPED_TRACE(r);
    const auto values = parse(renders[r]);
    for (const auto& [series, v] : values) {
      if (series.rfind("brinkwatch_consumer_lag", 0) == 0) continue;  // a gauge
      if (const auto it = previous.find(series); it != previous.end()) {
        EXPECT_GE(v, it->second) << series << " went down";
      }
    }
    const std::string h = "brinkwatch_detect_processing_seconds";
    EXPECT_EQ(values.at(h + "_bucket{le=\"+Inf\"}"), values.at(h + "_count"));
    double below = 0;
    for (const double bound : LatencyHistogram::kBounds) {
      const double n = values.at(fmt::format("{}_bucket{{le=\"{}\"}}", h, bound));
      EXPECT_GE(n, below);
      below = n;
    }
    // One statistics set at a time: the three partitions' lags come from the same set().
    std::vector<double> lags;
    for (const auto& [series, v] : values) {
      if (series.rfind("brinkwatch_consumer_lag", 0) == 0) lags.push_back(v);
    }
    if (!lags.empty()) {
      EXPECT_EQ(lags.size(), 3u);
      EXPECT_EQ(lags.front(), lags.back());
    }
    previous = values;
  }
  // The last render came after every count.
  const auto& last = previous;
  const double total = kCounters * kPerThread;
  EXPECT_EQ(last.at("brinkwatch_detect_processing_seconds_count"), total);
  EXPECT_EQ(last.at("brinkwatch_detect_rule_hits_total{rule=\"mobilization.reserves\"}"), total);
  EXPECT_EQ(last.at("brinkwatch_detect_rule_hits_total{rule=\"rhetoric.ultimatum\"}"), kCounters * (kPerThread / 2));
  double signals = 0;
  for (const auto& region : regions) {
    signals += last.at("brinkwatch_detect_signals_total{region=\"" + region + "\",type=\"military_mobilization\"}");
  }
  EXPECT_EQ(signals, total);
  EXPECT_EQ(last.at("brinkwatch_consumer_lag{stage=\"detect\",topic=\"articles\",partition=\"1\"}"), 2000);
  EXPECT_EQ(counters.completed.load(), static_cast<uint64_t>(total));
}

}  // namespace
}  // namespace brinkwatch::app
