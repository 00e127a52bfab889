#include "core/aggregate/aggregator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/article.h"

namespace brinkwatch::aggregate {

using nlohmann::json;

namespace {

constexpr const char* kPartitionKey = "~partition";
// Below this a decayed sum counts as gone (region state may be dropped).
constexpr double kNegligible = 1e-3;
// A region quiet for longer than this many baseline samples restarts its baseline catch-up
// from the present: by then every window and the baseline itself have decayed to nothing.
constexpr int64_t kMaxCatchUpSamples = 24 * 400;

double round3(double v) { return std::round(v * 1000) / 1000; }

// A sum of contributions, each fading as exp(-age / tau), kept as its value at time `t`.
struct Decayed {
  double v = 0;
  int64_t t = 0;

  double at(int64_t when, int64_t tau) const {
    if (v == 0) return 0;
    if (when <= t) return v;
    return v * std::exp(-static_cast<double>(when - t) / static_cast<double>(tau));
  }
  void add(double c, int64_t when, int64_t tau) {
    if (v == 0 && t == 0) {
      v = c;
      t = when;
    } else if (when >= t) {
      v = at(when, tau) + c;
      t = when;
    } else {
      // A late contribution: already as faded as it would be by now.
      v += c * std::exp(-static_cast<double>(t - when) / static_cast<double>(tau));
    }
  }
};

// One near-duplicate cluster's records of one signal type.
struct Entry {
  std::string type;
  double max_score = 0;
  double target = 0;  // what this entry has added to the windows so far
  Decayed value;      // the same, faded with the alert window
  std::vector<uint64_t> articles;  // hashes of article ids (sorted)
  std::vector<uint64_t> sources;   // hashes of publisher domains (sorted)
  Evidence best;
};

// Signatures kept per story: its first copy and the latest one, so a story that drifts through
// several updates still matches its next one.
constexpr size_t kSignaturesPerStory = 2;

struct Story {
  uint64_t id = 0;
  std::vector<MinHash> signatures;
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  std::vector<Entry> entries;
};

bool insert_sorted(std::vector<uint64_t>& v, uint64_t x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it != v.end() && *it == x) return false;
  v.insert(it, x);
  return true;
}

Level level_from(std::string_view s) {
  if (s == "watch") return Level::watch;
  if (s == "warning") return Level::warning;
  if (s == "critical") return Level::critical;
  return Level::none;
}

const Threshold& threshold(const Policy& p, Level l) {
  switch (l) {
    case Level::watch: return p.watch;
    case Level::warning: return p.warning;
    default: return p.critical;
  }
}

json evidence_json(const Evidence& e) {
  json j{{"type", e.type},       {"sentence", e.sentence}, {"url", e.url},         {"title", e.title},
         {"source", e.source},   {"score", round3(e.score)}, {"articles", e.articles}, {"sources", e.sources}};
  if (e.published_ms > 0) j["published_at"] = format_rfc3339(e.published_ms);
  return j;
}

Evidence evidence_from(const json& j) {
  Evidence e;
  e.type = j.value("type", "");
  e.sentence = j.value("sentence", "");
  e.url = j.value("url", "");
  e.title = j.value("title", "");
  e.source = j.value("source", "");
  e.score = j.value("score", 0.0);
  e.published_ms = j.value("published_ms", int64_t{0});
  return e;
}

// The most (article, type) records, and articles, a region remembers for de-duplication beyond
// its stories (Region::seen, Region::article_story). Without a bound both grew with every record
// of the last max(dedup window, alert window): a busy region's state record passed the
// producer's 1,000,000-byte limit in the soak run (docs/reliability.md, "Soak").
constexpr size_t kMaxRemembered = 2048;

// Drops the oldest entries of a (hash → ... time) map down to kMaxRemembered, once it holds a
// quarter more (so the cost is amortised over many records). Ties at the cut are broken
// arbitrarily, so the bound holds even when every entry has the same time.
template <class Map, class TimeOf>
void forget_oldest(Map& m, TimeOf time_of) {
  if (m.size() <= kMaxRemembered + kMaxRemembered / 4) return;
  std::vector<int64_t> times;
  times.reserve(m.size());
  for (const auto& kv : m) times.push_back(time_of(kv));
  const auto nth = times.begin() + static_cast<std::ptrdiff_t>(m.size() - kMaxRemembered);
  std::nth_element(times.begin(), nth, times.end());
  const int64_t cut = *nth;  // keep what is newer than cut, and enough of those at cut
  size_t excess = m.size() - kMaxRemembered;
  for (auto it = m.begin(); it != m.end() && excess > 0;) {
    if (time_of(*it) < cut) {
      it = m.erase(it);
      --excess;
    } else {
      ++it;
    }
  }
  for (auto it = m.begin(); it != m.end() && excess > 0;) {
    if (time_of(*it) == cut) {
      it = m.erase(it);
      --excess;
    } else {
      ++it;
    }
  }
}

}  // namespace

