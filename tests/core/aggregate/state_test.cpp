// What makes the aggregate stage safe to restart and replay: replays of a record change nothing,
// the wall-clock tick does not change the alerts (replay equals live), alert ids are
// deterministic, and the changelog restores a partition's state exactly. Also event time:
// clamping of future published times and late records.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/aggregate/aggregator.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using namespace sim;  // NOLINT(google-build-using-namespace): test helpers

// Twelve days of news in five regions: a crisis that rises and ends in a ceasefire, a chronic
// conflict, a spike followed by days of silence and a return, a syndicated story, and a region
// that never reaches a level. Sorted by detection time; a few records arrive late (published
// hours before stream time).
std::vector<SignalEvent> scenario() {
  std::vector<SignalEvent> ev;
  uint64_t seed = 1;
  // Crisis: deployments, threats, strikes over two days; a ceasefire on day 4.
  for (int i = 0; i < 12; ++i) {
    const char* type = i < 4 ? "military_deployment" : (i < 7 ? "threat_of_force" : "use_of_force");
    ev.push_back(story("country:fd", type, kT0 + i * 3 * kHour + 17 * kMinute, seed++));
  }
  for (int i = 0; i < 4; ++i) ev.push_back(story("country:fd", "de_escalation", kT0 + 4 * kDay + i * kHour, seed++));
  // Chronic conflict: a story every six hours.
  for (int i = 0; i < 48; ++i) {
    ev.push_back(story("country:vv", i % 2 ? "use_of_force" : "threat_of_force", kT0 + i * 6 * kHour + 5 * kMinute,
                       seed++, 0.5 + 0.05 * (i % 5)));
  }
  // A spike, silence for six days, and a return.
  for (int i = 0; i < 6; ++i) ev.push_back(story("theatre:corvina_strait", "military_deployment", kT0 + kDay + i * 20 * kMinute, seed++));
  for (int i = 0; i < 6; ++i) ev.push_back(story("theatre:corvina_strait", "nuclear_posture", kT0 + 8 * kDay + i * 20 * kMinute, seed++));
  // A wire story syndicated by four publishers, with reprints.
  for (int i = 0; i < 12; ++i) {
    SignalSpec s;
    s.region = "country:sy";
    s.article_id = "wire-" + std::to_string(i);
    s.type = "threat_of_force";
    s.source = "pub" + std::to_string(i % 4) + ".test";
    s.published_ms = kT0 + 2 * kDay + i * 5 * kMinute;
    s.text = "DATELINE " + std::to_string(i) + " - " + story_text(424242);
    ev.push_back(signal(s));
  }
  // Background news that stays below watch.
  for (int i = 0; i < 12; ++i) ev.push_back(story("country:bg", "coercive_measure", kT0 + i * kDay + 3 * kHour, seed++, 0.5));
  // Late records: published well before they were detected.
  for (int i = 0; i < 3; ++i) {
    SignalEvent e = story("country:lt", "use_of_force", kT0 + 5 * kDay + i * kMinute, seed++);
    e.detected_ms = e.published_ms + 9 * kHour;
    ev.push_back(e);
  }
  std::stable_sort(ev.begin(), ev.end(), [](const SignalEvent& a, const SignalEvent& b) { return a.detected_ms < b.detected_ms; });
  return ev;
}

constexpr int64_t kScenarioEnd = kT0 + 14 * kDay;

void expect_same_alerts(const std::vector<Alert>& a, const std::vector<Alert>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("alert " + std::to_string(i) + " of " + a[i].region);
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].region, b[i].region);
    EXPECT_EQ(a[i].level, b[i].level);
    EXPECT_EQ(a[i].previous, b[i].previous);
    EXPECT_EQ(a[i].reason, b[i].reason);
    EXPECT_EQ(a[i].changed_ms, b[i].changed_ms);
    EXPECT_EQ(a[i].first_seen_ms, b[i].first_seen_ms);
    EXPECT_NEAR(a[i].index, b[i].index, 1e-9);
    EXPECT_NEAR(a[i].anomaly, b[i].anomaly, 1e-9);
    ASSERT_EQ(a[i].drivers.size(), b[i].drivers.size());
    for (size_t d = 0; d < a[i].drivers.size(); ++d) {
      EXPECT_EQ(a[i].drivers[d].type, b[i].drivers[d].type);
      EXPECT_EQ(a[i].drivers[d].articles, b[i].drivers[d].articles);
      EXPECT_EQ(a[i].drivers[d].stories, b[i].drivers[d].stories);
      EXPECT_EQ(a[i].drivers[d].sources, b[i].drivers[d].sources);
    }
    ASSERT_EQ(a[i].evidence.size(), b[i].evidence.size());
    for (size_t e = 0; e < a[i].evidence.size(); ++e) EXPECT_EQ(a[i].evidence[e].url, b[i].evidence[e].url);
  }
}

