// brinkwatch.yaml: loading and validation. Start-up may throw; this returns diagnostics.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "core/aggregate/options.h"
#include "core/article.h"
#include "core/detect/detector.h"
#include "core/detect/engine.h"
#include "core/rules/diagnostic.h"

namespace brinkwatch::app {

// A librdkafka property as written under kafka:, with its place for diagnostics.
struct KafkaProperty {
  std::string key;
  std::string value;
  int line = 0;
  int column = 0;
};

struct Topics {
  std::string articles = "brinkwatch.articles";
  std::string signals = "brinkwatch.signals";
  std::string dead_letter = "brinkwatch.dead-letter";
  // brinkwatch.alert/1 records, keyed by region.
  std::string alerts = "brinkwatch.alerts";
  // The aggregate stage's state, co-partitioned with signals (same partition count), keyed by
  // region; compacted on a real cluster.
  std::string changelog = "brinkwatch.aggregate-changelog";
};

struct Limits {
  size_t max_in_flight_per_partition = 1000;
  size_t workers = 2;
  int64_t shutdown_deadline_ms = 10000;
};

struct Embedded {
  int partitions = 4;
  int brokers = 1;  // fault-injection tests use several (leader and coordinator moves)
};

// The HTTP endpoint of run and demo (http: section): /metrics, /healthz, /ready.
struct Http {
  bool enabled = true;
  std::string host = "127.0.0.1";  // loopback unless the operator opens it
  int port = 9464;
};

// Logs (log: section): human text by default, JSON lines for log shippers.
struct Logging {
  bool json = false;
  std::string level = "info";  // debug, info, warn, error
};

// Hot reload (reload: section; docs/operations.md "Changing rules and policies"). SIGHUP always
// reloads; with `watch`, so does a change to the config, rules or gazetteer files.
struct ReloadSettings {
  bool watch = true;
  int64_t interval_ms = 2000;  // how often the files are checked
};

struct Config {
  std::string path;                     // the config file
  std::string dir;                      // its folder: every other file must be inside it
  std::vector<std::string> rule_globs;  // relative to dir
  std::vector<std::string> gazetteer_files;
  detect::DetectOptions detect;
  FieldMap fields;
  DecodeLimits limits;
  // The daemon (run, demo, broker). Fixed at start-up; not reloadable.
  std::vector<KafkaProperty> kafka;  // passed to librdkafka verbatim, in file order
  Topics topics;
  std::string group = "brinkwatch-detect";
  // The aggregate stage (aggregate: section): its consumer group and its policies.
  std::string aggregate_group = "brinkwatch-aggregate";
  // How long a caught-up partition must be idle before the wall-clock tick advances its stream
  // time (ms).
  int64_t aggregate_idle_ms = 1000;
  // The tick moves stream time to the clock minus this (allowed lateness, ms).
  int64_t aggregate_tick_lag_ms = 5 * 60 * 1000;
  std::shared_ptr<const aggregate::Options> aggregate = std::make_shared<aggregate::Options>();
  Limits run_limits;
  Embedded embedded;
  Http http;
  Logging log;
  ReloadSettings reload;

  // The value of a kafka: property, if set.
  const KafkaProperty* kafka_property(std::string_view key) const;
};

// "key=value" overrides from the command line (--set), applied to the YAML before validation.
// The first dot separates the section; under kafka: the rest is one librdkafka property name
// (kafka.bootstrap.servers=HOST:PORT), elsewhere further dots nest (limits.workers=4).
struct Override {
  std::string path;
  std::string value;
};

// True for properties whose values must never be printed (passwords, private keys).
bool is_secret_property(std::string_view key);
// The value as it may be logged: "[redacted]" for secrets.
std::string printable_property(std::string_view key, std::string_view value);

// The effective configuration (file, defaults and --set overrides) as YAML that load_config reads
// back to the same Config. Secret kafka: values (is_secret_property) are written as "[redacted]".
std::string effective_config_yaml(const Config& config);

// Reads and validates the config file. Diagnostics carry file:line:col. Never throws for
// anything in the file: every problem is a diagnostic (tests/fuzz/fuzz_config.cpp).
Config load_config(const std::string& path, rules::Diagnostics& diags,
                   const std::vector<Override>& overrides = {});
// The same from the file's content; `path` names it in diagnostics and its folder is the
// config folder.
Config load_config_text(const std::string& path, std::string_view content, rules::Diagnostics& diags,
                        const std::vector<Override>& overrides = {});

// Reads the rules and gazetteer the config names and compiles them. nullptr on errors.
std::shared_ptr<const detect::Engine> load_engine(const Config& config, rules::Diagnostics& diags);

// Resolves a path the config names, refusing any that leaves the config folder.
std::optional<std::string> resolve_inside(const Config& config, const std::string& relative,
                                          std::string& why);

}  // namespace brinkwatch::app
