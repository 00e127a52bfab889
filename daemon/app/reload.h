// Hot reload of what an analyst changes while the daemon runs: rules, gazetteer, detection
// settings (detect:) and alert policies (aggregate.weights, levels, policies, evidence, dedup
// source factors). On SIGHUP or when a watched file changes, the whole config is read again and
// validated, the new ruleset is compiled off the hot path, and only then swapped in; anything
// else that changed (Kafka, topics, groups, limits, the state's shape) refuses the reload, naming
// the keys. A refused reload keeps the running ruleset and policies.
//
// Threads: a Reloader is used by one thread (run's main loop). ReloadStatus is read by the HTTP
// endpoint under its mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"

namespace brinkwatch::app {

// What /metrics reports about the ruleset and its reloads.
struct ReloadStatus {
  std::mutex mu;
  std::string ruleset_version;  // empty: no ruleset (aggregate role)
  int64_t ruleset_loaded_ms = 0;
  std::string policy_version;
  uint64_t applied = 0;
  uint64_t unchanged = 0;
  uint64_t rejected = 0;
  int64_t last_success_ms = 0;
  int64_t last_failure_ms = 0;
};

struct ReloadOutcome {
  enum class Result { applied, unchanged, rejected };
  Result result = Result::rejected;
  std::string trigger;  // "SIGHUP" or "file changed: PATH"
  std::string previous_ruleset, ruleset;
  std::string previous_policy, policy;
  // Why it was refused: config and rule diagnostics as file:line:col: message, or the fixed keys.
  std::vector<std::string> reasons;

  const char* result_name() const;
  // One line for the log.
  std::string summary() const;
  // The brinkwatch.event/1 record published on the alerts topic (docs/schemas/event.schema.json).
  std::string to_event_json(int64_t at_ms, const std::string& instance) const;
};

// The keys that differ between the running config and a new one and that only a restart may
// change, as config paths ("kafka.bootstrap.servers", "topics.signals", "limits.workers",
// "aggregate.windows", ...). Empty: the new config may be swapped in.
std::vector<std::string> fixed_key_changes(const Config& running, const Config& next);

// A watched file's identity and modification state.
struct FileStamp {
  std::string path;
  int64_t mtime_ns = 0;
  int64_t size = -1;  // -1: missing
  uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

// The files a reload would read: the config file, every file the rule globs match now (so a new
// rules file counts), the gazetteer files. Sorted by path.
std::vector<FileStamp> watched_files(const Config& config);

class Reloader {
 public:
  // `running`: the config the stages run with; `engine`: their ruleset (null when this process
  // does not detect: then rules are not compiled and only policies are reloaded).
  Reloader(std::string path, std::vector<Override> overrides, Config running,
           std::shared_ptr<const detect::Engine> engine);

  // Reads, validates and compiles everything again. On `applied` the new config and engine are
  // what config() and engine() return; the caller swaps them into the stages.
  ReloadOutcome reload(const std::string& trigger);

  // Polled every reload.interval: the path of a watched file that changed since the last reload
  // and has not changed since the previous poll (so a half-written file is not read), or nullopt.
  std::optional<std::string> poll_files();

  const Config& config() const { return running_; }
  std::shared_ptr<const detect::Engine> engine() const { return engine_; }

 private:
  std::string path_;
  std::vector<Override> overrides_;
  Config running_;
  std::shared_ptr<const detect::Engine> engine_;
  std::vector<FileStamp> stamps_;   // as of the last reload (or start-up)
  std::vector<FileStamp> pending_;  // as of the previous poll, when it differed from stamps_
};

}  // namespace brinkwatch::app