// The replay: every record in order, then the end of the input.
std::vector<Alert> replay(const std::vector<SignalEvent>& events, std::shared_ptr<const Options> options) {
  Aggregator agg(std::move(options));
  std::vector<Alert> out = feed(agg, events);
  agg.tick(kScenarioEnd, out);
  return out;
}

TEST(Scenario, CoversEveryKindOfChange) {
  const std::vector<Alert> alerts = replay(scenario(), test_options());
  std::map<std::string, int> reasons;
  std::set<std::string> regions;
  for (const auto& a : alerts) {
    ++reasons[a.reason];
    regions.insert(a.region);
  }
  EXPECT_GT(reasons["rise"], 0);
  EXPECT_GT(reasons["decay"], 0);
  EXPECT_GT(reasons["de-escalation"], 0);
  EXPECT_TRUE(regions.count("country:fd"));
  EXPECT_TRUE(regions.count("theatre:corvina_strait"));
  EXPECT_TRUE(regions.count("country:lt"));
  EXPECT_FALSE(regions.count("country:bg"));
}

TEST(Replays, TheSameRecordTwiceChangesNothing) {
  Aggregator once(test_options());
  Aggregator twice(test_options());
  std::vector<Alert> a;
  std::vector<Alert> b;
  const std::vector<SignalEvent> events{story("country:fd", "military_deployment", kT0, 1),
                                        story("country:fd", "military_deployment", kT0 + 10 * kMinute, 2),
                                        story("country:fd", "threat_of_force", kT0 + 20 * kMinute, 3)};
  once.add(events[0], a);
  once.add(events[1], a);
  twice.add(events[0], b);
  twice.add(events[1], b);
  (void)twice.take_changes();
  for (int round = 0; round < 3; ++round) {
    twice.add(events[0], b);
    twice.add(events[1], b);
  }
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(twice.take_changes().empty()) << "a replay changed the region's state";
  once.add(events[2], a);
  twice.add(events[2], b);
  ASSERT_EQ(a.size(), 1u);
  expect_same_alerts(a, b);
  EXPECT_EQ(driver(b[0], "military_deployment")->articles, 2u);

  // The record that raised the level, again: no second alert.
  std::vector<Alert> again;
  twice.add(events[2], again);
  EXPECT_TRUE(again.empty());
}

// Header: "A record already counted (same article, type and region) changes nothing." Also for a
// late record, published days before stream time (a slow feed, a backfill), delivered twice.
TEST(Replays, ALateRecordDeliveredTwiceCountsOnce) {
  Aggregator once(test_options());
  Aggregator twice(test_options());
  std::vector<Alert> a;
  std::vector<Alert> b;
  // Stream time is day 10; the record was published on day 8 (within the state's memory of
  // max(dedup window, alert window) = 3 days; older ones are not counted at all, see below).
  SignalEvent late = story("country:fd", "use_of_force", kT0 + 8 * kDay, 1);
  late.detected_ms = kT0 + 10 * kDay;
  for (Aggregator* agg : {&once, &twice}) {
    std::vector<Alert> ignored;
    agg->add(story("country:aa", "coercive_measure", kT0 + 10 * kDay, 2, 0.5), ignored);
    agg->add(late, ignored);
    (void)agg->take_changes();
  }
  SignalEvent again = late;
  again.detected_ms = kT0 + 10 * kDay + kMinute;  // redelivered a minute later
  twice.add(again, b);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(twice.take_changes().empty()) << "the redelivered record was counted again";
  // The same three new reports give the same alert in both.
  for (int i = 0; i < 3; ++i) {
    const SignalEvent e = story("country:fd", "threat_of_force", kT0 + 10 * kDay + (2 + i) * kMinute, 10 + i);
    once.add(e, a);
    twice.add(e, b);
  }
  ASSERT_EQ(a.size(), 1u);
  expect_same_alerts(a, b);
}

