// Alert levels over simulated time: rise, hysteresis, cool-down, decay and de-escalation, with the
// default policy unless a test says otherwise. Event times are injected (signals.h); tick() stands
// in for the wall clock of an idle partition.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/aggregate/aggregator.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using namespace sim;  // NOLINT(google-build-using-namespace): test helpers

// The alert window's index as the model of options.h defines it: contributions fading as
// exp(-age / tau), floored at 0.
double model_index(const std::vector<std::pair<int64_t, double>>& contributions, int64_t t, int64_t tau) {
  double sum = 0;
  for (const auto& [when, c] : contributions) {
    if (when <= t) sum += c * std::exp(-static_cast<double>(t - when) / static_cast<double>(tau));
  }
  return std::max(0.0, sum);
}

constexpr int64_t kTau3d = 3 * kDay;  // the default alert window

// Ticks every `step` from after `from` up to `to`, collecting alerts.
std::vector<Alert> tick_through(Aggregator& agg, int64_t from, int64_t to, int64_t step) {
  std::vector<Alert> out;
  for (int64_t t = from + step; t <= to; t += step) agg.tick(t, out);
  agg.tick(to, out);
  return out;
}

TEST(Levels, QuietRegionRisesThroughEveryLevel) {
  auto options = test_options();
  Aggregator agg(options);
  const std::string region = "country:fd";
  // A crisis within hours: deployments, then threats, then strikes; each a different story from a
  // different publisher.
  const std::vector<std::pair<const char*, int>> plan{
      {"military_deployment", 1}, {"military_deployment", 2}, {"threat_of_force", 3}, {"threat_of_force", 4},
      {"use_of_force", 5},        {"use_of_force", 6},        {"use_of_force", 7}};
  std::vector<std::vector<Alert>> per_event;
  std::vector<int64_t> times;
  for (size_t i = 0; i < plan.size(); ++i) {
    const int64_t t = kT0 + static_cast<int64_t>(i) * 30 * kMinute;
    times.push_back(t);
    std::vector<Alert> out;
    agg.add(story(region, plan[i].first, t, static_cast<uint64_t>(plan[i].second)), out);
    per_event.push_back(std::move(out));
  }
  // Index after each event: 0.9, 1.8, 2.7 (watch), 3.6, 4.9 (warning), 6.2, 7.5 (critical),
  // less a little decay.
  const std::vector<size_t> expected_counts{0, 0, 1, 0, 1, 0, 1};
  for (size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(per_event[i].size(), expected_counts[i]) << "event " << i;
  ASSERT_EQ(per_event[2].size(), 1u);
  ASSERT_EQ(per_event[4].size(), 1u);
  ASSERT_EQ(per_event[6].size(), 1u);
  const Alert& watch = per_event[2][0];
  const Alert& warning = per_event[4][0];
  const Alert& critical = per_event[6][0];

  EXPECT_EQ(watch.level, Level::watch);
  EXPECT_EQ(watch.previous, Level::none);
  EXPECT_EQ(warning.level, Level::warning);
  EXPECT_EQ(warning.previous, Level::watch);
  EXPECT_EQ(critical.level, Level::critical);
  EXPECT_EQ(critical.previous, Level::warning);
  std::set<std::string> ids;
  for (const Alert* a : {&watch, &warning, &critical}) {
    EXPECT_EQ(a->reason, "rise");
    EXPECT_EQ(a->region, region);
    EXPECT_EQ(a->window, "3d");
    EXPECT_EQ(a->policy, "default");
    EXPECT_EQ(a->ruleset, policy_version(*options));
    EXPECT_EQ(a->signal_ruleset, "r-test");
    EXPECT_EQ(a->first_seen_ms, times[2]);  // the episode began at watch
    EXPECT_EQ(a->id.size(), 16u);
    ids.insert(a->id);
    EXPECT_EQ(a->windows.size(), 4u);
    EXPECT_DOUBLE_EQ(a->windows.at("3d"), a->index);
    // A quiet region: no baseline to speak of, so the anomaly is about the index itself.
    EXPECT_LT(a->baseline_mean, 0.1);
    EXPECT_NEAR(a->anomaly, a->index - a->baseline_mean, 1e-9);
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(watch.changed_ms, times[2]);
  EXPECT_EQ(warning.changed_ms, times[4]);
  EXPECT_EQ(critical.changed_ms, times[6]);

  // The index is the decayed sum of weight x score per story.
  std::vector<std::pair<int64_t, double>> contributions;
  for (size_t i = 0; i < plan.size(); ++i) {
    contributions.emplace_back(times[i], std::string(plan[i].first) == "use_of_force" ? 1.5 * 0.9 : 0.9);
  }
  EXPECT_NEAR(critical.index, model_index(contributions, times[6], kTau3d), 1e-9);
  EXPECT_GE(critical.index, 7.0);

  // Drivers per type: articles, stories and publishers, strongest first.
  ASSERT_EQ(critical.drivers.size(), 3u);
  EXPECT_EQ(critical.drivers[0].type, "use_of_force");
  for (const auto& [type, n] : std::vector<std::pair<std::string, uint32_t>>{
           {"military_deployment", 2}, {"threat_of_force", 2}, {"use_of_force", 3}}) {
    const Driver* d = driver(critical, type);
    ASSERT_NE(d, nullptr) << type;
    EXPECT_EQ(d->articles, n) << type;
    EXPECT_EQ(d->stories, n) << type;
    EXPECT_EQ(d->sources, n) << type;
    EXPECT_GT(d->contribution, 0) << type;
  }
  const Driver* early = driver(watch, "threat_of_force");
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->articles, 1u);
  EXPECT_EQ(driver(watch, "use_of_force"), nullptr);

  // Evidence: the strongest stories' sentences, with their URLs.
  ASSERT_EQ(critical.evidence.size(), options->evidence);
  EXPECT_EQ(critical.evidence[0].type, "use_of_force");
  for (const auto& e : critical.evidence) {
    EXPECT_FALSE(e.sentence.empty());
    EXPECT_EQ(e.url.rfind("https://www.publisher", 0), 0u) << e.url;
    EXPECT_NE(e.url.find(e.type), std::string::npos) << e.url;
    EXPECT_EQ(e.articles, 1u);
    EXPECT_EQ(e.sources, 1u);
  }
  ASSERT_EQ(watch.evidence.size(), 3u);

  // The alert record as JSON.
  const auto j = nlohmann::json::parse(critical.to_json());
  EXPECT_EQ(j.at("schema"), kAlertSchema);
  EXPECT_EQ(j.at("id"), critical.id);
  EXPECT_EQ(j.at("level"), "critical");
  EXPECT_EQ(j.at("previous_level"), "warning");
  EXPECT_EQ(j.at("reason"), "rise");
  EXPECT_EQ(j.at("first_seen"), format_rfc3339(times[2]));
  EXPECT_EQ(j.at("changed_at"), format_rfc3339(times[6]));
  EXPECT_EQ(j.at("drivers").size(), 3u);
  EXPECT_EQ(j.at("evidence").size(), options->evidence);
  EXPECT_TRUE(j.at("evidence")[0].at("url").get<std::string>().starts_with("https://"));
}

TEST(Levels, ALowSteadyTrickleStaysBelowWatch) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  // A sanction story a day for two weeks: the index settles near 0.42 / (1 - exp(-1/3)) = 1.5,
  // below watch.
  for (int i = 0; i < 14; ++i) agg.add(story("country:fd", "coercive_measure", kT0 + i * kDay, 100 + i, 0.7), out);
  EXPECT_TRUE(out.empty());
}

