// Independent confirmation: reprints of one story count once, more publishers raise its weight
// with diminishing returns; and each region is measured against its own baseline.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/aggregate/aggregator.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using namespace sim;  // NOLINT(google-build-using-namespace): test helpers

constexpr const char* kWire =
    "The navy of Freedonia sent three frigates and a supply ship toward the disputed Corvina Strait "
    "on Tuesday, the defence ministry said in a statement, a day after Sylvanian patrol boats "
    "shadowed a Freedonian fishing fleet near the islands. The ministry said the ships would conduct "
    "what it called readiness patrols and would remain in the area until further notice. Sylvania's "
    "foreign minister summoned the Freedonian ambassador and warned that any incursion into its "
    "territorial waters would be met with a firm response. Satellite images published by a private "
    "company showed at least two Sylvanian corvettes leaving the port of Ostrava late on Monday.";

const char* kCities[] = {"PORT ARDEN", "OSTRAVA", "NEW CORVINA", "LISK", "MARROW BAY"};

// Copy `n` of the wire story: its own dateline (city, day, sometimes an UPDATE tag).
std::string reprint_text(int n) {
  std::string dateline = std::string(kCities[n % 5]) + ", March " + std::to_string(4 + n % 3) + " (Wire)";
  if (n % 4 == 3) dateline = "UPDATE " + std::to_string(n / 4 + 1) + "-" + dateline;
  return dateline + " - " + kWire;
}

SignalEvent reprint(int n, const std::string& publisher, int64_t t) {
  SignalSpec s;
  s.region = "country:fd";
  s.article_id = publisher + "-" + std::to_string(n);
  s.type = "military_deployment";
  s.score = 0.9;
  s.source = publisher;
  s.published_ms = t;
  s.text = reprint_text(n);
  s.sentence = "The navy of Freedonia sent three frigates toward the disputed Corvina Strait.";
  return signal(s);
}

// A different story (a strike, weight 1.5 x 1.0) an hour after the first copy: pushes the region
// over watch so the alert shows what the wire story counted for.
constexpr int64_t kProbeAt = kT0 + kHour;
SignalEvent probe() { return story("country:fd", "use_of_force", kProbeAt, 999, 1.0); }

double decay(int64_t age) { return std::exp(-static_cast<double>(age) / static_cast<double>(3 * kDay)); }

Alert probe_alert(Aggregator& agg) {
  std::vector<Alert> out;
  agg.add(probe(), out);
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? Alert{} : out[0];
}