// A record older than the state's memory (max(dedup window, alert window) before stream time)
// is not counted: whether it was counted before cannot be known any more.
TEST(Replays, ARecordOlderThanTheStatesMemoryIsNotCounted) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  const int64_t now = kT0 + 10 * kDay;
  ASSERT_EQ(agg.add(story("country:aa", "coercive_measure", now, 1, 0.5), out), Aggregator::Added::counted);
  (void)agg.take_changes();
  // Keep is 3 days (the alert window; the dedup window is 48 h): one minute more is too late.
  SignalEvent old = story("country:fd", "use_of_force", now - 3 * kDay - kMinute, 2);
  old.detected_ms = now;
  for (int i = 0; i < 8; ++i) {  // enough strikes to reach critical, were they counted
    old = story("country:fd", "use_of_force", now - 3 * kDay - (i + 1) * kMinute, 10 + i);
    old.detected_ms = now;
    EXPECT_EQ(agg.add(old, out), Aggregator::Added::too_late);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(agg.take_changes().empty()) << "a record older than the state's memory changed the state";
  EXPECT_EQ(agg.stream_time(), now);
  // Exactly at the edge it still counts, late (as faded as it would be by now).
  SignalEvent edge = story("country:fd", "use_of_force", now - 3 * kDay, 30);
  edge.detected_ms = now;
  EXPECT_EQ(agg.add(edge, out), Aggregator::Added::counted);
  EXPECT_EQ(agg.add(edge, out), Aggregator::Added::repeat);
  EXPECT_EQ(agg.add(story("unlocated", "use_of_force", now, 31), out), Aggregator::Added::unlocated);
  // The first record of an empty aggregator is never too late, however old.
  Aggregator fresh(test_options());
  EXPECT_EQ(fresh.add(story("country:fd", "use_of_force", kT0 - 400 * kDay, 40), out), Aggregator::Added::counted);
}

// The soak run's finding (docs/reliability.md, "Soak"): a busy region's state grew with every
// record of the last three days until its changelog record passed the producer's 1,000,000-byte
// limit. Its de-duplication memory beyond the stories is now bounded.
TEST(Replays, ABusyRegionsStateStaysBounded) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  std::vector<SignalEvent> events;
  // 12,000 distinct reports in one region over one day (within the state's memory of 3 days).
  for (int i = 0; i < 12000; ++i) events.push_back(story("country:bz", i % 2 ? "use_of_force" : "military_deployment",
                                                         kT0 + i * 7 * 1000LL, 100000 + i, 0.6));
  for (const auto& e : events) agg.add(e, out);
  size_t largest = 0;
  for (const auto& [k, v] : agg.take_changes()) {
    if (k != "country:bz") continue;
    largest = v.size();
    const auto j = nlohmann::json::parse(v);
    EXPECT_LE(j.at("seen").size(), 2048u + 512u);
    EXPECT_LE(j.at("article_story").size(), 2048u + 512u);
    EXPECT_LE(j.at("stories").size(), 256u + 1);  // max_stories, and the newest (trimmed before each add)
  }
  ASSERT_GT(largest, 0u);
  EXPECT_LT(largest, 600000u) << "the region's changelog record";
  // The most recent records are still recognised when delivered again.
  for (size_t i = events.size() - 2000; i < events.size(); ++i) {
    EXPECT_EQ(agg.add(events[i], out), Aggregator::Added::repeat) << i;
  }
  EXPECT_TRUE(agg.take_changes().empty());
}

TEST(Replays, TheSameArticleCountsOncePerRegionAndType) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  SignalEvent e = story("country:fd", "use_of_force", kT0, 1);
  agg.add(e, out);
  e.region = "m49:150";
  agg.add(e, out);
  EXPECT_EQ(agg.regions(), 2u);
  e.region = "unlocated";  // no region to aggregate it under
  agg.add(e, out);
  EXPECT_EQ(agg.regions(), 2u);
}