struct HoverRun {
  std::vector<Alert> alerts;
  std::vector<double> hover;  // the model index at every tick
  std::vector<std::pair<int64_t, double>> contributions;
  std::vector<Alert> current;
};

// Three deployments raise watch; then, for four days, small stories (arms transfers,
// 0.6 x 1/3 = 0.2 each) every eight hours keep the index hovering between 1.7 and 2.0: below
// watch's entry threshold, above its exit at 0.6 x 2.0.
HoverRun hover_around_watch(double exit_ratio) {
  auto options = std::make_shared<Options>(test_policy_options());
  options->default_policy.exit_ratio = exit_ratio;
  Aggregator agg(options);
  HoverRun run;
  for (int i = 0; i < 3; ++i) {
    const int64_t t = kT0 + i * 10 * kMinute;
    agg.add(story("country:fd", "military_deployment", t, 10 + i), run.alerts);
    run.contributions.emplace_back(t, 0.9);
  }
  int64_t t = kT0 + 20 * kMinute;
  for (int i = 0; i < 12; ++i) {
    const int64_t next = kT0 + 30 * kHour + i * 8 * kHour;
    for (; t + 10 * kMinute <= next; t += 10 * kMinute) {
      agg.tick(t + 10 * kMinute, run.alerts);
      run.hover.push_back(model_index(run.contributions, t + 10 * kMinute, kTau3d));
    }
    agg.add(story("country:fd", "arms_transfer", next, 200 + i, 1.0 / 3), run.alerts);
    run.contributions.emplace_back(next, 0.6 / 3);
    t = next;
  }
  run.current = agg.current_alerts();
  return run;
}

