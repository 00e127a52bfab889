// brinkwatch run: the daemon. Start-up as ordered steps (config, engine when detecting, clients),
// then wait for SIGTERM / SIGINT (or a fatal stage error), then each stage's ordered shutdown.
// --role detect | aggregate | all (default): which stages this process runs.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/aggregate_stage.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/detect_stage.h"
#include "app/http_server.h"
#include "app/process.h"
#include "app/reload.h"
#include "core/aggregate/options.h"
#include "kafka/client.h"
#include "kafka/producer.h"

namespace brinkwatch::app {

// librdkafka's synchronous commit and close wait for the group coordinator; with the cluster
// unreachable they can wait far longer than the shutdown deadline. Past the deadline plus a grace
// period the process exits 1 without closing: what was stored but not committed is read again
// after the restart (at-least-once holds), and a supervisor is not left waiting.
void start_shutdown_watchdog(int64_t deadline_ms) {
  std::thread([deadline_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(deadline_ms + 5000));
    spdlog::error("run: shutdown did not finish within {} ms; exiting without a clean close "
                  "(uncommitted offsets will be read again)", deadline_ms + 5000);
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }).detach();
}

bool check_kafka_config(const Config& config, rules::Diagnostics& diags) {
  std::vector<kafka::Property> props = kafka_properties(config);
  for (const auto& [i, why] : kafka::check_properties(props)) {
    const auto& p = config.kafka[i];
    diags.error("bad-kafka-property", config.path, p.line, p.column, fmt::format("kafka.{}: {}", p.key, why));
  }
  return !diags.has_errors();
}

namespace {

// Logs a stage's counters every stats interval, when they moved.
class Progress {
 public:
  Progress(std::string name, std::function<uint64_t()> progress, std::function<std::string()> line)
      : name_(std::move(name)), progress_(std::move(progress)), line_(std::move(line)) {}
  void report() {
    const uint64_t now = progress_();
    if (now == last_) return;
    last_ = now;
    spdlog::info("{}: {}", name_, line_());
  }

 private:
  std::string name_;
  std::function<uint64_t()> progress_;
  std::function<std::string()> line_;
  uint64_t last_ = 0;
};

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reload events (brinkwatch.event/1) on the alerts topic, through a producer of their own,
// created at the first event: the stages' producers stay theirs.
class EventPublisher {
 public:
  explicit EventPublisher(const Config& config) : config_(config) {}
  ~EventPublisher() {
    if (producer_ && producer_->flush(2000)) spdlog::warn("reload: an event record was not delivered before exit");
  }
  void publish(const std::string& value) {
    if (!producer_) {
      auto p = kafka::Producer::create(kafka_properties(config_), [](void* /*opaque*/, rd_kafka_resp_err_t err) {
        if (err) spdlog::warn("reload: the event record was not delivered: {}", rd_kafka_err2str(err));
      });
      if (!p) {
        spdlog::warn("reload: cannot create the event producer: {}", p.error().message);
        return;
      }
      producer_ = std::move(*p);
    }
    if (const auto err = producer_->produce(config_.topics.alerts, "~brinkwatch", value, {{"event", "reload"}}, nullptr)) {
      spdlog::warn("reload: the event record was not queued: {}", rd_kafka_err2str(err));
    }
  }
  void poll() {
    if (producer_) producer_->poll(0);
  }

 private:
  const Config& config_;
  std::unique_ptr<kafka::Producer> producer_;
};

}  // namespace

