#include "app/metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include "app/aggregate_stage.h"
#include "app/detect_stage.h"
#include "core/aggregate/options.h"

namespace brinkwatch::app {

namespace {

constexpr std::array<int64_t, LatencyHistogram::kBounds.size()> bounds_ns() {
  std::array<int64_t, LatencyHistogram::kBounds.size()> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(LatencyHistogram::kBounds[i] * 1e9);
  return out;
}
constexpr auto kBoundsNs = bounds_ns();

}  // namespace

void LatencyHistogram::observe_ns(int64_t ns) {
  ns = std::max<int64_t>(ns, 0);
  const size_t i = static_cast<size_t>(std::lower_bound(kBoundsNs.begin(), kBoundsNs.end(), ns) - kBoundsNs.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot s;
  uint64_t total = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

void LagGauge::forget(const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  std::erase_if(lags_, [&](const kafka::PartitionLag& l) { return l.partition == partition && l.topic == topic; });
}

std::string label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char ch : v) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '"') {
      out += "\\\"";
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

void render_histogram(std::string& out, std::string_view name, std::string_view help, const LatencyHistogram& h) {
  const auto s = h.snapshot();
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, LatencyHistogram::kBounds[i], s.cumulative[i]);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, s.cumulative.back());
  out += fmt::format("{}_sum {:.6f}\n", name, s.sum_seconds);
  out += fmt::format("{}_count {}\n", name, s.cumulative.back());
}

void render_detect_details(std::string& out, const StageCounters& d) {
  out += "# HELP brinkwatch_detect_rule_hits_total Signals each rule fired for (articles whose records were all "
         "delivered).\n# TYPE brinkwatch_detect_rule_hits_total counter\n";
  for (const auto& [rule, n] : d.rule_hits.snapshot()) {
    out += fmt::format("brinkwatch_detect_rule_hits_total{{rule=\"{}\"}} {}\n", label_value(rule), n);
  }
  out += "# HELP brinkwatch_detect_signals_total Signal records delivered, by region key and signal type.\n"
         "# TYPE brinkwatch_detect_signals_total counter\n";
  for (const auto& [rt, n] : d.signals.snapshot()) {
    out += fmt::format("brinkwatch_detect_signals_total{{region=\"{}\",type=\"{}\"}} {}\n", label_value(rt.first),
                       label_value(rt.second), n);
  }
  render_histogram(out, "brinkwatch_detect_processing_seconds",
                   "Seconds from taking an article from the consumer to completing its offset (every record "
                   "derived from it delivered).",
                   d.processing);
}

void render_aggregate_details(std::string& out, const AggregateCounters& a) {
  out += "# HELP brinkwatch_aggregate_alerts_total Alert records delivered, by the level they announce.\n"
         "# TYPE brinkwatch_aggregate_alerts_total counter\n";
  for (size_t i = 0; i < a.alerts_by_level.size(); ++i) {
    out += fmt::format("brinkwatch_aggregate_alerts_total{{level=\"{}\"}} {}\n",
                       aggregate::level_name(static_cast<aggregate::Level>(i)), a.alerts_by_level[i].load());
  }
  render_histogram(out, "brinkwatch_aggregate_processing_seconds",
                   "Seconds from taking a signal record from the consumer to completing its offset (its checkpoint's "
                   "alerts and state delivered).",
                   a.processing);
}

void render_consumer_lag(std::string& out, const StageCounters* d, const AggregateCounters* a) {
  out += "# HELP brinkwatch_consumer_lag Messages between the committed offset and the end of each owned input "
         "partition, from librdkafka's statistics (every statistics.interval.ms).\n"
         "# TYPE brinkwatch_consumer_lag gauge\n";
  auto add = [&](std::string_view stage, const LagGauge& g) {
    for (const auto& l : g.snapshot()) {
      out += fmt::format("brinkwatch_consumer_lag{{stage=\"{}\",topic=\"{}\",partition=\"{}\"}} {}\n", stage,
                         label_value(l.topic), l.partition, l.lag);
    }
  };
  if (d) add("detect", d->lag);
  if (a) add("aggregate", a->lag);
}

}  // namespace brinkwatch::app