TEST(Determinism, TicksBetweenRecordsDoNotChangeTheAlerts) {
  const std::vector<SignalEvent> events = scenario();
  const std::vector<Alert> replayed = replay(events, test_options());
  ASSERT_GT(replayed.size(), 8u);

  // Live: the wall clock ticks while the partition is idle, never past the next record's time.
  Aggregator live(test_options());
  std::vector<Alert> out;
  int64_t last = events.front().detected_ms;
  for (const auto& e : events) {
    const int64_t next = std::min(e.published_ms, e.detected_ms);
    for (int64_t t = last + 7 * kMinute; t <= next; t += 7 * kMinute) live.tick(t, out);
    if (next > last) live.tick(next, out);
    live.add(e, out);
    last = std::max(last, next);
  }
  for (int64_t t = last; t <= kScenarioEnd; t += 13 * kMinute) live.tick(t, out);
  live.tick(kScenarioEnd, out);
  expect_same_alerts(replayed, out);
}

TEST(Determinism, AlertIdsAreTheSameInTwoFreshAggregators) {
  const std::vector<SignalEvent> events = scenario();
  const std::vector<Alert> a = replay(events, test_options());
  const std::vector<Alert> b = replay(events, test_options());
  expect_same_alerts(a, b);
  std::set<std::string> ids;
  for (const auto& x : a) ids.insert(x.id);
  EXPECT_EQ(ids.size(), a.size()) << "two changes share an id";
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].to_json(), b[i].to_json());

  // Another policy: other ids for the same changes.
  auto other = std::make_shared<Options>(test_policy_options());
  other->default_policy.cooldown_ms = 7 * kHour;
  const std::vector<Alert> c = replay(events, other);
  ASSERT_FALSE(c.empty());
  EXPECT_FALSE(ids.count(c[0].id));
}

// The changelog topic: the latest value of each key, as compaction leaves it.
using Changelog = std::vector<std::pair<std::string, std::string>>;

void append(Changelog& log, std::vector<std::pair<std::string, std::string>> changes) {
  for (auto& c : changes) log.push_back(std::move(c));
}

// What the whole-cluster outage of docs/reliability.md did: a partition lost before its offsets
// were committed, its state restored from a changelog that already had every record, and two
// weeks of quiet regions' input read again from the start. Nothing may change: no alert, no state.
TEST(Replays, ReadingTwoWeeksAgainAfterARestoreChangesNothing) {
  std::vector<SignalEvent> events;
  // Twelve quiet regions, one ordinary report each every ~14 hours over 14 days.
  for (int day = 0; day < 14; ++day) {
    for (int r = 0; r < 12; ++r) {
      const std::string region = "country:q" + std::to_string(r);
      events.push_back(story(region, "military_deployment", kT0 + day * kDay + r * 7 * kMinute, 1000 * r + 2 * day, 0.6));
      events.push_back(story(region, "coercive_measure", kT0 + day * kDay + 14 * kHour + r * 7 * kMinute,
                             1000 * r + 2 * day + 1, 0.5));
    }
  }
  Aggregator first(test_options());
  std::vector<Alert> alerts;
  Changelog log;
  for (const auto& e : events) first.add(e, alerts);
  append(log, first.take_changes());
  const std::vector<Alert> before = first.current_alerts();

  Aggregator restored(test_options());
  for (const auto& [k, v] : log) ASSERT_TRUE(restored.restore(k, v)) << k;
  (void)restored.take_changes();
  std::vector<Alert> again;
  size_t too_late = 0;
  size_t repeat = 0;
  for (const auto& e : events) {
    const Aggregator::Added a = restored.add(e, again);
    too_late += a == Aggregator::Added::too_late;
    repeat += a == Aggregator::Added::repeat;
  }
  EXPECT_TRUE(again.empty()) << again.size() << " alerts from input read a second time, first "
                             << (again.empty() ? "" : again[0].region + " " + level_name(again[0].level));
  EXPECT_TRUE(restored.take_changes().empty()) << "input read again changed the state";
  EXPECT_EQ(too_late + repeat, events.size());
  EXPECT_GT(too_late, 0u);  // the first eleven days
  EXPECT_GT(repeat, 0u);    // the last three, remembered
  const std::vector<Alert> after = restored.current_alerts();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].id, before[i].id);
}

