// The pieces of /metrics that are more than one atomic counter: a fixed-bucket latency histogram
// (lock-free), counters keyed by label values (one mutex, taken once per article or checkpoint,
// never per record), and the consumer-lag gauge from librdkafka's statistics. The stages own
// them (in StageCounters and AggregateCounters); http_server.cpp renders them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/stats.h"

namespace brinkwatch::app {

struct StageCounters;
struct AggregateCounters;

// Seconds from taking an input record to finishing its offset. The bounds are fixed so that
// every process exports the same series and histogram_quantile() can merge them.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 13> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25,  0.5,    1,     2.5,  5,     10};
  void observe_ns(int64_t ns);

  struct Snapshot {
    std::array<uint64_t, kBounds.size() + 1> cumulative{};  // le each bound, then +Inf (= count)
    double sum_seconds = 0;
  };
  // Concurrent observations may be half in: the count is the sum of the buckets read, so
  // _bucket{le="+Inf"} and _count always agree.
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // per bucket, not cumulative
  std::atomic<uint64_t> sum_ns_{0};
};

// Counters keyed by label values.
template <class Key>
class CounterMap {
 public:
  template <class F>
  void update(F&& f) {
    std::lock_guard lock(mu_);
    f(counts_);
  }
  std::map<Key, uint64_t> snapshot() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  mutable std::mutex mu_;
  std::map<Key, uint64_t> counts_;
};

// The last statistics' consumer lag of the partitions a stage owns.
class LagGauge {
 public:
  void set(std::vector<kafka::PartitionLag> lags) {
    std::lock_guard lock(mu_);
    lags_ = std::move(lags);
  }
  // A revoked partition's lag is no longer this process's to report.
  void forget(const std::string& topic, int32_t partition);
  std::vector<kafka::PartitionLag> snapshot() const {
    std::lock_guard lock(mu_);
    return lags_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<kafka::PartitionLag> lags_;
};

// Prometheus text for the above (exposition format 0.0.4).
std::string label_value(std::string_view v);  // backslash, double quote and newline escaped
void render_histogram(std::string& out, std::string_view name, std::string_view help, const LatencyHistogram& h);
// The detect stage's per-rule and per-region counters and its latency histogram.
void render_detect_details(std::string& out, const StageCounters& d);
// The aggregate stage's alerts per level and its latency histogram.
void render_aggregate_details(std::string& out, const AggregateCounters& a);
// brinkwatch_consumer_lag of both stages (either may be null: not run here).
void render_consumer_lag(std::string& out, const StageCounters* d, const AggregateCounters* a);

}  // namespace brinkwatch::app
