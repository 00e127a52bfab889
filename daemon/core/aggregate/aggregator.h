// Per-region escalation state for the regions of one signals-topic partition: stories
// (near-duplicate clusters of signal records), decayed windows, baselines and alert levels.
//
// One Aggregator per assigned partition; single-threaded. No clock is read here: event time comes
// from the records, and the shell calls tick() with its (injected) clock only while the partition
// is caught up and idle. Same input in the same order gives the same alerts with the same ids,
// live or in `brinkwatch replay`, as long as records arrive in event-time order; an article that
// arrives late after a tick is evaluated at stream time instead (docs/alerts.md, "Time").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/aggregate/minhash.h"
#include "core/aggregate/options.h"
#include "core/result.h"

namespace brinkwatch::aggregate {

inline constexpr const char* kAlertSchema = "brinkwatch.alert/1";

// One brinkwatch.signal/1 record, the fields aggregation needs.
struct SignalEvent {
  std::string region;      // the region this record is for (its key)
  std::string article_id;
  std::string type;
  double score = 0;
  std::string source;      // publisher name
  std::string url;
  std::string title;
  std::string sentence;    // strongest evidence sentence
  std::string ruleset;
  int64_t published_ms = -1;  // -1: the article had no published_at
  int64_t detected_ms = 0;    // arrival: when the detect stage classified it
  std::optional<MinHash> minhash;  // absent: the record cannot be matched to near-duplicates
};

// Parses a signal record (JSON). `key` is the Kafka key, used when the record has no "region".
class SignalParser {
 public:
  SignalParser();
  ~SignalParser();
  SignalParser(const SignalParser&) = delete;
  SignalParser& operator=(const SignalParser&) = delete;
  Result<SignalEvent> parse(std::string_view json, std::string_view key = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The publisher a record counts as: the URL's host without "www." (lower case), else the
// source name, else "unknown".
std::string source_domain(std::string_view url, std::string_view source);

struct Driver {
  std::string type;
  uint32_t articles = 0;  // distinct articles
  uint32_t stories = 0;   // near-duplicate clusters
  uint32_t sources = 0;   // distinct publishers
  double contribution = 0;  // to the alert window's index, now
};

struct Evidence {
  std::string type;
  std::string sentence;
  std::string url;
  std::string title;
  std::string source;
  int64_t published_ms = 0;
  double score = 0;
  uint32_t articles = 0;  // copies of this story
  uint32_t sources = 0;   // publishers that carried it
};

struct Alert {
  std::string id;
  std::string region;
  Level level = Level::none;
  Level previous = Level::none;
  std::string window;           // the alert window's name
  std::string policy;           // policy name
  std::string ruleset;          // policy version (options) the alert was decided under
  std::string signal_ruleset;   // detection ruleset of the latest signal
  double index = 0;
  std::map<std::string, double> windows;  // every window's index
  double baseline_mean = 0;
  double baseline_stddev = 0;
  double anomaly = 0;
  std::vector<Driver> drivers;
  std::vector<Evidence> evidence;
  int64_t first_seen_ms = 0;  // the episode's start (when the region left `none`)
  int64_t changed_ms = 0;     // event time of this change
  std::string reason;         // "rise", "decay", "de-escalation"

  std::string to_json() const;
};

class Aggregator {
 public:
  explicit Aggregator(std::shared_ptr<const Options> options);
  ~Aggregator();
  Aggregator(Aggregator&&) noexcept;
  Aggregator& operator=(Aggregator&&) noexcept;

  // Adds one signal record. Event time is published_ms clamped to at most detected_ms (never in
  // the future of its arrival); without published_ms it is detected_ms. Stream time advances to
  // the event time first (evaluating regions at level on the way), then the record's region is
  // updated and evaluated. Alert changes are appended to `out`. A record already counted
  // (same article, type and region) changes nothing. So does a record whose event time is more
  // than the state's memory, max(dedup window, alert window), before stream time: the state has
  // forgotten which records of that time it counted, so counting it could count it twice (input
  // read again after a crash or a lost partition), and it weighs little in the alert window.
  enum class Added { counted, repeat, too_late, unlocated };
  Added add(const SignalEvent& event, std::vector<Alert>& out);
  // The wall-clock tick: advances stream time to `now_ms` if that is later, evaluating regions at
  // level at each evaluation point on the way. Call only while the partition is caught up and idle.
  void tick(int64_t now_ms, std::vector<Alert>& out);

  int64_t stream_time() const;
  size_t regions() const;
  const Options& options() const;
  // Swaps in new options between two records (a reload): weights, levels, policies and evidence
  // apply from the next record and evaluation on; what is already in the windows stays as it was
  // counted. Returns false, keeping the current options, when `next` changes the state's shape
  // (state_shape_changes).
  bool set_options(std::shared_ptr<const Options> next);

  // State for the changelog: the regions changed since the last call, each as (key, value);
  // an empty value means the region's state is gone (a tombstone). The partition's own state
  // (stream time) comes under the key "~partition".
  std::vector<std::pair<std::string, std::string>> take_changes();
  // Restores one changelog record (later records of a key replace earlier ones). Returns false
  // (and keeps nothing) for a record it cannot read.
  bool restore(std::string_view key, std::string_view value);
  // After restore: the last alert of every region that has one (including changes back to
  // "none"), to publish again with the same ids, so an alert whose delivery was cut off by a crash
  // is not lost.
  std::vector<Alert> current_alerts() const;

  struct Region;

 private:
  std::shared_ptr<const Options> options_;
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace brinkwatch::aggregate