TEST(Changelog, RestoredStateContinuesLikeAnUninterruptedAggregator) {
  const std::vector<SignalEvent> events = scenario();
  for (size_t split : {events.size() / 4, events.size() / 2, events.size() - 5}) {
    SCOPED_TRACE("split at " + std::to_string(split));
    // Uninterrupted, remembering which alerts came after the split.
    Aggregator whole(test_options());
    std::vector<Alert> before;
    for (size_t i = 0; i < split; ++i) whole.add(events[i], before);
    const std::vector<Alert> at_split = whole.current_alerts();
    std::vector<Alert> after;
    for (size_t i = split; i < events.size(); ++i) whole.add(events[i], after);
    whole.tick(kScenarioEnd, after);

    // The first instance writes its changes after every batch of 10 records, then dies.
    Changelog log;
    int64_t first_stream_time = 0;
    {
      Aggregator first(test_options());
      std::vector<Alert> ignored;
      for (size_t i = 0; i < split; ++i) {
        first.add(events[i], ignored);
        if (i % 10 == 9) append(log, first.take_changes());
      }
      append(log, first.take_changes());
      EXPECT_TRUE(first.take_changes().empty());
      first_stream_time = first.stream_time();
    }
    // The second reads the whole changelog, in order.
    Aggregator second(test_options());
    for (const auto& [k, v] : log) EXPECT_TRUE(second.restore(k, v)) << k;
    // A compacted changelog: the latest record of each key.
    std::map<std::string, std::string> compacted;
    for (const auto& [k, v] : log) compacted[k] = v;
    Aggregator third(test_options());
    for (const auto& [k, v] : compacted) EXPECT_TRUE(third.restore(k, v)) << k;

    for (Aggregator* restored : {&second, &third}) {
      EXPECT_EQ(restored->stream_time(), first_stream_time);
      // Alerts to publish again: the last change of every region that has one, with its id.
      const std::vector<Alert> current = restored->current_alerts();
      ASSERT_EQ(current.size(), at_split.size());
      for (size_t i = 0; i < current.size(); ++i) {
        EXPECT_EQ(current[i].id, at_split[i].id);
        EXPECT_EQ(current[i].region, at_split[i].region);
        EXPECT_EQ(current[i].level, at_split[i].level);
        EXPECT_EQ(current[i].changed_ms, at_split[i].changed_ms);
      }
      std::vector<Alert> continued;
      for (size_t i = split; i < events.size(); ++i) restored->add(events[i], continued);
      restored->tick(kScenarioEnd, continued);
      expect_same_alerts(after, continued);
    }
  }
}

TEST(Changelog, StreamTimeIsRestored) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.add(story("country:fd", "military_deployment", kT0 + 5 * kMinute, 1), out);
  agg.tick(kT0 + 3 * kHour, out);
  Changelog log;
  append(log, agg.take_changes());
  Aggregator restored(test_options());
  for (const auto& [k, v] : log) ASSERT_TRUE(restored.restore(k, v));
  EXPECT_EQ(restored.stream_time(), kT0 + 3 * kHour);
  EXPECT_EQ(restored.regions(), 1u);
}

