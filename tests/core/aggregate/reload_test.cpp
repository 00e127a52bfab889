// Options swapped in by a reload (Aggregator::set_options): new policies and weights apply from
// the next record on, the state already counted stays, and options that would change the state's
// shape are refused.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/aggregate/aggregator.h"
#include "signals.h"

namespace brinkwatch::aggregate {
namespace {

using namespace sim;  // NOLINT(google-build-using-namespace): test helpers

TEST(Reload, AStricterPolicyAppliesFromTheNextRecord) {
  Aggregator agg(test_options());
  const std::string region = "country:fd";
  std::vector<Alert> out;
  agg.add(story(region, "military_deployment", kT0, 1), out);
  agg.add(story(region, "military_deployment", kT0 + kMinute, 2), out);
  ASSERT_TRUE(out.empty()) << "two stories stay below watch (2.0) under the test policy";

  // An analyst lowers the watch threshold: the third story now reaches it under the new policy.
  auto sensitive = std::make_shared<Options>(test_policy_options());
  sensitive->default_policy.name = "sensitive";
  sensitive->default_policy.watch = {1.0, 1.0};
  ASSERT_TRUE(agg.set_options(sensitive));
  EXPECT_EQ(agg.options().default_policy.name, "sensitive");
  agg.add(story(region, "military_deployment", kT0 + 2 * kMinute, 3), out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().region, region);
  EXPECT_EQ(out.back().policy, "sensitive") << "a region created before the swap uses the new policy";
  EXPECT_EQ(out.back().ruleset, policy_version(*sensitive)) << "alerts name the policy version that decided them";
}

TEST(Reload, NewWeightsCountOnlyForLaterRecords) {
  const std::string region = "country:fd";
  auto heavy = std::make_shared<Options>(test_policy_options());
  heavy->type_weights["arms_transfer"] = 3.0;

  // The same two arms-transfer stories, with the heavier weight swapped in before or between them.
  auto run = [&](bool swap_first) {
    Aggregator agg(test_options());
    std::vector<Alert> out;
    if (swap_first) {
      EXPECT_TRUE(agg.set_options(heavy));
    }
    agg.add(story(region, "arms_transfer", kT0, 1), out);
    if (!swap_first) {
      EXPECT_TRUE(agg.set_options(heavy));
    }
    agg.add(story(region, "arms_transfer", kT0 + kMinute, 2), out);
    return out;
  };
  // 2 × 0.9 × 3.0 = 5.4 reaches warning; 0.9 × 0.6 + 0.9 × 3.0 = 3.24 only watch.
  const auto both_heavy = run(true);
  const auto one_heavy = run(false);
  ASSERT_FALSE(both_heavy.empty());
  ASSERT_FALSE(one_heavy.empty());
  EXPECT_EQ(both_heavy.back().level, Level::warning);
  EXPECT_EQ(one_heavy.back().level, Level::watch);
}

TEST(Reload, OptionsThatReshapeTheStateAreRefused) {
  Aggregator agg(test_options());
  std::vector<Alert> out;
  agg.add(story("country:fd", "military_deployment", kT0, 1), out);

  auto windows = std::make_shared<Options>(test_policy_options());
  windows->windows.push_back({"30d", 30 * kDay});
  auto baseline = std::make_shared<Options>(test_policy_options());
  baseline->baseline_lag_ms = 7 * kDay;
  auto stories = std::make_shared<Options>(test_policy_options());
  stories->max_stories = 16;

  EXPECT_FALSE(agg.set_options(windows));
  EXPECT_FALSE(agg.set_options(baseline));
  EXPECT_FALSE(agg.set_options(stories));
  EXPECT_FALSE(agg.set_options(nullptr));
  EXPECT_EQ(agg.options().windows.size(), 4u) << "the running options stay";

  const auto changes = state_shape_changes(test_policy_options(), *windows);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "aggregate.windows");
  EXPECT_EQ(state_shape_changes(test_policy_options(), *baseline), std::vector<std::string>{"aggregate.baseline"});
  EXPECT_TRUE(state_shape_changes(test_policy_options(), test_policy_options()).empty());
}

}  // namespace
}  // namespace brinkwatch::aggregate
