// Alert policy and aggregation settings (the `aggregate:` section of brinkwatch.yaml, parsed by
// app/config.cpp). Plain data; every duration is in milliseconds of event time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brinkwatch::aggregate {

enum class Level : int { none = 0, watch = 1, warning = 2, critical = 3 };
const char* level_name(Level level);

// A decayed window: contributions fade as exp(-age / ms); `name` is how it is reported ("24h").
struct Window {
  std::string name;
  int64_t ms = 0;
};

// What a level needs: the index of the alert window at least `index` and the anomaly score
// (index against the region's own baseline, in standard deviations) at least `anomaly`.
struct Threshold {
  double index = 0;
  double anomaly = 0;
};

struct Policy {
  std::string name = "default";
  Threshold watch{2.5, 2.5};
  Threshold warning{4.5, 3.5};
  Threshold critical{7.5, 5.0};
  // Hysteresis: a region keeps a level while both figures stay at or above this share of the
  // level's thresholds.
  double exit_ratio = 0.6;
  // A level is held at least this long before it may be lowered.
  int64_t cooldown_ms = 6 * 3600 * 1000LL;
};

struct PolicyOverride {
  std::vector<std::string> regions;  // exact keys ("theatre:taiwan_strait") or prefixes ending in '*'
  Policy policy;
};

struct Options {
  std::vector<Window> windows{{"6h", 6 * 3600 * 1000LL},
                              {"24h", 24 * 3600 * 1000LL},
                              {"3d", 3 * 24 * 3600 * 1000LL},
                              {"7d", 7 * 24 * 3600 * 1000LL}};
  // The window levels are decided on. Crises build over days (deployments, then threats, then
  // strikes), so three days: long enough to add them up, short enough to calm down in a week.
  std::string alert_window = "3d";
  // Weight of each signal type in the index; de-escalation is negative. Types not listed: 1.0.
  std::map<std::string, double> type_weights{
      {"military_deployment", 1.0}, {"threat_of_force", 1.0},   {"use_of_force", 1.5},
      {"regime_change_rhetoric", 0.8}, {"arms_transfer", 0.6},  {"coercive_measure", 0.6},
      {"diplomatic_rupture", 0.8},  {"nuclear_posture", 1.5},  {"de_escalation", -1.5}};
  // Baseline: an exponentially weighted mean and variance of the alert window's index, sampled
  // every `baseline_sample_ms`, with this time constant. Samples join it only `baseline_lag_ms`
  // after they were taken, so an escalation is compared with the region's normal before it began
  // and does not raise its own bar within days; a region that stays violent becomes its own
  // normal after the lag.
  int64_t baseline_ms = 30LL * 24 * 3600 * 1000;
  int64_t baseline_sample_ms = 3600 * 1000LL;
  int64_t baseline_lag_ms = 7LL * 24 * 3600 * 1000;
  // The anomaly score divides by at least this standard deviation, so a region with a flat,
  // quiet history is not infinitely anomalous at its first signal.
  double min_stddev = 1.0;
  // Near-duplicates: MinHash similarity (estimated Jaccard of 3-word shingles) at least this,
  // with a story seen within dedup_window_ms.
  double min_similarity = 0.4;
  int64_t dedup_window_ms = 48 * 3600 * 1000LL;
  // A story's weight grows with the independent sources carrying it: 1 + source_boost *
  // log2(sources), at most max_source_factor.
  double source_boost = 0.25;
  double max_source_factor = 2.0;
  // Regions at a level are re-evaluated at every multiple of this (event time), so they decay and
  // cool down even when nothing new arrives. Also the time bucket of alert ids.
  int64_t evaluate_every_ms = 10 * 60 * 1000LL;
  // Stories kept per region (the oldest go first) and evidence sentences per alert.
  size_t max_stories = 256;
  size_t evidence = 5;
  Policy default_policy;
  std::vector<PolicyOverride> overrides;  // first match wins
};

// The policy for a region key.
const Policy& policy_for(const Options& options, const std::string& region);

// A stable hash of every setting above: part of each alert id, so alerts raised under different
// policies never share an id.
std::string policy_version(const Options& options);

// The options that shape a region's state (windows, the alert window, the baseline, near-duplicate
// matching, the evaluation grid, the story limit), as config keys, where `next` differs from
// `current`. State kept under `current` cannot be carried over to options that change any of
// these, so a reload refuses them; the rest (weights, levels, policies, evidence) can be swapped
// in between two records.
std::vector<std::string> state_shape_changes(const Options& current, const Options& next);

}  // namespace brinkwatch::aggregate