int cmd_run(const Args& args) {
  setup_logging(args.verbose ? spdlog::level::debug : spdlog::level::info);
  const std::string role = args.role.empty() ? "all" : args.role;
  if (role != "all" && role != "detect" && role != "aggregate") {
    std::cerr << fmt::format("brinkwatch run: --role must be detect, aggregate or all (the default), not {}\n", role);
    return 2;
  }
  const bool detect = role != "aggregate";
  const bool aggregate = role != "detect";
  rules::Diagnostics diags;
  Config config = load_config(args.config, diags, args.overrides);
  if (!diags.has_errors()) check_kafka_config(config, diags);
  if (!diags.has_errors() && !config.kafka_property("bootstrap.servers") && !config.kafka_property("metadata.broker.list")) {
    diags.error("missing-key", config.path, 0, 0,
                "kafka.bootstrap.servers is needed to run (or use `brinkwatch demo` for the embedded broker)");
  }
  // The aggregate stage reads signal records, not articles: it needs no rules.
  std::shared_ptr<const detect::Engine> engine;
  if (detect && !diags.has_errors()) engine = load_engine(config, diags);
  if (diags.has_errors() || (detect && !engine)) {
    std::cerr << diags.str();
    return 2;
  }
  setup_logging(args.verbose ? spdlog::level::debug : log_level(config.log.level), config.log.json);
  for (const auto& p : config.kafka) spdlog::info("run: kafka.{} = {}", p.key, printable_property(p.key, p.value));
  spdlog::debug("run: effective config (secrets redacted):\n{}", effective_config_yaml(config));
  ReloadStatus reload_status;
  reload_status.ruleset_version = engine ? engine->version() : std::string();
  reload_status.ruleset_loaded_ms = unix_ms();
  reload_status.policy_version = aggregate::policy_version(*config.aggregate);
  if (engine) spdlog::info("run: ruleset {}: {} rules", engine->version(), engine->stats().rules);
  spdlog::info("run: role {}; alert policies {}", role, reload_status.policy_version);
  Reloader reloader(args.config, args.overrides, config, engine);
  EventPublisher events(config);

  install_stop_signals();
  // Each stage has its own consumer (and group) and producer, as if in separate processes.
  std::unique_ptr<DetectStage> detect_stage;
  std::unique_ptr<AggregateStage> aggregate_stage;
  if (aggregate) aggregate_stage = std::make_unique<AggregateStage>(config);
  if (detect) detect_stage = std::make_unique<DetectStage>(config, engine);
  // The endpoint binds before any client connects, so a taken port stops start-up early. Declared
  // after the stages: it stops (and stops reading their counters) before they are destroyed.
  std::unique_ptr<HttpServer> http;
  if (config.http.enabled) {
    MetricSources sources{detect_stage ? &detect_stage->counters() : nullptr,
                          aggregate_stage ? &aggregate_stage->counters() : nullptr, &reload_status};
    auto server = HttpServer::start(config.http, std::move(sources));
    if (!server) {
      spdlog::error("{}", server.error().message);
      return 2;
    }
    http = std::move(*server);
  }
  std::vector<Progress> progress;
  if (aggregate_stage) {
    if (auto started = aggregate_stage->start(); !started) {
      spdlog::error("run: cannot start the aggregate stage: {}", started.error().message);
      return 2;
    }
    AggregateStage* a = aggregate_stage.get();
    progress.emplace_back(
        "aggregate", [a] { return a->counters().received.load() + a->counters().completed.load() + a->counters().ticks.load(); },
        [a] { return a->counters_line(); });
  }
  if (detect_stage) {
    if (auto started = detect_stage->start(); !started) {
      spdlog::error("run: cannot start the detect stage: {}", started.error().message);
      if (aggregate_stage) aggregate_stage->shutdown();
      return 2;
    }
    DetectStage* d = detect_stage.get();
    progress.emplace_back(
        "detect", [d] { return d->counters().received.load() + d->counters().completed.load(); },
        [d] { return d->counters_line(); });
  }
  auto any_failed = [&] {
    return (detect_stage && detect_stage->failed()) || (aggregate_stage && aggregate_stage->failed());
  };
  // A reload runs here, off the stages' threads: the new ruleset is compiled while they keep
  // working with the old one, then handed to them.
  auto reload = [&](const std::string& trigger) {
    const ReloadOutcome outcome = reloader.reload(trigger);
    const int64_t now = unix_ms();
    {
      std::lock_guard lock(reload_status.mu);
      switch (outcome.result) {
        case ReloadOutcome::Result::applied:
          ++reload_status.applied;
          reload_status.last_success_ms = now;
          reload_status.ruleset_version = outcome.ruleset;
          reload_status.ruleset_loaded_ms = now;
          reload_status.policy_version = outcome.policy;
          break;
        case ReloadOutcome::Result::unchanged:
          ++reload_status.unchanged;
          reload_status.last_success_ms = now;
          break;
        case ReloadOutcome::Result::rejected:
          ++reload_status.rejected;
          reload_status.last_failure_ms = now;
          break;
      }
    }
    if (outcome.result == ReloadOutcome::Result::applied) {
      const Config& next = reloader.config();
      if (detect_stage) detect_stage->set_ruleset(reloader.engine(), next.detect);
      if (aggregate_stage) aggregate_stage->set_options(next.aggregate);
      spdlog::info("{}", outcome.summary());
    } else if (outcome.result == ReloadOutcome::Result::unchanged) {
      spdlog::info("{}", outcome.summary());
    } else {
      spdlog::error("{}", outcome.summary());
    }
    if (outcome.result != ReloadOutcome::Result::unchanged) events.publish(outcome.to_event_json(now, instance_id()));
  };
  if (config.reload.watch) {
    spdlog::info("reload: on SIGHUP, and when the config, rules or gazetteer files change (checked every {} ms)",
                 config.reload.interval_ms);
  } else {
    spdlog::info("reload: on SIGHUP (reload.watch is off)");
  }

  // Progress in the log every stats interval, when something changed.
  const auto interval = std::chrono::milliseconds(args.stats_interval_ms);
  auto next_stats = std::chrono::steady_clock::now() + interval;
  const auto watch_every = std::chrono::milliseconds(config.reload.interval_ms);
  auto next_watch = std::chrono::steady_clock::now() + watch_every;
  while (!stop_signal() && !any_failed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, args.stats_interval_ms)));
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_stats) {
      next_stats += interval;
      for (auto& p : progress) p.report();
    }
    if (take_reload_request()) {
      reload("SIGHUP");
    } else if (config.reload.watch && now >= next_watch) {
      next_watch = now + watch_every;
      if (const auto changed = reloader.poll_files()) reload(fmt::format("file changed: {}", *changed));
    }
    events.poll();
  }
  if (stop_signal()) spdlog::info("run: signal {}: shutting down", stop_signal());
  start_shutdown_watchdog(config.run_limits.shutdown_deadline_ms);
  if (http) http->set_stopping();
  // Both drain at once, each within the deadline from here; detect first, so the signals it
  // finishes are delivered before the process ends (the aggregate stage reads them after the
  // restart).
  if (aggregate_stage) aggregate_stage->request_stop();
  if (detect_stage) detect_stage->request_stop();
  int rc = 0;
  if (detect_stage) rc = std::max(rc, detect_stage->shutdown());
  if (aggregate_stage) rc = std::max(rc, aggregate_stage->shutdown());
  http.reset();
  spdlog::default_logger()->flush();
  return rc;
}

}  // namespace brinkwatch::app
