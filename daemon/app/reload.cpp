#include "app/reload.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/aggregate/options.h"
#include "core/article.h"

namespace brinkwatch::app {
namespace fs = std::filesystem;

namespace {

FileStamp stamp(const std::string& path) {
  FileStamp s;
  s.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {  // follows symlinks: a Kubernetes ConfigMap swap counts
    s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    s.size = static_cast<int64_t>(st.st_size);
    s.inode = static_cast<uint64_t>(st.st_ino);
  }
  return s;
}

}  // namespace

const char* ReloadOutcome::result_name() const {
  switch (result) {
    case Result::applied: return "applied";
    case Result::unchanged: return "unchanged";
    case Result::rejected: return "rejected";
  }
  return "rejected";
}

std::string ReloadOutcome::summary() const {
  switch (result) {
    case Result::applied:
      return fmt::format("reload: applied ({}); ruleset {} -> {}, policies {} -> {}", trigger,
                         previous_ruleset.empty() ? "-" : previous_ruleset, ruleset.empty() ? "-" : ruleset,
                         previous_policy, policy);
    case Result::unchanged:
      return fmt::format("reload: nothing changed ({}); ruleset {}, policies {}", trigger,
                         ruleset.empty() ? "-" : ruleset, policy);
    case Result::rejected: {
      std::string why;
      for (const auto& r : reasons) why += fmt::format("\n  {}", r);
      return fmt::format("reload: rejected ({}); still running ruleset {} and policies {}:{}", trigger,
                         ruleset.empty() ? "-" : ruleset, policy, why);
    }
  }
  return {};
}

std::string ReloadOutcome::to_event_json(int64_t at_ms, const std::string& instance) const {
  nlohmann::json j{{"schema", "brinkwatch.event/1"},
                   {"event", "reload"},
                   {"result", result_name()},
                   {"trigger", trigger},
                   {"at", format_rfc3339(at_ms)},
                   {"instance", instance},
                   {"ruleset", ruleset},
                   {"previous_ruleset", previous_ruleset},
                   {"policy_version", policy},
                   {"previous_policy_version", previous_policy},
                   {"reasons", reasons}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> fixed_key_changes(const Config& a, const Config& b) {
  std::vector<std::string> out;
  // kafka: every property added, removed or changed, by name (values may be secrets: never shown).
  std::map<std::string, std::string> ka, kb;
  for (const auto& p : a.kafka) ka[p.key] = p.value;
  for (const auto& p : b.kafka) kb[p.key] = p.value;
  for (const auto& [k, v] : ka) {
    if (auto it = kb.find(k); it == kb.end() || it->second != v) out.push_back("kafka." + k);
  }
  for (const auto& [k, v] : kb) {
    if (!ka.count(k)) out.push_back("kafka." + k);
  }
  auto check = [&](bool same, const char* key) {
    if (!same) out.emplace_back(key);
  };
  check(a.topics.articles == b.topics.articles, "topics.articles");
  check(a.topics.signals == b.topics.signals, "topics.signals");
  check(a.topics.dead_letter == b.topics.dead_letter, "topics.dead_letter");
  check(a.topics.alerts == b.topics.alerts, "topics.alerts");
  check(a.topics.changelog == b.topics.changelog, "topics.changelog");
  check(a.group == b.group, "group");
  check(a.aggregate_group == b.aggregate_group, "aggregate.group");
  check(a.aggregate_idle_ms == b.aggregate_idle_ms, "aggregate.idle_ms");
  check(a.aggregate_tick_lag_ms == b.aggregate_tick_lag_ms, "aggregate.tick_lag");
  check(a.run_limits.max_in_flight_per_partition == b.run_limits.max_in_flight_per_partition,
        "limits.max_in_flight_per_partition");
  check(a.run_limits.workers == b.run_limits.workers, "limits.workers");
  check(a.run_limits.shutdown_deadline_ms == b.run_limits.shutdown_deadline_ms, "limits.shutdown_deadline_ms");
  check(a.limits.max_bytes == b.limits.max_bytes, "input.max_message_bytes");
  check(a.limits.max_depth == b.limits.max_depth, "input.max_json_depth");
  check(a.fields.id == b.fields.id && a.fields.url == b.fields.url && a.fields.source == b.fields.source &&
            a.fields.published_at == b.fields.published_at && a.fields.lang == b.fields.lang &&
            a.fields.title == b.fields.title && a.fields.text == b.fields.text && a.fields.html == b.fields.html,
        "input.fields");
  check(a.embedded.partitions == b.embedded.partitions && a.embedded.brokers == b.embedded.brokers, "embedded");
  check(a.http.enabled == b.http.enabled && a.http.host == b.http.host && a.http.port == b.http.port, "http");
  check(a.log.json == b.log.json && a.log.level == b.log.level, "log");
  check(a.reload.watch == b.reload.watch && a.reload.interval_ms == b.reload.interval_ms, "reload");
  for (auto& k : aggregate::state_shape_changes(*a.aggregate, *b.aggregate)) out.push_back(std::move(k));
  return out;
}

std::vector<FileStamp> watched_files(const Config& config) {
  std::vector<std::string> paths{config.path};
  for (const auto& pattern : config.rule_globs) {
    std::string why;
    const auto resolved = resolve_inside(config, pattern, why);
    if (!resolved) continue;
    glob_t g{};
    if (glob(resolved->c_str(), 0, nullptr, &g) == 0) paths.insert(paths.end(), g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
  }
  for (const auto& file : config.gazetteer_files) {
    std::string why;
    if (const auto resolved = resolve_inside(config, file, why)) paths.push_back(*resolved);
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  std::vector<FileStamp> out;
  out.reserve(paths.size());
  for (const auto& p : paths) out.push_back(stamp(p));
  return out;
}

Reloader::Reloader(std::string path, std::vector<Override> overrides, Config running,
                   std::shared_ptr<const detect::Engine> engine)
    : path_(std::move(path)),
      overrides_(std::move(overrides)),
      running_(std::move(running)),
      engine_(std::move(engine)),
      stamps_(watched_files(running_)) {}

ReloadOutcome Reloader::reload(const std::string& trigger) {
  ReloadOutcome out;
  out.trigger = trigger;
  out.previous_ruleset = engine_ ? engine_->version() : std::string();
  out.ruleset = out.previous_ruleset;
  out.previous_policy = aggregate::policy_version(*running_.aggregate);
  out.policy = out.previous_policy;
  auto reject = [&](const rules::Diagnostics& diags) {
    for (const auto& d : diags.items()) {
      if (d.severity == rules::Diagnostic::Severity::error) out.reasons.push_back(d.str());
      if (out.reasons.size() >= 20) break;  // the first ones say enough
    }
    return out;
  };

  // Stamped before reading: a file written while it is read shows up as changed at the next poll.
  rules::Diagnostics diags;
  Config next = load_config(path_, diags, overrides_);
  stamps_ = diags.has_errors() ? watched_files(running_) : watched_files(next);
  pending_.clear();
  if (diags.has_errors()) return reject(diags);

  const auto fixed = fixed_key_changes(running_, next);
  if (!fixed.empty()) {
    std::string keys;
    for (const auto& k : fixed) keys += (keys.empty() ? "" : ", ") + k;
    out.reasons.push_back(fmt::format(
        "{}: {} changed; a reload only takes detect:, aggregate weights, levels, policies, evidence and dedup "
        "source factors. Restart to apply the rest (or undo it)", path_, keys));
    return out;
  }

  std::shared_ptr<const detect::Engine> engine;
  if (engine_) {
    engine = load_engine(next, diags);
    if (!engine) return reject(diags);
  }
  const std::string policy = aggregate::policy_version(*next.aggregate);
  const std::string ruleset = engine ? engine->version() : std::string();
  const bool detect_same = !engine_ || (ruleset == out.previous_ruleset && next.detect.min_score == running_.detect.min_score &&
                                        next.detect.max_evidence == running_.detect.max_evidence &&
                                        next.detect.max_hits == running_.detect.max_hits);
  if (detect_same && policy == out.previous_policy) {
    out.result = ReloadOutcome::Result::unchanged;
    return out;
  }
  running_ = std::move(next);
  if (engine) engine_ = std::move(engine);
  out.result = ReloadOutcome::Result::applied;
  out.ruleset = ruleset;
  out.policy = policy;
  return out;
}

std::optional<std::string> Reloader::poll_files() {
  auto now = watched_files(running_);
  // A new rules file matching a glob of the running config shows up in the list; a file the
  // config newly names is read when the config file's own change triggers the reload.
  if (now == stamps_) {
    pending_.clear();
    return std::nullopt;
  }
  if (now != pending_) {  // still changing (or first seen): wait one interval
    pending_ = std::move(now);
    return std::nullopt;
  }
  // Name the first file that differs, for the log.
  std::map<std::string, FileStamp> before;
  for (const auto& s : stamps_) before[s.path] = s;
  for (const auto& s : now) {
    auto it = before.find(s.path);
    if (it == before.end() || !(it->second == s)) return s.path;
  }
  return stamps_.empty() ? path_ : stamps_.front().path;  // a file went away
}

}  // namespace brinkwatch::app
