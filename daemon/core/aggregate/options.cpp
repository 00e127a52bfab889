#include "core/aggregate/options.h"

#include <fmt/format.h>

#include "core/article.h"

namespace brinkwatch::aggregate {

const char* level_name(Level level) {
  switch (level) {
    case Level::none: return "none";
    case Level::watch: return "watch";
    case Level::warning: return "warning";
    case Level::critical: return "critical";
  }
  return "none";
}

const Policy& policy_for(const Options& options, const std::string& region) {
  for (const auto& o : options.overrides) {
    for (const auto& pattern : o.regions) {
      if (!pattern.empty() && pattern.back() == '*') {
        if (region.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0) return o.policy;
      } else if (region == pattern) {
        return o.policy;
      }
    }
  }
  return options.default_policy;
}

namespace {

void add_policy(std::string& s, const Policy& p) {
  s += fmt::format("policy {} {} {} {} {} {} {} {} {}\n", p.name, p.watch.index, p.watch.anomaly, p.warning.index,
                   p.warning.anomaly, p.critical.index, p.critical.anomaly, p.exit_ratio, p.cooldown_ms);
}

}  // namespace

std::string policy_version(const Options& o) {
  std::string s;
  for (const auto& w : o.windows) s += fmt::format("window {} {}\n", w.name, w.ms);
  s += fmt::format("alert_window {}\n", o.alert_window);
  for (const auto& [type, w] : o.type_weights) s += fmt::format("weight {} {}\n", type, w);
  s += fmt::format("baseline {} {} {} {}\n", o.baseline_ms, o.baseline_sample_ms, o.baseline_lag_ms, o.min_stddev);
  s += fmt::format("dedup {} {} {} {}\n", o.min_similarity, o.dedup_window_ms, o.source_boost, o.max_source_factor);
  s += fmt::format("evaluate {} {} {}\n", o.evaluate_every_ms, o.max_stories, o.evidence);
  add_policy(s, o.default_policy);
  for (const auto& ov : o.overrides) {
    for (const auto& r : ov.regions) s += fmt::format("for {}\n", r);
    add_policy(s, ov.policy);
  }
  return fmt::format("p{:08x}", fnv1a64(s) & 0xffffffffULL);
}

std::vector<std::string> state_shape_changes(const Options& current, const Options& next) {
  std::vector<std::string> out;
  auto windows = [](const Options& o) {
    std::vector<int64_t> v;
    for (const auto& w : o.windows) v.push_back(w.ms);
    return v;
  };
  if (windows(current) != windows(next)) out.emplace_back("aggregate.windows");
  if (current.alert_window != next.alert_window) out.emplace_back("aggregate.alert_window");
  if (current.baseline_ms != next.baseline_ms || current.baseline_sample_ms != next.baseline_sample_ms ||
      current.baseline_lag_ms != next.baseline_lag_ms || current.min_stddev != next.min_stddev) {
    out.emplace_back("aggregate.baseline");
  }
  if (current.min_similarity != next.min_similarity || current.dedup_window_ms != next.dedup_window_ms) {
    out.emplace_back("aggregate.dedup.min_similarity/window");
  }
  if (current.evaluate_every_ms != next.evaluate_every_ms) out.emplace_back("aggregate.evaluate_every");
  if (current.max_stories != next.max_stories) out.emplace_back("aggregate.max_stories");
  return out;
}

}  // namespace brinkwatch::aggregate
