// brinkwatch run: the daemon. Start-up as ordered steps (config, engine, clients), then wait for
// SIGTERM / SIGINT (or a fatal stage error), then the stage's ordered shutdown.
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/detect_stage.h"
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

int cmd_run(const Args& args) {
  setup_logging(args.verbose ? spdlog::level::debug : spdlog::level::info);
  if (!args.role.empty() && args.role != "detect") {
    std::cerr << fmt::format("brinkwatch run: --role {} is not available yet (only detect)\n", args.role);
    return 2;
  }
  rules::Diagnostics diags;
  Config config = load_config(args.config, diags, args.overrides);
  if (!diags.has_errors()) check_kafka_config(config, diags);
  if (!diags.has_errors() && !config.kafka_property("bootstrap.servers") && !config.kafka_property("metadata.broker.list")) {
    diags.error("missing-key", config.path, 0, 0,
                "kafka.bootstrap.servers is needed to run (or use `brinkwatch demo` for the embedded broker)");
  }
  std::shared_ptr<const detect::Engine> engine;
  if (!diags.has_errors()) engine = load_engine(config, diags);
  if (!engine) {
    std::cerr << diags.str();
    return 2;
  }
  for (const auto& p : config.kafka) spdlog::info("kafka.{} = {}", p.key, printable_property(p.key, p.value));
  spdlog::info("ruleset {}: {} rules", engine->version(), engine->stats().rules);

  install_stop_signals();
  DetectStage stage(config, engine);
  if (auto started = stage.start(); !started) {
    spdlog::error("cannot start: {}", started.error().message);
    return 2;
  }
  // Progress in the log every stats interval, when something changed.
  const auto interval = std::chrono::milliseconds(args.stats_interval_ms);
  auto next_stats = std::chrono::steady_clock::now() + interval;
  uint64_t last_received = 0;
  while (!stop_signal() && !stage.failed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, args.stats_interval_ms)));
    if (std::chrono::steady_clock::now() >= next_stats) {
      next_stats += interval;
      const uint64_t progress = stage.counters().received.load() + stage.counters().completed.load();
      if (progress != last_received) {
        last_received = progress;
        spdlog::info("detect: {}", stage.counters_line());
      }
    }
  }
  if (stop_signal()) spdlog::info("signal {}: shutting down", stop_signal());
  start_shutdown_watchdog(config.run_limits.shutdown_deadline_ms);
  const int rc = stage.shutdown();
  spdlog::default_logger()->flush();
  return rc;
}

}  // namespace brinkwatch::app
