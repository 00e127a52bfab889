// The reload decision (app/reload.h) on a scratch config folder: what a reload may change, what it
// refuses by key, what it keeps when the new files are broken, and when the file watch fires.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/reload.h"

namespace brinkwatch::app {
namespace {
namespace fs = std::filesystem;

constexpr const char* kConfig =
    "detect:\n  rules: [rules/*.yaml]\n  gazetteer: [geo.yaml]\n"
    "topics:\n  signals: brinkwatch.signals\n"
    "aggregate:\n  evidence: 5\n";
constexpr const char* kRule = "lang: en\nrules:\n  - id: r1\n    type: use_of_force\n    any: [shelled]\n";
constexpr const char* kRule2 = "lang: en\nrules:\n  - id: r2\n    type: threat_of_force\n    any: [ultimatum]\n";
constexpr const char* kGeo = "countries:\n  - code: VE\n    name: Venezuela\n    names: {en: [Venezuela]}\n";

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("brinkwatch_reload_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rules");
    path_ = write("brinkwatch.yaml", kConfig);
    write("rules/a.yaml", kRule);
    write("geo.yaml", kGeo);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& rel, const std::string& content) {
    const fs::path p = dir_ / rel;
    const fs::path tmp = p.string() + ".tmp";
    std::ofstream(tmp, std::ios::binary) << content;
    fs::rename(tmp, p);  // a new inode: the watch sees it even within one mtime tick
    return p.string();
  }

  // The running state: the config and engine as start-up builds them.
  Reloader start() {
    rules::Diagnostics diags;
    Config config = load_config(path_, diags);
    auto engine = load_engine(config, diags);
    EXPECT_FALSE(diags.has_errors()) << diags.str();
    EXPECT_TRUE(engine);
    return Reloader(path_, {}, std::move(config), std::move(engine));
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(ReloadTest, ANewRulesFileIsCompiledAndApplied) {
  Reloader r = start();
  const std::string before = r.engine()->version();
  write("rules/b.yaml", kRule2);
  const ReloadOutcome out = r.reload("SIGHUP");
  ASSERT_EQ(out.result, ReloadOutcome::Result::applied) << out.summary();
  EXPECT_EQ(out.previous_ruleset, before);
  EXPECT_NE(out.ruleset, before);
  EXPECT_EQ(r.engine()->version(), out.ruleset);
  EXPECT_EQ(r.engine()->stats().rules, 2u);
  EXPECT_TRUE(out.reasons.empty());
}

TEST_F(ReloadTest, NothingChangedSwapsNothing) {
  Reloader r = start();
  const auto engine = r.engine();
  const ReloadOutcome out = r.reload("SIGHUP");
  EXPECT_EQ(out.result, ReloadOutcome::Result::unchanged) << out.summary();
  EXPECT_EQ(r.engine(), engine) << "the running engine object stays";
}

TEST_F(ReloadTest, ABrokenRulesFileKeepsTheRunningRulesAndSaysWhere) {
  Reloader r = start();
  const auto engine = r.engine();
  write("rules/b.yaml", "lang: en\nrules:\n  - id: r2\n    type: threat_of_force\n    any: [\"@no_such_list\"]\n");
  const ReloadOutcome out = r.reload("SIGHUP");
  ASSERT_EQ(out.result, ReloadOutcome::Result::rejected);
  EXPECT_EQ(r.engine(), engine);
  EXPECT_EQ(out.ruleset, engine->version()) << "a rejection names the ruleset still running";
  ASSERT_FALSE(out.reasons.empty());
  EXPECT_NE(out.reasons[0].find("b.yaml:5:"), std::string::npos) << out.reasons[0];
}

TEST_F(ReloadTest, BrokenConfigYamlIsRejectedWithItsPlace) {
  Reloader r = start();
  write("brinkwatch.yaml", std::string(kConfig) + "limits: [\n");
  const ReloadOutcome out = r.reload("SIGHUP");
  ASSERT_EQ(out.result, ReloadOutcome::Result::rejected);
  ASSERT_FALSE(out.reasons.empty());
  EXPECT_NE(out.reasons[0].find("brinkwatch.yaml:"), std::string::npos) << out.reasons[0];
}

TEST_F(ReloadTest, RestartOnlyKeysAreRefusedByName) {
  Reloader r = start();
  write("brinkwatch.yaml",
        "detect:\n  rules: [rules/*.yaml]\n  gazetteer: [geo.yaml]\n"
        "topics:\n  signals: brinkwatch.signals-v2\n"
        "kafka:\n  sasl.password: hunter2\n"
        "aggregate:\n  evidence: 5\n  windows: [6h, 24h, 3d, 7d, 30d]\n");
  const ReloadOutcome out = r.reload("SIGHUP");
  ASSERT_EQ(out.result, ReloadOutcome::Result::rejected);
  ASSERT_EQ(out.reasons.size(), 1u);
  const std::string& why = out.reasons[0];
  EXPECT_NE(why.find("kafka.sasl.password"), std::string::npos) << why;
  EXPECT_NE(why.find("topics.signals"), std::string::npos) << why;
  EXPECT_NE(why.find("aggregate.windows"), std::string::npos) << why;
  EXPECT_EQ(why.find("hunter2"), std::string::npos) << "values are never shown: they may be secrets";
  EXPECT_EQ(r.config().topics.signals, "brinkwatch.signals");
}

TEST_F(ReloadTest, PolicyChangesAreApplied) {
  Reloader r = start();
  write("brinkwatch.yaml",
        "detect:\n  rules: [rules/*.yaml]\n  gazetteer: [geo.yaml]\n"
        "topics:\n  signals: brinkwatch.signals\n"
        "aggregate:\n  evidence: 3\n  levels:\n    watch: {index: 3.0, anomaly: 3.0}\n");
  const ReloadOutcome out = r.reload("SIGHUP");
  ASSERT_EQ(out.result, ReloadOutcome::Result::applied) << out.summary();
  EXPECT_NE(out.policy, out.previous_policy);
  EXPECT_EQ(out.ruleset, out.previous_ruleset);
  EXPECT_EQ(r.config().aggregate->evidence, 3u);
  EXPECT_DOUBLE_EQ(r.config().aggregate->default_policy.watch.index, 3.0);
}

TEST_F(ReloadTest, TheWatchFiresOnceAFileHasSettled) {
  Reloader r = start();
  EXPECT_FALSE(r.poll_files()) << "nothing changed since start-up";
  write("rules/b.yaml", kRule2);
  EXPECT_FALSE(r.poll_files()) << "first sight of a change: wait one interval for the writer to finish";
  const auto changed = r.poll_files();
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->find("b.yaml"), std::string::npos) << *changed;
  EXPECT_EQ(r.reload("file changed").result, ReloadOutcome::Result::applied);
  EXPECT_FALSE(r.poll_files()) << "after the reload the files are the ones it read";
  EXPECT_FALSE(r.poll_files());
}

TEST_F(ReloadTest, EventRecordsCarryTheOutcome) {
  Reloader r = start();
  write("rules/b.yaml", kRule2);
  const ReloadOutcome out = r.reload("SIGHUP");
  const std::string json = out.to_event_json(1764324000000, "host/1");
  EXPECT_NE(json.find("\"schema\":\"brinkwatch.event/1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"result\":\"applied\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"at\":\"2025-11-28T10:00:00"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ruleset\":\"" + out.ruleset + "\""), std::string::npos) << json;
}

}  // namespace
}  // namespace brinkwatch::app
