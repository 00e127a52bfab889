// Helpers for the aggregation tests: signal records built directly as SignalEvents, with event
// times in simulated milliseconds and MinHash signatures of invented texts, so days of news run
// in microseconds and no clock is read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregate/aggregator.h"
#include "core/aggregate/minhash.h"
#include "core/article.h"
#include "core/text/text.h"

namespace brinkwatch::aggregate::sim {

inline constexpr int64_t kMinute = 60 * 1000LL;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;
// 2025-03-01T00:00:00Z: a multiple of every evaluation interval used here.
inline constexpr int64_t kT0 = 1740787200000LL;

inline MinHash minhash_of(std::string_view text) { return minhash(text::fold_case(text)); }

// A news-like text of about 90 words, different for every seed: two seeds share almost no 3-word
// shingles, so their MinHash similarity is near 0 (distinct stories).
inline std::string story_text(uint64_t seed) {
  static constexpr const char* kWords[] = {
      "the",       "ministry",   "said",      "forces",     "border",    "navy",       "warships",
      "moved",     "toward",     "coast",     "officials",  "reported",  "troops",     "near",
      "capital",   "missile",    "strike",    "overnight",  "villages",  "shelling",   "artillery",
      "drones",    "launched",   "against",   "positions",  "spokesman", "denied",     "claims",
      "military",  "exercise",   "announced", "brigade",    "armoured",  "columns",    "crossed",
      "river",     "bridge",     "airport",   "port",       "harbour",   "frigate",    "destroyer",
      "carrier",   "group",      "sailed",    "strait",     "patrol",    "aircraft",   "fighter",
      "jets",      "scrambled",  "airspace",  "violation",  "warning",   "ultimatum",  "president",
      "leader",    "threatened", "retaliate", "response",   "sanctions", "embassy",    "ambassador",
      "recalled",  "talks",      "collapsed", "ceasefire",  "broke",     "down",       "residents",
      "fled",      "homes",      "casualties", "wounded",   "killed",    "hospital",   "emergency",
      "services",  "governor",   "province",  "northern",   "southern",  "eastern",    "western",
      "region",    "district",   "town",      "city",       "hills",     "valley",     "road",
      "convoy",    "supply",     "fuel",      "ammunition", "depot",     "radar",      "station",
      "satellite", "images",     "showed",    "buildup",    "battalion", "reserve",    "mobilised",
      "parliament", "vote",      "emergency", "decree",     "curfew",    "night",      "morning",
      "evening",   "week",       "month",     "yesterday",  "statement", "agency",     "witnesses"};
  constexpr size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  std::string out;
  for (int i = 0; i < 90; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    if (!out.empty()) out += (i % 15 == 0) ? ". " : " ";
    out += kWords[x % kCount];
  }
  out += ".";
  return out;
}

struct SignalSpec {
  std::string region = "country:xx";
  std::string article_id;
  std::string type = "military_deployment";
  double score = 0.9;
  std::string source = "wire.test";  // the publisher's domain; the URL is https://www.<source>/<id>
  int64_t published_ms = kT0;
  int64_t detected_ms = -1;          // -1: same as published_ms
  std::string text;                  // the article text its MinHash is computed from
  std::string sentence;              // evidence; default: derived from the article id
};

inline SignalEvent signal(const SignalSpec& s) {
  SignalEvent e;
  e.region = s.region;
  e.article_id = s.article_id;
  e.type = s.type;
  e.score = s.score;
  e.source = s.source;
  e.url = "https://www." + s.source + "/" + s.article_id;
  e.title = "Title of " + s.article_id;
  e.sentence = s.sentence.empty() ? "Evidence sentence of " + s.article_id + "." : s.sentence;
  e.ruleset = "r-test";
  e.published_ms = s.published_ms;
  e.detected_ms = s.detected_ms < 0 ? s.published_ms : s.detected_ms;
  e.minhash = minhash_of(s.text.empty() ? story_text(fnv1a64(s.article_id)) : s.text);
  return e;
}

// A distinct story: its own text (from `seed`), id and publisher.
inline SignalEvent story(const std::string& region, const std::string& type, int64_t t, uint64_t seed,
                         double score = 0.9) {
  SignalSpec s;
  s.region = region;
  s.type = type;
  s.score = score;
  s.article_id = region + "-" + type + "-" + std::to_string(seed);
  s.source = "publisher" + std::to_string(seed % 97) + ".test";
  s.published_ms = t;
  s.text = story_text(seed);
  return signal(s);
}

// The mechanism tests pin every setting they compute with, so tuning the shipped defaults does not
// move them: thresholds of round numbers (three stories of 0.9 reach watch, five warning, eight
// critical), no baseline lag (tests that need a baseline say so), and the rest as options.h has it.
inline Options test_policy_options() {
  Options o;
  o.windows = {{"6h", 6 * kHour}, {"24h", kDay}, {"3d", 3 * kDay}, {"7d", 7 * kDay}};
  o.alert_window = "3d";
  o.type_weights = {{"military_deployment", 1.0}, {"threat_of_force", 1.0},    {"use_of_force", 1.5},
                    {"regime_change_rhetoric", 0.8}, {"arms_transfer", 0.6}, {"coercive_measure", 0.6},
                    {"diplomatic_rupture", 0.8},  {"nuclear_posture", 1.5},  {"de_escalation", -1.5}};
  o.baseline_ms = 30 * kDay;
  o.baseline_sample_ms = kHour;
  o.baseline_lag_ms = 0;
  o.min_stddev = 1.0;
  o.min_similarity = 0.4;
  o.dedup_window_ms = 48 * kHour;
  o.source_boost = 0.25;
  o.max_source_factor = 2.0;
  o.evaluate_every_ms = 10 * kMinute;
  o.max_stories = 256;
  o.evidence = 5;
  o.default_policy.name = "default";
  o.default_policy.watch = {2.0, 2.0};
  o.default_policy.warning = {4.0, 3.0};
  o.default_policy.critical = {7.0, 4.0};
  o.default_policy.exit_ratio = 0.6;
  o.default_policy.cooldown_ms = 6 * kHour;
  return o;
}

inline std::shared_ptr<const Options> test_options() { return std::make_shared<const Options>(test_policy_options()); }

// Adds events in order, returning every alert.
inline std::vector<Alert> feed(Aggregator& agg, const std::vector<SignalEvent>& events) {
  std::vector<Alert> out;
  for (const auto& e : events) agg.add(e, out);
  return out;
}

inline const Driver* driver(const Alert& a, std::string_view type) {
  for (const auto& d : a.drivers) {
    if (d.type == type) return &d;
  }
  return nullptr;
}

}  // namespace brinkwatch::aggregate::sim