TEST(Changelog, CurrentAlertsAreTheLastAlertOfEveryRegionThatHasOne) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  for (int i = 0; i < 5; ++i) agg.add(story("country:fd", "military_deployment", kT0 + i * kMinute, 10 + i), out);
  for (int i = 0; i < 3; ++i) agg.add(story("country:aa", "military_deployment", kT0 + 10 * kMinute + i * kMinute, 20 + i), out);
  agg.add(story("country:bg", "military_deployment", kT0 + 20 * kMinute, 30), out);
  ASSERT_EQ(out.size(), 3u);  // fd: watch, warning; aa: watch
  const std::vector<Alert> current = agg.current_alerts();
  ASSERT_EQ(current.size(), 2u);  // sorted by region; bg never had an alert
  EXPECT_EQ(current[0].region, "country:aa");
  EXPECT_EQ(current[0].id, out[2].id);
  EXPECT_EQ(current[1].region, "country:fd");
  EXPECT_EQ(current[1].id, out[1].id);
  EXPECT_EQ(current[1].level, Level::warning);

  Aggregator restored(test_options());
  for (const auto& [k, v] : agg.take_changes()) ASSERT_TRUE(restored.restore(k, v));
  const std::vector<Alert> again = restored.current_alerts();
  ASSERT_EQ(again.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(again[i].id, current[i].id);
    EXPECT_EQ(again[i].level, current[i].level);
    EXPECT_EQ(again[i].previous, current[i].previous);
    EXPECT_EQ(again[i].reason, current[i].reason);
    EXPECT_EQ(again[i].changed_ms, current[i].changed_ms);
    EXPECT_EQ(again[i].first_seen_ms, current[i].first_seen_ms);
    EXPECT_EQ(again[i].evidence.size(), current[i].evidence.size());
    EXPECT_EQ(again[i].to_json(), current[i].to_json());
  }

  // A tombstone removes a region.
  ASSERT_EQ(restored.regions(), 3u);
  EXPECT_TRUE(restored.restore("country:fd", ""));
  EXPECT_EQ(restored.regions(), 2u);
  ASSERT_EQ(restored.current_alerts().size(), 1u);
  EXPECT_EQ(restored.current_alerts()[0].region, "country:aa");
  // The region starts afresh: three reports make it watch again, from none.
  std::vector<Alert> fresh;
  for (int i = 0; i < 3; ++i) restored.add(story("country:fd", "threat_of_force", kT0 + kHour + i * kMinute, 40 + i), fresh);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].previous, Level::none);
  EXPECT_EQ(fresh[0].level, Level::watch);

  // Regions back at none keep their last alert, the change to none, for re-publication.
  std::vector<Alert> calm;
  agg.tick(kT0 + 10 * kDay, calm);
  const std::vector<Alert> after = agg.current_alerts();
  ASSERT_EQ(after.size(), 2u);
  for (const auto& a : after) {
    EXPECT_EQ(a.level, Level::none);
    bool published = false;
    for (const auto& c : calm) published |= c.id == a.id;
    EXPECT_TRUE(published) << a.region;
  }
}

TEST(Changelog, FadedRegionsAreDroppedWithATombstone) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  // One record each: no baseline sample is taken for a region's first record.
  agg.add(story("country:fd", "arms_transfer", kT0 + 5 * kMinute, 1, 0.9), out);
  agg.add(story("country:zz", "arms_transfer", kT0 + 5 * kMinute, 2, 0.9), out);
  (void)agg.take_changes();
  ASSERT_EQ(agg.regions(), 2u);
  // Two months later: everything has faded; the daily sweep forgets the region.
  agg.add(story("country:zz", "arms_transfer", kT0 + 60 * kDay, 3, 0.9), out);
  agg.tick(kT0 + 61 * kDay, out);
  EXPECT_EQ(agg.regions(), 1u);
  bool tombstone = false;
  for (const auto& [k, v] : agg.take_changes()) tombstone |= k == "country:fd" && v.empty();
  EXPECT_TRUE(tombstone);
}

TEST(Changelog, RestoreRejectsGarbageAndKeepsNothing) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  for (int i = 0; i < 3; ++i) agg.add(story("country:fd", "military_deployment", kT0 + i * kMinute, 10 + i), out);
  ASSERT_EQ(out.size(), 1u);
  const auto changes = agg.take_changes();
  std::string good;
  for (const auto& [k, v] : changes) {
    if (k == "country:fd") good = v;
  }
  ASSERT_FALSE(good.empty());

  Aggregator restored(test_options());
  for (const char* bad : {"not json", "{", "[]", "null", "42", "{}", R"({"v":2})", R"({"v":1})",
                          R"({"v":1,"windows":"x"})"}) {
    EXPECT_FALSE(restored.restore("country:fd", bad)) << bad;
  }
  EXPECT_FALSE(restored.restore("country:fd", good.substr(0, good.size() / 2)));
  std::string wrong_type = good;
  const auto at = wrong_type.find("\"changed_ms\":");
  ASSERT_NE(at, std::string::npos);
  wrong_type.insert(at + 13, "\"x\",\"ignored\":");
  EXPECT_FALSE(restored.restore("country:fd", wrong_type)) << wrong_type;
  EXPECT_EQ(restored.regions(), 0u);
  EXPECT_TRUE(restored.current_alerts().empty());

  EXPECT_TRUE(restored.restore("country:fd", good));
  EXPECT_EQ(restored.regions(), 1u);
  EXPECT_EQ(restored.current_alerts().size(), 1u);
}