TEST(Stories, FiftyReprintsFromOnePublisherAreOneStoryAndOneSource) {
  Aggregator single(test_options());
  std::vector<Alert> out;
  single.add(reprint(0, "wire.test", kT0), out);
  ASSERT_TRUE(out.empty());
  const Alert one = probe_alert(single);

  Aggregator fifty(test_options());
  for (int n = 0; n < 50; ++n) fifty.add(reprint(n, "wire.test", kT0 + n * kMinute), out);
  EXPECT_TRUE(out.empty()) << "reprints counted as confirmations";
  const Alert many = probe_alert(fifty);

  EXPECT_EQ(many.level, Level::watch);
  EXPECT_NEAR(many.index, one.index, 1e-9);
  EXPECT_NEAR(many.index, 0.9 * decay(kHour) + 1.5, 1e-9);
  const Driver* d = driver(many, "military_deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->articles, 50u);
  EXPECT_EQ(d->stories, 1u);
  EXPECT_EQ(d->sources, 1u);
  ASSERT_GE(many.evidence.size(), 2u);
  const Evidence& wire = many.evidence[1];
  EXPECT_EQ(wire.type, "military_deployment");
  EXPECT_EQ(wire.articles, 50u);
  EXPECT_EQ(wire.sources, 1u);
  EXPECT_EQ(wire.url.rfind("https://www.wire.test/", 0), 0u);
}

TEST(Stories, OneStoryFromFivePublishersIsRaisedByTheSourceFactorOnly) {
  const Options defaults = test_policy_options();
  const double factor = std::min(defaults.max_source_factor, 1.0 + defaults.source_boost * std::log2(5.0));
  ASSERT_NEAR(factor, 1.580482, 1e-6);

  Aggregator single(test_options());
  std::vector<Alert> out;
  single.add(reprint(0, "wire.test", kT0), out);
  const Alert one = probe_alert(single);

  Aggregator five(test_options());
  const char* publishers[] = {"wire.test", "herald.test", "gazette.test", "courier.test", "tribune.test"};
  for (int n = 0; n < 5; ++n) five.add(reprint(n, publishers[n], kT0), out);
  EXPECT_TRUE(out.empty());
  const Alert syndicated = probe_alert(five);
  const Driver* d = driver(syndicated, "military_deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->articles, 5u);
  EXPECT_EQ(d->stories, 1u);
  EXPECT_EQ(d->sources, 5u);
  EXPECT_NEAR(syndicated.index - one.index, 0.9 * (factor - 1) * decay(kHour), 1e-9);
  EXPECT_NEAR(d->contribution, 0.9 * factor * decay(kHour), 1e-3);

  // Five independent stories weigh more than three times as much.
  Aggregator independent(test_options());
  for (int n = 0; n < 5; ++n) independent.add(story("country:fd", "military_deployment", kT0, 300 + n), out);
  ASSERT_FALSE(out.empty());
  const Driver* di = driver(out.back(), "military_deployment");
  ASSERT_NE(di, nullptr);
  EXPECT_EQ(di->stories, 5u);
  EXPECT_NEAR(di->contribution, 4.5, 1e-3);
  EXPECT_LT(d->contribution * 3, di->contribution);
  EXPECT_EQ(out.back().level, Level::warning);
}

TEST(Stories, TheSourceFactorIsCapped) {
  const Options defaults = test_policy_options();
  Aggregator agg(test_options());
  std::vector<Alert> out;
  for (int n = 0; n < 32; ++n) agg.add(reprint(n, "outlet" + std::to_string(n) + ".test", kT0), out);
  EXPECT_TRUE(out.empty());  // 0.9 x 2, below watch
  const Alert a = probe_alert(agg);
  const Driver* d = driver(a, "military_deployment");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->sources, 32u);
  EXPECT_EQ(d->stories, 1u);
  EXPECT_NEAR(a.index, 0.9 * defaults.max_source_factor * decay(kHour) + 1.5, 1e-9);
}

TEST(Stories, OneArticleWithTwoTypesIsOneStory) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  SignalEvent threat = reprint(0, "wire.test", kT0);
  threat.type = "threat_of_force";
  agg.add(reprint(0, "wire.test", kT0), out);
  agg.add(threat, out);
  agg.add(story("country:fd", "threat_of_force", kT0 + 30 * kMinute, 5), out);
  ASSERT_EQ(out.size(), 1u);  // 0.9 + 0.9 + 0.9
  const Driver* d = driver(out[0], "threat_of_force");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->stories, 2u);
  EXPECT_EQ(driver(out[0], "military_deployment")->stories, 1u);
}

TEST(Stories, RecordsWithoutSignatureAreNeverMerged) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  for (int n = 0; n < 3; ++n) {
    SignalEvent e = reprint(n, "wire.test", kT0 + n * kMinute);
    e.minhash.reset();
    agg.add(e, out);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(driver(out[0], "military_deployment")->stories, 3u);
}

