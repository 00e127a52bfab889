#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "app/config.h"
#include "core/aggregate/options.h"

namespace brinkwatch::app {
namespace {
namespace fs = std::filesystem;

// A scratch folder per test, removed afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("brinkwatch_config_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rules");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& rel, const std::string& content) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  fs::path dir_;
};

constexpr const char* kRule =
    "lang: en\nrules:\n  - id: r1\n    type: use_of_force\n    any: [shelled]\n";
constexpr const char* kGeo =
    "countries:\n  - code: VE\n    name: Venezuela\n    names: {en: [Venezuela]}\n";

TEST_F(ConfigTest, MinimalConfigLoadsAndBuilds) {
  write("rules/a.yaml", kRule);
  write("geo.yaml", kGeo);
  const std::string path = write("bw.yaml", "detect:\n  rules: [rules/*.yaml]\n  gazetteer: [geo.yaml]\n  min_score: 0.7\n"
                                            "input:\n  max_message_bytes: 2048\n  fields:\n    title: [name]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  EXPECT_EQ(c.rule_globs, (std::vector<std::string>{"rules/*.yaml"}));
  EXPECT_DOUBLE_EQ(c.detect.min_score, 0.7);
  EXPECT_EQ(c.detect.max_evidence, 3u);
  EXPECT_EQ(c.limits.max_bytes, 2048u);
  EXPECT_EQ(c.fields.title, (std::vector<std::string>{"name"}));
  EXPECT_EQ(c.fields.text, (FieldMap{}.text));
  auto engine = load_engine(c, diags);
  ASSERT_TRUE(engine) << diags.str();
  EXPECT_EQ(engine->stats().rules, 1u);
  EXPECT_EQ(engine->stats().place_names, 1u);
}

TEST_F(ConfigTest, UnknownKeysWithFileLineColumn) {
  const std::string path = write("bw.yaml",
                                 "detect:\n"
                                 "  rules: [rules/*.yaml]\n"
                                 "  min_scor: 0.5\n"
                                 "inputs: {}\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  EXPECT_EQ(diags.str(),
            path + ":4:1: error[unknown-key]: unknown key \"inputs\" in the config; expected one of: detect, input, "
                   "kafka, topics, group, limits, embedded, aggregate, http, log, reload\n" +
            path + ":3:3: error[unknown-key]: unknown key \"min_scor\" in detect; expected one of: rules, gazetteer, "
                   "min_score, max_evidence, max_hits\n");
}

TEST_F(ConfigTest, UnknownFieldName) {
  const std::string path = write("bw.yaml", "detect:\n  rules: [r.yaml]\ninput:\n  fields:\n    headline: [h]\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  EXPECT_EQ(diags.str(), path + ":5:5: error[unknown-key]: unknown key \"headline\" in input.fields; expected one of: "
                                "id, url, source, published_at, lang, title, text, html\n");
}

TEST_F(ConfigTest, WrongTypes) {
  const std::string path = write("bw.yaml",
                                 "detect:\n"
                                 "  rules: {a: b}\n"
                                 "  min_score: high\n"
                                 "  max_evidence: 1000\n"
                                 "input:\n"
                                 "  max_json_depth: [1]\n"
                                 "  fields:\n"
                                 "    title: [[nested]]\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  EXPECT_EQ(diags.str(),
            path + ":2:10: error[wrong-type]: detect.rules must be a list of strings\n" +
            path + ":3:14: error[wrong-type]: detect.min_score must be a number\n" +
            path + ":4:17: error[bad-value]: detect.max_evidence must be between 1 and 100\n" +
            path + ":2:3: error[missing-key]: detect.rules must name at least one rules file\n" +
            path + ":6:19: error[wrong-type]: input.max_json_depth must be a number\n" +
            path + ":8:13: error[wrong-type]: each entry of input.fields.title must be a string\n");
}

TEST_F(ConfigTest, NotAMappingAndSyntaxErrors) {
  {
    const std::string path = write("list.yaml", "- a\n- b\n");
    rules::Diagnostics diags;
    load_config(path, diags);
    EXPECT_EQ(diags.str(), path + ":1:1: error[wrong-type]: the config must be a mapping (detect:, input:, ...)\n");
  }
  {
    const std::string path = write("bad.yaml", "detect:\n  rules: [a\n");
    rules::Diagnostics diags;
    load_config(path, diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].code, "yaml-syntax");
    EXPECT_EQ(diags.items()[0].file, path);
    EXPECT_GT(diags.items()[0].line, 0);
  }
  {
    const std::string path = write("nodetect.yaml", "input: {}\n");
    rules::Diagnostics diags;
    load_config(path, diags);
    EXPECT_EQ(diags.str(), path + ":1:1: error[missing-key]: the config needs a detect: section naming rules: and gazetteer:\n");
  }
}

TEST_F(ConfigTest, MissingFile) {
  rules::Diagnostics diags;
  const std::string path = (dir_ / "absent.yaml").string();
  load_config(path, diags);
  EXPECT_EQ(diags.str(), path + ": error[cannot-read]: cannot read the config file\n");
}

TEST_F(ConfigTest, ResolveInsideRefusesEscapes) {
  const std::string path = write("bw.yaml", "detect:\n  rules: [r.yaml]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  std::string why;
  EXPECT_TRUE(resolve_inside(c, "rules/a.yaml", why));
  EXPECT_TRUE(resolve_inside(c, "rules/../geo.yaml", why));
  EXPECT_TRUE(resolve_inside(c, (dir_ / "rules" / "x.yaml").string(), why));
  const auto canon = fs::weakly_canonical(dir_).string();
  EXPECT_FALSE(resolve_inside(c, "../outside.yaml", why));
  EXPECT_EQ(why, "\"../outside.yaml\" is outside the config folder " + canon +
                     "; rule and gazetteer files must live inside it");
  EXPECT_FALSE(resolve_inside(c, "/etc/passwd", why));
  EXPECT_FALSE(resolve_inside(c, "rules/../../x.yaml", why));
}

TEST_F(ConfigTest, ResolveInsideFollowsSymlinks) {
  const fs::path outside = dir_.string() + "_outside";
  fs::create_directories(outside);
  std::ofstream(outside / "evil.yaml") << kRule;
  fs::create_directory_symlink(outside, dir_ / "link");
  const std::string path = write("bw.yaml", "detect:\n  rules: [link/evil.yaml]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  std::string why;
  EXPECT_FALSE(resolve_inside(c, "link/evil.yaml", why));
  fs::remove_all(outside);
}

TEST_F(ConfigTest, RulesOutsideTheConfigFolderAreRefused) {
  write("geo.yaml", kGeo);
  const std::string path = write("bw.yaml", "detect:\n  rules: [../elsewhere/*.yaml]\n  gazetteer: [/etc/hostname]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  EXPECT_FALSE(load_engine(c, diags));
  ASSERT_EQ(diags.items().size(), 2u);
  EXPECT_EQ(diags.items()[0].code, "outside-config-dir");
  EXPECT_EQ(diags.items()[0].file, path);
  EXPECT_NE(diags.items()[0].message.find("\"../elsewhere/*.yaml\" is outside the config folder"), std::string::npos);
  EXPECT_EQ(diags.items()[1].code, "outside-config-dir");
}

TEST_F(ConfigTest, GlobMatchingNothing) {
  write("geo.yaml", kGeo);
  const std::string path = write("bw.yaml", "detect:\n  rules: [rules/none*.yaml]\n  gazetteer: [geo.yaml]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  EXPECT_FALSE(load_engine(c, diags));
  EXPECT_EQ(diags.str(), path + ": error[no-such-file]: detect.rules: nothing matches \"rules/none*.yaml\"\n");
}

TEST_F(ConfigTest, RuleErrorsSurfaceThroughLoadEngine) {
  write("rules/a.yaml", "rules:\n  - id: r1\n    type: skirmish\n    any: [x]\n");
  write("geo.yaml", kGeo);
  const std::string path = write("bw.yaml", "detect:\n  rules: [rules/*.yaml]\n  gazetteer: [geo.yaml]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  EXPECT_FALSE(load_engine(c, diags));
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].code, "unknown-type");
  EXPECT_EQ(diags.items()[0].line, 3);
  EXPECT_EQ(diags.items()[0].column, 11);
}

TEST(ShippedConfig, LoadsAndItsEngineBuilds) {
  rules::Diagnostics diags;
  const Config c = load_config(BRINKWATCH_SOURCE_DIR "/config/brinkwatch.yaml", diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  EXPECT_DOUBLE_EQ(c.detect.min_score, 0.5);
  EXPECT_EQ(c.limits.max_bytes, 4194304u);
  auto engine = load_engine(c, diags);
  ASSERT_TRUE(engine) << diags.str();
  EXPECT_FALSE(diags.has_errors()) << diags.str();
  EXPECT_GT(engine->stats().rules, 10u);  // others edit the rules: only a sanity floor
  EXPECT_GT(engine->stats().place_names, 1000u);
  EXPECT_GT(engine->gazetteer().countries.size(), 190u);
  EXPECT_EQ(engine->version().size(), 12u);
}

TEST_F(ConfigTest, DaemonSectionsHaveDefaults) {
  const std::string path = write("bw.yaml", "detect:\n  rules: [r.yaml]\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  EXPECT_EQ(c.topics.articles, "brinkwatch.articles");
  EXPECT_EQ(c.topics.signals, "brinkwatch.signals");
  EXPECT_EQ(c.topics.dead_letter, "brinkwatch.dead-letter");
  EXPECT_EQ(c.group, "brinkwatch-detect");
  EXPECT_EQ(c.run_limits.max_in_flight_per_partition, 1000u);
  EXPECT_EQ(c.run_limits.workers, 2u);
  EXPECT_EQ(c.run_limits.shutdown_deadline_ms, 10000);
  EXPECT_EQ(c.embedded.partitions, 4);
  EXPECT_TRUE(c.kafka.empty());
}

TEST_F(ConfigTest, KafkaPropertiesPassThroughAsStrings) {
  const std::string path = write("bw.yaml",
                                 "detect:\n  rules: [r.yaml]\n"
                                 "kafka:\n"
                                 "  bootstrap.servers: b1:9092,b2:9092\n"
                                 "  linger.ms: 20\n"
                                 "  enable.ssl.certificate.verification: yes\n"
                                 "  sasl.password: \"s3cret\"\n"
                                 "topics:\n  signals: my.signals\n"
                                 "group: g1\n"
                                 "limits:\n  workers: 4\n  max_in_flight_per_partition: 50\n"
                                 "embedded:\n  partitions: 8\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags);
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  ASSERT_EQ(c.kafka.size(), 4u);
  EXPECT_EQ(c.kafka[0].key, "bootstrap.servers");
  EXPECT_EQ(c.kafka[0].value, "b1:9092,b2:9092");
  EXPECT_EQ(c.kafka[0].line, 4);
  EXPECT_EQ(c.kafka[1].value, "20");
  EXPECT_EQ(c.kafka[2].value, "true");
  EXPECT_EQ(c.kafka_property("sasl.password")->value, "s3cret");
  EXPECT_EQ(printable_property("sasl.password", "s3cret"), "[redacted]");
  EXPECT_EQ(printable_property("ssl.key.pem", "-----BEGIN"), "[redacted]");
  EXPECT_EQ(printable_property("linger.ms", "20"), "20");
  EXPECT_EQ(c.topics.signals, "my.signals");
  EXPECT_EQ(c.group, "g1");
  EXPECT_EQ(c.run_limits.workers, 4u);
  EXPECT_EQ(c.run_limits.max_in_flight_per_partition, 50u);
  EXPECT_EQ(c.embedded.partitions, 8);
}

TEST_F(ConfigTest, DaemonSectionErrorsCarryFileLineColumn) {
  const std::string path = write("bw.yaml",
                                 "detect:\n  rules: [r.yaml]\n"
                                 "kafka:\n  bootstrap.servers: [a, b]\n"
                                 "topics:\n  signal: x\n  articles: \"bad topic\"\n"
                                 "limits:\n  workers: 0\n"
                                 "embedded:\n  brokers: 9\n  replicas: 3\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  const std::string s = diags.str();
  EXPECT_NE(s.find(path + ":4:22: error[wrong-type]: kafka.bootstrap.servers must be a string"), std::string::npos) << s;
  EXPECT_NE(s.find(path + ":6:3: error[unknown-key]: unknown key \"signal\" in topics"), std::string::npos) << s;
  EXPECT_NE(s.find(path + ":7:13: error[bad-value]: topics.articles: \"bad topic\" is not a Kafka topic name"), std::string::npos) << s;
  EXPECT_NE(s.find(path + ":9:12: error[bad-value]: limits.workers must be between 1 and 256"), std::string::npos) << s;
  EXPECT_NE(s.find(path + ":11:12: error[bad-value]: embedded.brokers must be between 1 and 5"), std::string::npos) << s;
  EXPECT_NE(s.find(path + ":12:3: error[unknown-key]: unknown key \"replicas\" in embedded"), std::string::npos) << s;
}

TEST_F(ConfigTest, CommandLineOverrides) {
  const std::string path = write("bw.yaml", "detect:\n  rules: [r.yaml]\nlimits:\n  workers: 3\n");
  rules::Diagnostics diags;
  const Config c = load_config(path, diags,
                               {{"kafka.bootstrap.servers", "127.0.0.1:9"}, {"limits.workers", "5"}, {"topics.articles", "in"}});
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  ASSERT_NE(c.kafka_property("bootstrap.servers"), nullptr);
  EXPECT_EQ(c.kafka_property("bootstrap.servers")->value, "127.0.0.1:9");
  EXPECT_EQ(c.run_limits.workers, 5u);
  EXPECT_EQ(c.topics.articles, "in");
  rules::Diagnostics bad;
  load_config(path, bad, {{"limits.wrokers", "5"}});
  EXPECT_NE(bad.str().find("unknown key \"wrokers\" in limits"), std::string::npos) << bad.str();
}

TEST_F(ConfigTest, HttpSection) {
  const std::string path = write("bw.yaml",
                                 "detect:\n"
                                 "  rules: [r.yaml]\n"
                                 "http:\n"
                                 "  enabled: maybe\n"
                                 "  listen: localhost\n"
                                 "  port: 9\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  EXPECT_EQ(diags.str(),
            path + ":6:3: error[unknown-key]: unknown key \"port\" in http; expected one of: enabled, listen\n" +
            path + ":4:12: error[wrong-type]: http.enabled must be true or false\n" +
            path + ":5:11: error[bad-value]: http.listen: \"localhost\" is not HOST:PORT with a port from 1 to 65535, "
                   "e.g. 127.0.0.1:9464 (http.enabled: false turns the endpoint off)\n");

  const std::string good = write("good.yaml", "detect:\n  rules: [r.yaml]\nhttp:\n  enabled: false\n  listen: \"[::1]:8080\"\n");
  rules::Diagnostics ok;
  Config c = load_config(good, ok);
  EXPECT_EQ(ok.str(), "");
  EXPECT_FALSE(c.http.enabled);
  EXPECT_EQ(c.http.host, "::1");
  EXPECT_EQ(c.http.port, 8080);

  // Defaults, and --set as the tests use it.
  rules::Diagnostics set;
  c = load_config(write("plain.yaml", "detect:\n  rules: [r.yaml]\n"), set, {{"http.listen", "0.0.0.0:1234"}});
  EXPECT_EQ(set.str(), "");
  EXPECT_TRUE(c.http.enabled);
  EXPECT_EQ(c.http.host, "0.0.0.0");
  EXPECT_EQ(c.http.port, 1234);
}

TEST_F(ConfigTest, EffectiveConfigRoundTripsAndRedactsSecrets) {
  rules::Diagnostics diags;
  const Config shipped = load_config(std::string(BRINKWATCH_SOURCE_DIR) + "/config/brinkwatch.yaml", diags,
                                     {{"kafka.sasl.password", "hunter2-secret"},
                                      {"kafka.ssl.key.password", "pem-pass-xyz"},
                                      {"kafka.bootstrap.servers", "broker1:9092"},
                                      {"log.format", "json"},
                                      {"reload.interval", "750ms"},
                                      {"aggregate.levels.cooldown", "90m"}});
  ASSERT_FALSE(diags.has_errors()) << diags.str();
  const std::string dump = effective_config_yaml(shipped);
  EXPECT_EQ(dump.find("hunter2-secret"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("pem-pass-xyz"), std::string::npos) << dump;
  EXPECT_NE(dump.find("sasl.password: \"[redacted]\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("bootstrap.servers: broker1:9092"), std::string::npos) << dump;

  // Read back, the dump gives the same config (and the same dump).
  const std::string path = write("effective.yaml", dump);
  rules::Diagnostics again;
  const Config back = load_config(path, again);
  ASSERT_FALSE(again.has_errors()) << again.str() << dump;
  EXPECT_EQ(effective_config_yaml(back), dump);
  EXPECT_TRUE(back.log.json);
  EXPECT_EQ(back.reload.interval_ms, 750);
  EXPECT_EQ(back.aggregate->default_policy.cooldown_ms, 90 * 60 * 1000);
  EXPECT_EQ(aggregate::policy_version(*back.aggregate), aggregate::policy_version(*shipped.aggregate));
  EXPECT_EQ(back.aggregate->overrides.size(), shipped.aggregate->overrides.size());
}

TEST_F(ConfigTest, LogAndReloadSections) {
  const std::string path = write("c.yaml",
                                 "detect:\n  rules: [rules/a.yaml]\n  gazetteer: [geo.yaml]\n"
                                 "log:\n  format: xml\n  level: loud\n"
                                 "reload:\n  watch: maybe\n  interval: 10ms\n");
  rules::Diagnostics diags;
  load_config(path, diags);
  const std::string out = diags.str();
  EXPECT_NE(out.find("c.yaml:5:11: error[bad-value]: log.format: \"xml\" must be text or json"), std::string::npos) << out;
  EXPECT_NE(out.find("c.yaml:6:10: error[bad-value]: log.level: \"loud\""), std::string::npos) << out;
  EXPECT_NE(out.find("c.yaml:8:10: error[wrong-type]: reload.watch must be true or false"), std::string::npos) << out;
  EXPECT_NE(out.find("c.yaml:9:13: error[bad-value]: reload.interval"), std::string::npos) << out;
}

// What fuzz_config found (tests/fuzz/regressions/fuzz_config): each is a diagnostic at the
// offending node now, never an exception or undefined behaviour.
std::string only_diagnostic(const std::string& yaml) {
  rules::Diagnostics diags;
  (void)load_config_text("fz/bw.yaml", yaml, diags);
  return diags.str();
}

TEST(ConfigFuzzRegressions, SectionThatIsAScalar) {
  EXPECT_EQ(only_diagnostic("detect: 5\n"),
            "fz/bw.yaml:1:9: error[wrong-type]: detect must be a mapping\n"
            "fz/bw.yaml:1:9: error[missing-key]: detect.rules must name at least one rules file\n");
  EXPECT_EQ(only_diagnostic("detect: {rules: a, gazetteer: b}\ninput: 4096\n"),
            "fz/bw.yaml:2:8: error[wrong-type]: input must be a mapping\n");
  EXPECT_EQ(only_diagnostic("detect: {rules: a, gazetteer: b}\ninput: {fields: text}\n"),
            "fz/bw.yaml:2:17: error[wrong-type]: input.fields must be a mapping\n");
}

TEST(ConfigFuzzRegressions, DurationThatOverflows) {
  EXPECT_EQ(only_diagnostic("detect: {rules: a, gazetteer: b}\naggregate: {tick_lag: 999999999999d}\n"),
            "fz/bw.yaml:2:23: error[bad-value]: aggregate.tick_lag must be between 0 ms and 86400000 ms\n");
}

TEST(ConfigFuzzRegressions, NotANumber) {
  EXPECT_EQ(only_diagnostic("detect: {rules: a, gazetteer: b, min_score: .nan}\n"),
            "fz/bw.yaml:1:45: error[bad-value]: detect.min_score must be between 0 and 1\n");
}

TEST(ConfigFuzzRegressions, OverrideProblemsNameTheOverride) {
  rules::Diagnostics diags;
  (void)load_config_text("fz/bw.yaml", "detect: {rules: a, gazetteer: b}\n", diags, {{"limits.wozkers", "3"}});
  EXPECT_EQ(diags.str(),
            "--set: error[unknown-key]: unknown key \"wozkers\" in limits; expected one of: "
            "max_in_flight_per_partition, workers, shutdown_deadline_ms\n");
}

}  // namespace
}  // namespace brinkwatch::app