struct Aggregator::Region {
  std::string key;
  const Policy* policy = nullptr;
  std::vector<Decayed> windows;  // one per options.windows
  double mean = 0;               // baseline of the alert window's index
  double var = 0;
  int64_t next_sample_ms = -1;   // next baseline sample time; -1 before the first signal
  std::deque<double> lagging;    // samples taken but not yet in the baseline (options.baseline_lag_ms)
  std::vector<Story> stories;
  uint64_t next_story_id = 1;
  int64_t oldest_story_ms = std::numeric_limits<int64_t>::min();  // a lower bound of stories' last_ms
  // Records counted, by hash of (article, type), with the stream time they were counted at; and
  // the story of each article (its other types join it). Kept as long as stories are, in stream
  // time, so a record delivered again counts once even when it was so late that its story has
  // already been dropped; and at most kMaxRemembered of each, the newest.
  std::unordered_map<uint64_t, int64_t> seen;
  std::unordered_map<uint64_t, std::pair<uint64_t, int64_t>> article_story;
  int64_t next_prune_ms = 0;
  Level level = Level::none;
  int64_t changed_ms = 0;
  int64_t first_seen_ms = 0;
  bool de_escalated = false;  // a de-escalation signal arrived since the last change
  std::string signal_ruleset;
  std::optional<Alert> last_alert;
};

struct Aggregator::State {
  std::shared_ptr<const Options> options;
  std::string version;
  size_t alert_window = 0;
  int64_t tau = 0;  // the alert window's
  int64_t stream_ms = std::numeric_limits<int64_t>::min();
  int64_t next_eval_ms = std::numeric_limits<int64_t>::min();
  int64_t next_sweep_ms = std::numeric_limits<int64_t>::min();
  std::unordered_map<std::string, Region> regions;
  std::set<std::string> active;   // regions at a level: evaluated at every evaluation point
  std::set<std::string> changed;  // since take_changes()
  bool partition_changed = false;

  const Options& o() const { return *options; }

  Region& region(const std::string& key) {
    auto [it, inserted] = regions.try_emplace(key);
    if (inserted) {
      it->second.key = key;
      it->second.policy = &policy_for(o(), key);
      it->second.windows.resize(o().windows.size());
    }
    return it->second;
  }

  double index_at(const Region& r, int64_t t) const { return std::max(0.0, r.windows[alert_window].at(t, tau)); }

  // Baseline samples up to and including `t`, with the index as it was at each sample time.
  void catch_up_baseline(Region& r, int64_t t) {
    const int64_t step = o().baseline_sample_ms;
    if (r.next_sample_ms < 0) {
      r.next_sample_ms = (t / step + 1) * step;
      return;
    }
    if ((t - r.next_sample_ms) / step > kMaxCatchUpSamples) {
      r.mean = 0;
      r.var = 0;
      r.lagging.clear();
      r.next_sample_ms = (t / step + 1) * step;
      return;
    }
    const double alpha = 1.0 - std::exp(-static_cast<double>(step) / static_cast<double>(o().baseline_ms));
    const size_t lag = static_cast<size_t>(o().baseline_lag_ms / step);
    while (r.next_sample_ms <= t) {
      r.lagging.push_back(index_at(r, r.next_sample_ms));
      r.next_sample_ms += step;
      while (r.lagging.size() > lag) {
        const double diff = r.lagging.front() - r.mean;
        r.lagging.pop_front();
        const double incr = alpha * diff;
        r.mean += incr;
        r.var = (1 - alpha) * (r.var + diff * incr);
      }
    }
  }