TEST(Levels, HysteresisKeepsTheLevelJustBelowItsThreshold) {
  const HoverRun run = hover_around_watch(0.6);
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::watch);
  EXPECT_NEAR(run.alerts[0].index, model_index(run.contributions, run.alerts[0].changed_ms, kTau3d), 1e-9);
  // The index did hover in the band for the last three days...
  ASSERT_GT(run.hover.size(), 600u);
  for (size_t i = run.hover.size() - 3 * 24 * 6; i < run.hover.size(); ++i) {
    EXPECT_LT(run.hover[i], 2.0) << i;
    EXPECT_GT(run.hover[i], 1.6) << i;
  }
  // ...and the region stayed at watch: no flapping.
  ASSERT_EQ(run.current.size(), 1u);
  EXPECT_EQ(run.current[0].level, Level::watch);
  EXPECT_EQ(run.current[0].id, run.alerts[0].id);

  // Without hysteresis the same news drops the level as soon as the cool-down allows.
  const HoverRun strict = hover_around_watch(1.0);
  ASSERT_GE(strict.alerts.size(), 2u);
  EXPECT_EQ(strict.alerts[1].level, Level::none);
  EXPECT_EQ(strict.alerts[1].reason, "decay");
  ASSERT_EQ(strict.current.size(), 1u);  // the last alert is the change back to none
  EXPECT_EQ(strict.current[0].level, Level::none);
}

TEST(Levels, CoolDownHoldsALevelWhileTheIndexFalls) {
  // A two-hour alert window: the index falls fast, so only the cool-down holds the level.
  auto options = std::make_shared<Options>(test_policy_options());
  options->windows = {{"2h", 2 * kHour}};
  options->alert_window = "2h";
  ASSERT_EQ(options->default_policy.cooldown_ms, 6 * kHour);
  Aggregator agg(options);
  std::vector<Alert> rise;
  std::vector<std::pair<int64_t, double>> contributions;
  for (int i = 0; i < 4; ++i) {
    const int64_t t = kT0 + i * kMinute;
    agg.add(story("country:fd", "use_of_force", t, 30 + i, 1.0), rise);
    contributions.emplace_back(t, 1.5);
  }
  ASSERT_EQ(rise.size(), 2u);
  EXPECT_EQ(rise[1].level, Level::warning);
  const int64_t changed = rise[1].changed_ms;
  EXPECT_EQ(changed, kT0 + 2 * kMinute);
  // Three hours on, the index is under warning's exit (2.4) and even watch's (2.0)...
  EXPECT_LT(model_index(contributions, kT0 + 3 * kHour, 2 * kHour), 1.4);

  // ...but the level holds until the first evaluation point after the cool-down.
  const int64_t first_allowed = (changed + options->default_policy.cooldown_ms + options->evaluate_every_ms - 1) /
                                options->evaluate_every_ms * options->evaluate_every_ms;
  EXPECT_EQ(first_allowed, kT0 + 6 * kHour + 10 * kMinute);
  std::vector<Alert> held = tick_through(agg, kT0 + 3 * kMinute, first_allowed - kMinute, kMinute);
  EXPECT_TRUE(held.empty());
  std::vector<Alert> lowered;
  agg.tick(first_allowed + 5 * kMinute, lowered);
  ASSERT_EQ(lowered.size(), 1u);
  EXPECT_EQ(lowered[0].previous, Level::warning);
  EXPECT_EQ(lowered[0].level, Level::none);  // more than one step at once
  EXPECT_EQ(lowered[0].reason, "decay");
  EXPECT_EQ(lowered[0].changed_ms, first_allowed);
  EXPECT_EQ(lowered[0].first_seen_ms, rise[0].changed_ms);
}

