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
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/aggregate_stage.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/detect_stage.h"
#include "app/http_server.h"
#include "kafka/client.h"

namespace brinkwatch::app {

namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) { g_signal = sig; }

}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int stop_signal() { return g_signal.load(); }

// librdkafka's synchronous commit and close wait for the group coordinator; with the cluster
// unreachable they can wait far longer than the shutdown deadline. Past the deadline plus a grace
// period the process exits 1 without closing: what was stored but not committed is read again
// after the restart (at-least-once holds), and a supervisor is not left waiting.
void start_shutdown_watchdog(int64_t deadline_ms) {
  std::thread([deadline_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(deadline_ms + 5000));
    spdlog::error("shutdown did not finish within {} ms; exiting without a clean close "
                  "(uncommitted offsets will be read again)", deadline_ms + 5000);
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }).detach();
}

void setup_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("brinkwatch");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(level);
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
  for (const auto& p : config.kafka) spdlog::info("kafka.{} = {}", p.key, printable_property(p.key, p.value));
  const int64_t ruleset_loaded_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (engine) spdlog::info("ruleset {}: {} rules", engine->version(), engine->stats().rules);
  spdlog::info("role {}", role);

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
                          aggregate_stage ? &aggregate_stage->counters() : nullptr,
                          engine ? engine->version() : std::string(), ruleset_loaded_ms};
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
      spdlog::error("cannot start the aggregate stage: {}", started.error().message);
      return 2;
    }
    AggregateStage* a = aggregate_stage.get();
    progress.emplace_back(
        "aggregate", [a] { return a->counters().received.load() + a->counters().completed.load() + a->counters().ticks.load(); },
        [a] { return a->counters_line(); });
  }
  if (detect_stage) {
    if (auto started = detect_stage->start(); !started) {
      spdlog::error("cannot start the detect stage: {}", started.error().message);
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
  // Progress in the log every stats interval, when something changed.
  const auto interval = std::chrono::milliseconds(args.stats_interval_ms);
  auto next_stats = std::chrono::steady_clock::now() + interval;
  while (!stop_signal() && !any_failed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, args.stats_interval_ms)));
    if (std::chrono::steady_clock::now() >= next_stats) {
      next_stats += interval;
      for (auto& p : progress) p.report();
    }
  }
  if (stop_signal()) spdlog::info("signal {}: shutting down", stop_signal());
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