  int64_t keep_ms() const { return std::max(o().dedup_window_ms, o().windows[alert_window].ms); }

  void drop_old_stories(Region& r, int64_t t) {
    const int64_t keep = keep_ms();
    // Stories only get younger, so the oldest one's expiry is a bound that saves a scan of every
    // story on every record.
    if (t - keep > r.oldest_story_ms) {
      int64_t oldest = std::numeric_limits<int64_t>::max();
      std::erase_if(r.stories, [&](const Story& s) {
        if (s.last_ms < t - keep) return true;
        oldest = std::min(oldest, s.last_ms);
        return false;
      });
      r.oldest_story_ms = oldest;
    }
    while (r.stories.size() > o().max_stories) {
      auto oldest = std::min_element(r.stories.begin(), r.stories.end(),
                                     [](const Story& a, const Story& b) { return a.last_ms < b.last_ms; });
      r.stories.erase(oldest);
    }
    if (t >= r.next_prune_ms) {
      r.next_prune_ms = t + keep / 8;
      std::erase_if(r.seen, [&](const auto& kv) { return kv.second < t - keep; });
      std::erase_if(r.article_story, [&](const auto& kv) { return kv.second.second < t - keep; });
    }
  }

  std::string alert_id(const Region& r, Level level, Level previous, int64_t when) const {
    const std::string basis = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", r.key, o().windows[alert_window].name,
                                          level_name(level), level_name(previous), when / o().evaluate_every_ms, version);
    return fmt::format("{:016x}", fnv1a64(basis));
  }

  Alert make_alert(const Region& r, Level level, Level previous, int64_t t, const char* reason) const {
    Alert a;
    a.region = r.key;
    a.level = level;
    a.previous = previous;
    a.window = o().windows[alert_window].name;
    a.policy = r.policy->name;
    a.ruleset = version;
    a.signal_ruleset = r.signal_ruleset;
    a.index = index_at(r, t);
    for (size_t i = 0; i < o().windows.size(); ++i) a.windows[o().windows[i].name] = std::max(0.0, r.windows[i].at(t, o().windows[i].ms));
    a.baseline_mean = r.mean;
    a.baseline_stddev = std::sqrt(std::max(0.0, r.var));
    a.anomaly = (a.index - a.baseline_mean) / std::max(a.baseline_stddev, o().min_stddev);
    a.changed_ms = t;
    a.first_seen_ms = level == Level::none ? r.first_seen_ms : (previous == Level::none ? t : r.first_seen_ms);
    a.reason = reason;
    a.id = alert_id(r, level, previous, t);

    // Drivers: per type, the stories of the alert window.
    const int64_t since = t - o().windows[alert_window].ms;
    std::map<std::string, std::pair<Driver, std::unordered_set<uint64_t>>> drivers;
    std::vector<std::pair<double, const Entry*>> ranked;
    for (const auto& s : r.stories) {
      if (s.last_ms < since) continue;
      for (const auto& e : s.entries) {
        auto& [d, sources] = drivers[e.type];
        d.type = e.type;
        d.articles += static_cast<uint32_t>(e.articles.size());
        d.stories += 1;
        sources.insert(e.sources.begin(), e.sources.end());
        const double v = e.value.at(t, tau);
        d.contribution += v;
        ranked.emplace_back(v, &e);
      }
    }
    for (auto& [type, ds] : drivers) {
      ds.first.sources = static_cast<uint32_t>(ds.second.size());
      ds.first.contribution = round3(ds.first.contribution);
      a.drivers.push_back(ds.first);
    }
    std::sort(a.drivers.begin(), a.drivers.end(), [](const Driver& x, const Driver& y) {
      return std::abs(x.contribution) != std::abs(y.contribution) ? std::abs(x.contribution) > std::abs(y.contribution)
                                                                  : x.type < y.type;
    });
    // Evidence: the stories that weigh most now (a de-escalation that lowered the level counts
    // as much as the strike that raised it). Ties keep a fixed order for stable records.
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
      return std::abs(x.first) > std::abs(y.first);
    });
    for (const auto& [v, e] : ranked) {
      if (a.evidence.size() >= o().evidence) break;
      Evidence ev = e->best;
      ev.articles = static_cast<uint32_t>(e->articles.size());
      ev.sources = static_cast<uint32_t>(e->sources.size());
      a.evidence.push_back(std::move(ev));
    }
    return a;
  }

  // Decides the region's level at time `t`; appends the change, if any.
  void evaluate(Region& r, int64_t t, std::vector<Alert>& out) {
    catch_up_baseline(r, t);
    const Policy& p = *r.policy;
    const double index = index_at(r, t);
    const double anomaly = (index - r.mean) / std::max(std::sqrt(std::max(0.0, r.var)), o().min_stddev);
    auto reaches = [&](Level l, double share) {
      const Threshold& th = threshold(p, l);
      return index >= th.index * share && anomaly >= th.anomaly * share;
    };
    Level target = Level::none;
    for (Level l : {Level::watch, Level::warning, Level::critical}) {
      if (reaches(l, 1.0)) target = l;
    }
    Level next = r.level;
    const char* reason = "rise";
    if (target > r.level) {
      next = target;
    } else if (target < r.level) {
      // Hysteresis: keep the highest level whose exit thresholds still hold.
      Level held = target;
      for (Level l : {Level::watch, Level::warning, Level::critical}) {
        if (l > target && l <= r.level && reaches(l, p.exit_ratio)) held = l;
      }
      if (held < r.level && t - r.changed_ms >= p.cooldown_ms) {
        next = held;
        reason = r.de_escalated ? "de-escalation" : "decay";
      }
    }
    if (next == r.level) return;
    const Level previous = r.level;
    if (previous == Level::none) r.first_seen_ms = t;
    Alert a = make_alert(r, next, previous, t, reason);
    r.level = next;
    r.changed_ms = t;
    r.de_escalated = false;
    if (next == Level::none) {
      active.erase(r.key);
    } else {
      active.insert(r.key);
    }
    r.last_alert = a;
    changed.insert(r.key);
    out.push_back(std::move(a));
  }

  bool negligible(const Region& r, int64_t t) const {
    if (r.level != Level::none || !r.stories.empty() || std::abs(r.mean) > kNegligible || r.var > kNegligible) return false;
    for (double x : r.lagging) {
      if (x > kNegligible) return false;
    }
    for (size_t i = 0; i < r.windows.size(); ++i) {
      if (std::abs(r.windows[i].at(t, o().windows[i].ms)) > kNegligible) return false;
    }
    return true;
  }

  // Moves stream time to `t`, evaluating the regions at a level at every evaluation point on the
  // way, so decay and cool-down happen at the same event times live and in a replay.
  void advance(int64_t t, std::vector<Alert>& out) {
    if (t <= stream_ms) return;
    const int64_t step = o().evaluate_every_ms;
    if (next_eval_ms == std::numeric_limits<int64_t>::min()) next_eval_ms = (t / step + 1) * step;
    while (next_eval_ms <= t) {
      if (active.empty()) {
        next_eval_ms = (t / step + 1) * step;
        break;
      }
      const std::vector<std::string> keys(active.begin(), active.end());
      for (const auto& k : keys) {
        Region& r = regions.at(k);
        drop_old_stories(r, next_eval_ms);
        evaluate(r, next_eval_ms, out);
      }
      next_eval_ms += step;
    }
    stream_ms = t;
    partition_changed = true;
    // Once a day of stream time, forget regions that have faded away entirely.
    const int64_t day = 24 * 3600 * 1000LL;
    if (next_sweep_ms == std::numeric_limits<int64_t>::min()) next_sweep_ms = (t / day + 1) * day;
    if (t >= next_sweep_ms) {
      next_sweep_ms = (t / day + 1) * day;
      for (auto it = regions.begin(); it != regions.end();) {
        drop_old_stories(it->second, t);
        if (negligible(it->second, t)) {
          changed.insert(it->first);
          it = regions.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  Aggregator::Added add(const SignalEvent& ev, std::vector<Alert>& out) {
    if (ev.region == "unlocated") return Aggregator::Added::unlocated;  // nothing to aggregate it under
    int64_t t = ev.published_ms >= 0 ? std::min(ev.published_ms, ev.detected_ms) : ev.detected_ms;
    // Older than what `seen` remembers (drop_old_stories prunes it after keep_ms of stream time):
    // whether it was counted already cannot be known any more.
    if (stream_ms != std::numeric_limits<int64_t>::min() && t < stream_ms - keep_ms()) {
      return Aggregator::Added::too_late;
    }
    advance(t, out);
    Region& r = region(ev.region);
    catch_up_baseline(r, std::max(t, stream_ms));
    const int64_t now = std::max(t, stream_ms);
    drop_old_stories(r, now);

    const uint64_t article = fnv1a64(ev.article_id);
    const uint64_t record = fnv1a64(ev.type, article);
    if (!r.seen.emplace(record, now).second) return Aggregator::Added::repeat;  // a replay changes nothing
    const uint64_t source = fnv1a64(source_domain(ev.url, ev.source));
    // The story: the one this article's other types joined, else the nearest near-duplicate
    // seen within the dedup window.
    Story* story = nullptr;
    if (auto it = r.article_story.find(article); it != r.article_story.end()) {
      for (auto& s : r.stories) {
        if (s.id == it->second.first) story = &s;
      }
    }
    if (!story && ev.minhash) {
      double best = o().min_similarity;
      for (auto& s : r.stories) {
        if (std::abs(s.last_ms - t) > o().dedup_window_ms) continue;
        for (const auto& sig : s.signatures) {
          const double sim = similarity(sig, *ev.minhash);
          if (sim >= best) {
            best = sim;
            story = &s;
          }
        }
      }
    }
    if (!story) {
      r.stories.push_back(Story{r.next_story_id++, {}, t, t, {}});
      r.oldest_story_ms = std::min(r.oldest_story_ms, t);
      story = &r.stories.back();
      if (ev.minhash) story->signatures.push_back(*ev.minhash);
    }
    r.article_story[article] = {story->id, now};
    forget_oldest(r.seen, [](const auto& kv) { return kv.second; });
    forget_oldest(r.article_story, [](const auto& kv) { return kv.second.second; });
    Entry* entry = nullptr;
    for (auto& e : story->entries) {
      if (e.type == ev.type) entry = &e;
    }
    if (!entry) {
      story->entries.push_back(Entry{});
      entry = &story->entries.back();
      entry->type = ev.type;
    }
    if (!insert_sorted(entry->articles, article)) return Aggregator::Added::repeat;  // a replay changes nothing
    insert_sorted(entry->sources, source);
    if (ev.minhash && std::find(story->signatures.begin(), story->signatures.end(), *ev.minhash) == story->signatures.end()) {
      if (story->signatures.size() >= kSignaturesPerStory) story->signatures.erase(story->signatures.begin() + 1);
      story->signatures.push_back(*ev.minhash);
    }
    story->first_ms = std::min(story->first_ms, t);
    story->last_ms = std::max(story->last_ms, t);
    if (ev.score > entry->best.score || entry->best.sentence.empty()) {
      entry->best = Evidence{ev.type, ev.sentence, ev.url, ev.title, ev.source, t, ev.score, 0, 0};
    }
    entry->max_score = std::max(entry->max_score, ev.score);

    // The story counts once; more publishers carrying it raise its weight, with diminishing
    // returns and a cap, so fifty reprints never look like fifty confirmations.
    const auto w = o().type_weights.find(ev.type);
    const double weight = w == o().type_weights.end() ? 1.0 : w->second;
    const double factor = std::min(o().max_source_factor,
                                   1.0 + o().source_boost * std::log2(static_cast<double>(entry->sources.size())));
    const double target = weight * entry->max_score * factor;
    const double delta = target - entry->target;
    entry->target = target;
    if (delta != 0) {
      for (size_t i = 0; i < r.windows.size(); ++i) r.windows[i].add(delta, t, o().windows[i].ms);
      entry->value.add(delta, t, tau);
    }
    if (weight < 0) r.de_escalated = true;
    r.signal_ruleset = ev.ruleset;
    changed.insert(r.key);
    evaluate(r, now, out);
    return Aggregator::Added::counted;
  }
};

// ---- serialisation (changelog) -------------------------------------------------------------

Aggregator::Aggregator(std::shared_ptr<const Options> options) : options_(options), s_(std::make_unique<State>()) {
  s_->options = std::move(options);
  s_->version = policy_version(*s_->options);
  const auto& ws = s_->options->windows;
  for (size_t i = 0; i < ws.size(); ++i) {
    if (ws[i].name == s_->options->alert_window) s_->alert_window = i;
  }
  s_->tau = ws.empty() ? 1 : ws[s_->alert_window].ms;
}

Aggregator::~Aggregator() = default;
Aggregator::Aggregator(Aggregator&&) noexcept = default;
Aggregator& Aggregator::operator=(Aggregator&&) noexcept = default;

Aggregator::Added Aggregator::add(const SignalEvent& event, std::vector<Alert>& out) { return s_->add(event, out); }

void Aggregator::tick(int64_t now_ms, std::vector<Alert>& out) { s_->advance(now_ms, out); }

int64_t Aggregator::stream_time() const { return s_->stream_ms; }
size_t Aggregator::regions() const { return s_->regions.size(); }
const Options& Aggregator::options() const { return *options_; }

bool Aggregator::set_options(std::shared_ptr<const Options> next) {
  if (!next || !state_shape_changes(*options_, *next).empty()) return false;
  options_ = next;
  s_->options = std::move(next);
  s_->version = policy_version(*s_->options);
  // Regions point at their policy inside the options: point them at the new ones.
  for (auto& [key, r] : s_->regions) r.policy = &policy_for(*s_->options, key);
  return true;
}

namespace {

json alert_state_json(const Alert& a);
std::optional<Alert> alert_from_json(const json& j);

}  // namespace

std::vector<std::pair<std::string, std::string>> Aggregator::take_changes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : s_->changed) {
    auto it = s_->regions.find(key);
    if (it == s_->regions.end()) {
      out.emplace_back(key, std::string());
      continue;
    }
    const Region& r = it->second;
    json windows = json::array();
    for (const auto& w : r.windows) windows.push_back({w.v, w.t});
    json stories = json::array();
    for (const auto& s : r.stories) {
      json entries = json::array();
      for (const auto& e : s.entries) {
        json best = evidence_json(e.best);
        best["published_ms"] = e.best.published_ms;
        entries.push_back({{"type", e.type},
                           {"max_score", e.max_score},
                           {"target", e.target},
                           {"value", {e.value.v, e.value.t}},
                           {"articles", e.articles},
                           {"sources", e.sources},
                           {"best", std::move(best)}});
      }
      json sigs = json::array();
      for (const auto& sig : s.signatures) sigs.push_back(to_hex(sig));
      stories.push_back({{"id", s.id}, {"signatures", std::move(sigs)}, {"first_ms", s.first_ms}, {"last_ms", s.last_ms}, {"entries", std::move(entries)}});
    }
    json j{{"v", 1},
           {"windows", std::move(windows)},
           {"mean", r.mean},
           {"var", r.var},
           {"next_sample_ms", r.next_sample_ms},
           {"lagging", r.lagging},
           {"next_story_id", r.next_story_id},
           {"seen", r.seen},
           {"article_story", r.article_story},
           {"stories", std::move(stories)},
           {"level", level_name(r.level)},
           {"changed_ms", r.changed_ms},
           {"first_seen_ms", r.first_seen_ms},
           {"de_escalated", r.de_escalated},
           {"signal_ruleset", r.signal_ruleset}};
    if (r.last_alert) j["last_alert"] = alert_state_json(*r.last_alert);
    out.emplace_back(key, j.dump());
  }
  s_->changed.clear();
  if (s_->partition_changed) {
    json p{{"v", 1}, {"stream_ms", s_->stream_ms}, {"next_eval_ms", s_->next_eval_ms}, {"next_sweep_ms", s_->next_sweep_ms}};
    out.emplace_back(kPartitionKey, p.dump());
    s_->partition_changed = false;
  }
  return out;
}

bool Aggregator::restore(std::string_view key, std::string_view value) {
  const std::string k(key);
  if (value.empty()) {
    s_->regions.erase(k);
    s_->active.erase(k);
    return true;
  }
  try {
    const json j = json::parse(value);
    if (j.value("v", 0) != 1) return false;
    if (k == kPartitionKey) {
      // Read everything before keeping anything: a record missing a field changes nothing.
      const auto stream = j.at("stream_ms").get<int64_t>();
      const auto eval = j.at("next_eval_ms").get<int64_t>();
      const auto sweep = j.at("next_sweep_ms").get<int64_t>();
      s_->stream_ms = stream;
      s_->next_eval_ms = eval;
      s_->next_sweep_ms = sweep;
      return true;
    }
    Region r;
    r.key = k;
    r.policy = &policy_for(*s_->options, k);
    const auto& ws = j.at("windows");
    r.windows.resize(s_->options->windows.size());
    // Windows are matched by position; a changed window list starts the sums afresh.
    if (ws.size() == r.windows.size()) {
      for (size_t i = 0; i < ws.size(); ++i) r.windows[i] = Decayed{ws[i].at(0).get<double>(), ws[i].at(1).get<int64_t>()};
    }
    r.mean = j.at("mean").get<double>();
    r.var = j.at("var").get<double>();
    r.next_sample_ms = j.at("next_sample_ms").get<int64_t>();
    for (const auto& x : j.at("lagging")) r.lagging.push_back(x.get<double>());
    r.next_story_id = j.value("next_story_id", uint64_t{1});
    if (j.contains("seen")) r.seen = j.at("seen").get<std::unordered_map<uint64_t, int64_t>>();
    if (j.contains("article_story")) {
      r.article_story = j.at("article_story").get<std::unordered_map<uint64_t, std::pair<uint64_t, int64_t>>>();
    }
    for (const auto& sj : j.at("stories")) {
      Story s;
      s.id = sj.value("id", uint64_t{0});
      for (const auto& h : sj.at("signatures")) {
        if (auto m = minhash_from_hex(h.get<std::string>())) s.signatures.push_back(*m);
      }
      s.first_ms = sj.at("first_ms").get<int64_t>();
      s.last_ms = sj.at("last_ms").get<int64_t>();
      for (const auto& ej : sj.at("entries")) {
        Entry e;
        e.type = ej.at("type").get<std::string>();
        e.max_score = ej.at("max_score").get<double>();
        e.target = ej.at("target").get<double>();
        e.value = Decayed{ej.at("value").at(0).get<double>(), ej.at("value").at(1).get<int64_t>()};
        e.articles = ej.at("articles").get<std::vector<uint64_t>>();
        e.sources = ej.at("sources").get<std::vector<uint64_t>>();
        e.best = evidence_from(ej.at("best"));
        s.entries.push_back(std::move(e));
      }
      r.stories.push_back(std::move(s));
    }
    r.level = level_from(j.at("level").get<std::string>());
    r.changed_ms = j.at("changed_ms").get<int64_t>();
    r.first_seen_ms = j.at("first_seen_ms").get<int64_t>();
    r.de_escalated = j.value("de_escalated", false);
    r.signal_ruleset = j.value("signal_ruleset", "");
    if (j.contains("last_alert")) r.last_alert = alert_from_json(j.at("last_alert"));
    if (r.level != Level::none) {
      s_->active.insert(k);
    } else {
      s_->active.erase(k);
    }
    s_->regions[k] = std::move(r);
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

std::vector<Alert> Aggregator::current_alerts() const {
  std::vector<Alert> out;
  std::vector<std::string> keys;
  for (const auto& [k, r] : s_->regions) {
    if (r.last_alert) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) out.push_back(*s_->regions.at(k).last_alert);
  return out;
}

// ---- the alert record ----------------------------------------------------------------------

namespace {

json alert_state_json(const Alert& a) { return json::parse(a.to_json()); }

std::optional<Alert> alert_from_json(const json& j) {
  Alert a;
  a.id = j.value("id", "");
  a.region = j.value("region", "");
  a.level = level_from(j.value("level", ""));
  a.previous = level_from(j.value("previous_level", ""));
  a.window = j.value("window", "");
  a.policy = j.value("policy", "");
  a.ruleset = j.value("ruleset", "");
  a.signal_ruleset = j.value("signal_ruleset", "");
  a.index = j.value("index", 0.0);
  if (j.contains("windows")) a.windows = j.at("windows").get<std::map<std::string, double>>();
  if (j.contains("baseline")) {
    a.baseline_mean = j.at("baseline").value("mean", 0.0);
    a.baseline_stddev = j.at("baseline").value("stddev", 0.0);
  }
  a.anomaly = j.value("anomaly", 0.0);
  for (const auto& d : j.value("drivers", json::array())) {
    a.drivers.push_back(Driver{d.value("type", ""), d.value("articles", 0u), d.value("stories", 0u),
                               d.value("sources", 0u), d.value("contribution", 0.0)});
  }
  for (const auto& e : j.value("evidence", json::array())) {
    Evidence ev = evidence_from(e);
    if (e.contains("published_at")) ev.published_ms = parse_rfc3339(e.at("published_at").get<std::string>()).value_or(0);
    ev.articles = e.value("articles", 0u);
    ev.sources = e.value("sources", 0u);
    a.evidence.push_back(std::move(ev));
  }
  a.first_seen_ms = parse_rfc3339(j.value("first_seen", "")).value_or(0);
  a.changed_ms = parse_rfc3339(j.value("changed_at", "")).value_or(0);
  a.reason = j.value("reason", "");
  return a;
}

}  // namespace

std::string Alert::to_json() const {
  json drivers_j = json::array();
  for (const auto& d : drivers) {
    drivers_j.push_back({{"type", d.type},
                         {"articles", d.articles},
                         {"stories", d.stories},
                         {"sources", d.sources},
                         {"contribution", round3(d.contribution)}});
  }
  json evidence_j = json::array();
  for (const auto& e : evidence) evidence_j.push_back(evidence_json(e));
  json windows_j = json::object();
  for (const auto& [name, v] : windows) windows_j[name] = round3(v);
  json j{{"schema", kAlertSchema},
         {"id", id},
         {"region", region},
         {"level", level_name(level)},
         {"previous_level", level_name(previous)},
         {"reason", reason},
         {"window", window},
         {"index", round3(index)},
         {"windows", std::move(windows_j)},
         {"baseline", {{"mean", round3(baseline_mean)}, {"stddev", round3(baseline_stddev)}}},
         {"anomaly", round3(anomaly)},
         {"drivers", std::move(drivers_j)},
         {"evidence", std::move(evidence_j)},
         {"first_seen", format_rfc3339(first_seen_ms)},
         {"changed_at", format_rfc3339(changed_ms)},
         {"updated_at", format_rfc3339(changed_ms)},
         {"policy", policy},
         {"ruleset", ruleset}};
  if (!signal_ruleset.empty()) j["signal_ruleset"] = signal_ruleset;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace brinkwatch::aggregate