TEST(Levels, RisesAreNeverHeldByTheCoolDown) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  for (int i = 0; i < 8; ++i) agg.add(story("country:fd", "use_of_force", kT0 + i * kMinute, 40 + i), out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].level, Level::critical);
  EXPECT_LT(out[2].changed_ms - out[0].changed_ms, 10 * kMinute);
}

// Seven strikes and threats within hours: critical.
std::vector<Alert> raise_to_critical(Aggregator& agg, const std::string& region, int64_t start) {
  std::vector<Alert> out;
  for (int i = 0; i < 7; ++i) {
    agg.add(story(region, i < 3 ? "threat_of_force" : "use_of_force", start + i * 10 * kMinute, 50 + i), out);
  }
  return out;
}

TEST(Levels, DecayBringsAQuietRegionBackToNone) {
  auto options = test_options();
  Aggregator agg(options);
  const std::vector<Alert> rise = raise_to_critical(agg, "country:fd", kT0);
  ASSERT_FALSE(rise.empty());
  ASSERT_EQ(rise.back().level, Level::critical);
  const int64_t risen = rise.back().changed_ms;

  // Ten days without news, the wall clock ticking once a minute.
  const std::vector<Alert> decay = tick_through(agg, risen, risen + 10 * kDay, kMinute);
  ASSERT_FALSE(decay.empty());
  Level previous = Level::critical;
  int64_t last_change = risen;
  for (const Alert& a : decay) {
    EXPECT_EQ(a.reason, "decay");
    EXPECT_EQ(a.previous, previous);
    EXPECT_LT(a.level, a.previous);
    EXPECT_EQ(a.changed_ms % options->evaluate_every_ms, 0) << "not at an evaluation point";
    EXPECT_GE(a.changed_ms - last_change, options->default_policy.cooldown_ms);
    EXPECT_EQ(a.first_seen_ms, rise.front().changed_ms);
    previous = a.level;
    last_change = a.changed_ms;
  }
  EXPECT_EQ(decay.back().level, Level::none);
  // The region's last alert is still there to re-publish after a restore: the change to none.
  ASSERT_EQ(agg.current_alerts().size(), 1u);
  EXPECT_EQ(agg.current_alerts()[0].id, decay.back().id);
  // The region has calmed within a week of the last strike.
  EXPECT_LT(decay.back().changed_ms - risen, 7 * kDay);

  // One tick over the same ten days decides the same changes at the same times.
  Aggregator once(options);
  raise_to_critical(once, "country:fd", kT0);
  std::vector<Alert> jumped;
  once.tick(risen + 10 * kDay, jumped);
  ASSERT_EQ(jumped.size(), decay.size());
  for (size_t i = 0; i < decay.size(); ++i) {
    EXPECT_EQ(jumped[i].id, decay[i].id);
    EXPECT_EQ(jumped[i].changed_ms, decay[i].changed_ms);
    EXPECT_DOUBLE_EQ(jumped[i].index, decay[i].index);
  }
}