TEST(Stories, ReprintsOutsideTheDedupWindowAreANewStory) {
  const Options defaults = test_policy_options();
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.add(reprint(0, "wire.test", kT0), out);
  agg.add(reprint(1, "wire.test", kT0 + defaults.dedup_window_ms + kHour), out);
  agg.add(story("country:fd", "threat_of_force", kT0 + defaults.dedup_window_ms + 2 * kHour, 6, 1.0), out);
  agg.add(story("country:fd", "threat_of_force", kT0 + defaults.dedup_window_ms + 2 * kHour, 7, 1.0), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(driver(out[0], "military_deployment")->stories, 2u);
}

// A region that sees strikes and threats every few hours, for weeks, against a region that has
// been quiet: the same news means more where it is unusual. With the shipped defaults (policy
// and baseline lag), as the issue states it.
TEST(Baseline, AChronicallyViolentRegionAlertsLessOverTimeAQuietOneAtOnce) {
  Aggregator agg(std::make_shared<const Options>());
  const std::string violent = "country:vv";
  std::vector<Alert> alerts;
  std::vector<int64_t> alert_times;
  uint64_t seed = 10000;
  const int64_t days = 45;
  for (int64_t t = kT0; t < kT0 + days * kDay; t += 4 * kHour) {
    std::vector<Alert> out;
    const int k = static_cast<int>((t - kT0) / (4 * kHour));
    const char* type = k % 3 == 0 ? "use_of_force" : (k % 3 == 1 ? "threat_of_force" : "military_deployment");
    agg.add(story(violent, type, t + (k % 5) * 7 * kMinute, seed++, 0.6 + 0.1 * (k % 4)), out);
    for (auto& a : out) {
      EXPECT_EQ(a.region, violent);
      alerts.push_back(a);
    }
  }
  auto count_between = [&](int64_t from, int64_t to) {
    int n = 0;
    for (const auto& a : alerts) n += a.changed_ms >= from && a.changed_ms < to;
    return n;
  };
  const int first_week = count_between(kT0, kT0 + 7 * kDay);
  const int last_week = count_between(kT0 + (days - 7) * kDay, kT0 + days * kDay);
  EXPECT_GE(first_week, 3);  // none -> watch -> warning -> critical in the first days
  EXPECT_LE(last_week, 1);
  EXPECT_LT(last_week * 3, first_week);
  // By now the region's own baseline has absorbed the violence: it is not at critical.
  const auto current = agg.current_alerts();
  for (const auto& a : current) EXPECT_LT(a.level, Level::critical);

  // Meanwhile a quiet neighbour sees warships: it alerts on the third report.
  const int64_t now = kT0 + days * kDay;
  std::vector<Alert> out;
  for (int i = 0; i < 3; ++i) agg.add(story("country:qq", "military_deployment", now + i * 20 * kMinute, 50000 + i), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].region, "country:qq");
  EXPECT_EQ(out[0].level, Level::watch);
  EXPECT_DOUBLE_EQ(out[0].baseline_mean, 0.0);

  // The same three reports in the violent region change nothing.
  std::vector<Alert> same;
  for (int i = 0; i < 3; ++i) agg.add(story(violent, "military_deployment", now + i * 20 * kMinute, 60000 + i), same);
  EXPECT_TRUE(same.empty());
}

TEST(Baseline, AnEscalationDoesNotRaiseItsOwnBarWithinTheLag) {
  Options o = test_policy_options();
  o.baseline_lag_ms = 7 * kDay;
  Aggregator agg(std::make_shared<const Options>(o));
  // A threat every six hours for twelve days, then silence until day 30.
  std::vector<Alert> out;
  for (int i = 0; i < 48; ++i) agg.add(story("country:fd", "threat_of_force", kT0 + i * 6 * kHour, 700 + i), out);
  agg.tick(kT0 + 30 * kDay, out);
  size_t within = 0, after = 0;
  for (const auto& a : out) {
    if (a.changed_ms < kT0 + 7 * kDay) {
      ++within;
      EXPECT_DOUBLE_EQ(a.baseline_mean, 0.0) << "a sample joined the baseline before the lag";
      EXPECT_DOUBLE_EQ(a.baseline_stddev, 0.0);
    } else if (a.changed_ms >= kT0 + 8 * kDay) {
      ++after;
      EXPECT_GT(a.baseline_mean, 0.0) << "the region's history never joined its baseline";
    }
  }
  EXPECT_GE(within, 1u);  // the rise
  EXPECT_GE(after, 1u);   // the decay
  ASSERT_EQ(agg.current_alerts().size(), 1u);
  EXPECT_EQ(agg.current_alerts()[0].level, Level::none);
}

}  // namespace
}  // namespace brinkwatch::aggregate