TEST(Changelog, ABadPartitionRecordKeepsNothing) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.tick(kT0, out);
  ASSERT_EQ(agg.stream_time(), kT0);
  EXPECT_FALSE(agg.restore("~partition", "garbage"));
  EXPECT_FALSE(agg.restore("~partition", R"({"v":1,"stream_ms":"soon"})"));
  EXPECT_EQ(agg.stream_time(), kT0);
  // Header: "Returns false (and keeps nothing) for a record it cannot read."
  EXPECT_FALSE(agg.restore("~partition", R"({"v":1,"stream_ms":123})"));
  EXPECT_EQ(agg.stream_time(), kT0) << "a partition record restore() rejected still moved stream time";
}

TEST(EventTime, APublishedTimeInTheFutureIsClampedToArrival) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.add(story("country:fd", "military_deployment", kT0, 1), out);
  agg.add(story("country:fd", "military_deployment", kT0 + 5 * kMinute, 2), out);
  SignalEvent future = story("country:fd", "military_deployment", kT0 + 3 * kDay, 3);
  future.detected_ms = kT0 + 10 * kMinute;
  agg.add(future, out);
  EXPECT_EQ(agg.stream_time(), kT0 + 10 * kMinute);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].changed_ms, kT0 + 10 * kMinute);
  for (const auto& e : out[0].evidence) EXPECT_LE(e.published_ms, kT0 + 10 * kMinute);

  // No published time: arrival stands in.
  SignalEvent undated = story("country:fd", "threat_of_force", kT0, 4);
  undated.published_ms = -1;
  undated.detected_ms = kT0 + 20 * kMinute;
  agg.add(undated, out);
  EXPECT_EQ(agg.stream_time(), kT0 + 20 * kMinute);
}

TEST(EventTime, LateRecordsStillCount) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.add(story("country:aa", "coercive_measure", kT0 + 12 * kHour, 1, 0.5), out);
  ASSERT_EQ(agg.stream_time(), kT0 + 12 * kHour);
  // Three strikes published ten hours before stream time, arriving now.
  std::vector<std::pair<int64_t, double>> contributions;
  for (int i = 0; i < 3; ++i) {
    const int64_t published = kT0 + 2 * kHour + i * kMinute;
    SignalEvent late = story("country:fd", "use_of_force", published, 10 + i, 0.7);
    late.detected_ms = kT0 + 12 * kHour;
    agg.add(late, out);
    contributions.emplace_back(published, 1.5 * 0.7);
  }
  EXPECT_EQ(agg.stream_time(), kT0 + 12 * kHour);  // never moves back
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].level, Level::watch);
  EXPECT_EQ(out[0].changed_ms, kT0 + 12 * kHour);
  double expected = 0;
  for (const auto& [t, c] : contributions) expected += c * std::exp(-static_cast<double>(kT0 + 12 * kHour - t) / (3.0 * kDay));
  EXPECT_NEAR(out[0].index, expected, 1e-9);
  EXPECT_EQ(driver(out[0], "use_of_force")->articles, 3u);
  // Evidence carries the event time, not the arrival.
  ASSERT_EQ(out[0].evidence.size(), 3u);
  for (const auto& e : out[0].evidence) {
    EXPECT_GE(e.published_ms, kT0 + 2 * kHour);
    EXPECT_LE(e.published_ms, kT0 + 2 * kHour + 2 * kMinute);
  }
}

}  // namespace
}  // namespace brinkwatch::aggregate