TEST(Levels, DeEscalationLowersTheLevelOnceTheCoolDownAllows) {
  auto options = test_options();
  Aggregator agg(options);
  std::vector<Alert> out;
  for (int i = 0; i < 5; ++i) agg.add(story("country:fd", "military_deployment", kT0 + i * 10 * kMinute, 60 + i), out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].level, Level::warning);
  const int64_t risen = out[1].changed_ms;

  // A ceasefire an hour later, reported by four outlets in their own words: the index drops to 0
  // at once, but the level is held through the cool-down.
  std::vector<Alert> calm;
  for (int i = 0; i < 4; ++i) agg.add(story("country:fd", "de_escalation", risen + kHour + i * kMinute, 70 + i), calm);
  EXPECT_TRUE(calm.empty());
  calm = tick_through(agg, risen + kHour + 3 * kMinute, risen + options->default_policy.cooldown_ms - kMinute, kMinute);
  EXPECT_TRUE(calm.empty());
  agg.tick(risen + options->default_policy.cooldown_ms, calm);
  ASSERT_EQ(calm.size(), 1u);
  const Alert& a = calm[0];
  EXPECT_EQ(a.previous, Level::warning);
  EXPECT_EQ(a.level, Level::none);
  EXPECT_EQ(a.reason, "de-escalation");
  EXPECT_EQ(a.changed_ms, risen + options->default_policy.cooldown_ms);  // risen is an evaluation point
  EXPECT_DOUBLE_EQ(a.index, 0.0);
  const Driver* d = driver(a, "de_escalation");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->articles, 4u);
  EXPECT_EQ(d->stories, 4u);
  EXPECT_LT(d->contribution, 0);
  bool ceasefire_evidence = false;
  for (const auto& e : a.evidence) ceasefire_evidence |= e.type == "de_escalation";
  EXPECT_TRUE(ceasefire_evidence);
}

TEST(Levels, DeEscalationAfterTheCoolDownLowersAtOnce) {
  auto options = test_options();
  Aggregator agg(options);
  const std::vector<Alert> rise = raise_to_critical(agg, "country:fd", kT0);
  ASSERT_EQ(rise.back().level, Level::critical);
  // Long past the cool-down (the index has decayed, but stays above critical's exit)...
  std::vector<Alert> out;
  agg.tick(rise.back().changed_ms + 8 * kHour, out);
  ASSERT_TRUE(out.empty());
  // ...a ceasefire lowers the level at the time it is reported, not at the next evaluation point.
  const int64_t t = rise.back().changed_ms + 8 * kHour + 5 * kMinute;
  for (int i = 0; i < 6 && out.empty(); ++i) agg.add(story("country:fd", "de_escalation", t + i * kMinute, 80 + i), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].previous, Level::critical);
  EXPECT_LT(out[0].level, Level::critical);
  EXPECT_EQ(out[0].reason, "de-escalation");
  EXPECT_NE(out[0].changed_ms % options->evaluate_every_ms, 0);
}

TEST(Levels, PolicyOverridesApplyPerRegion) {
  auto options = std::make_shared<Options>(test_policy_options());
  PolicyOverride sensitive;
  sensitive.regions = {"theatre:*"};
  sensitive.policy.name = "theatres";
  sensitive.policy.watch = {0.8, 0.8};
  options->overrides.push_back(sensitive);
  EXPECT_EQ(policy_for(*options, "theatre:corvina_strait").name, "theatres");
  EXPECT_EQ(policy_for(*options, "country:fd").name, "default");

  Aggregator agg(options);
  std::vector<Alert> out;
  agg.add(story("theatre:corvina_strait", "military_deployment", kT0, 90), out);
  agg.add(story("country:fd", "military_deployment", kT0, 91), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].region, "theatre:corvina_strait");
  EXPECT_EQ(out[0].policy, "theatres");
  EXPECT_NE(policy_version(*options), policy_version(test_policy_options()));
}

}  // namespace
}  // namespace brinkwatch::aggregate
