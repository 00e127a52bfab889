// brinkwatch: the command-line entry. Subcommands are in app/*.cpp.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "app/commands.h"

namespace {

constexpr const char* kUsage = R"(brinkwatch — escalation signals from news streams

usage:
  brinkwatch classify [-c CONFIG] [--explain] [FILE|-]   articles (JSON Lines or plain text) → signals (JSON Lines)
  brinkwatch validate [-c CONFIG] [--json] [--env]        check config, rules and gazetteer; exit 0 or 1;
                                                          --env: also the Kafka cluster (reachable, topics present,
                                                          signals and changelog co-partitioned)
                      [--print-config]                    and print the effective config (defaults and --set
                                                          applied, secrets redacted)
  brinkwatch test [-c CONFIG] [-v] [--explain] PATH...    run YAML rule tests
  brinkwatch eval [-c CONFIG] --gold FILE [--pred FILE]   precision / recall / F1 per type against a gold file
  brinkwatch run [-c CONFIG] [--role detect|aggregate|all] the daemon: articles → signals (detect) → alerts (aggregate);
                                                          both stages by default
                 [--stats-interval-ms N]                  progress line in the log every N ms (default 30000)
  brinkwatch demo [-c CONFIG] [--keep-running] [--speed H]
                                                          embedded broker + both stages + the sample articles on a
                                                          clock running H simulated hours per second (default 12);
                                                          live view of signals and alerts
  brinkwatch replay [-c CONFIG] [--until TIME] [--signals] FILE|-
                                                          both stages offline: articles (any order) → alert records
                                                          (JSON Lines), in event-time order, as `run` would emit them

Every command takes --set SECTION.KEY=VALUE to override the config, e.g.
  --set kafka.bootstrap.servers=broker1:9092 --set limits.workers=4

CONFIG defaults to config/brinkwatch.yaml.
)";

}  // namespace

int main(int argc, char** argv) {
  using brinkwatch::app::Args;
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  Args args;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << fmt::format("brinkwatch {}: {} needs a value\n", cmd, flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-c" || a == "--config") {
      args.config = value("-c");
    } else if (a == "--explain") {
      args.explain = true;
    } else if (a == "--json") {
      args.json = true;
    } else if (a == "--env") {
      args.env = true;
    } else if (a == "-v" || a == "--verbose") {
      args.verbose = true;
    } else if (a == "--gold") {
      args.gold = value("--gold");
    } else if (a == "--pred") {
      args.pred = value("--pred");
    } else if (a == "--set") {
      const std::string kv = value("--set");
      const auto eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << fmt::format("brinkwatch {}: --set needs SECTION.KEY=VALUE, got \"{}\"\n", cmd, kv);
        return 2;
      }
      args.overrides.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    } else if (a == "--role") {
      args.role = value("--role");
    } else if (a == "--keep-running") {
      args.keep_running = true;
    } else if (a == "--speed") {
      args.speed = std::atof(value("--speed").c_str());
      if (!(args.speed > 0 && args.speed <= 10000)) {
        std::cerr << fmt::format("brinkwatch {}: --speed must be simulated hours per second, more than 0 and at most 10000\n", cmd);
        return 2;
      }
    } else if (a == "--stats-interval-ms") {
      args.stats_interval_ms = std::max(10L, std::atol(value("--stats-interval-ms").c_str()));
    } else if (a == "--until") {
      args.until = value("--until");
    } else if (a == "--print-config") {
      args.print_config = true;
    } else if (a == "--signals") {
      args.print_signals = true;
    } else if (a == "--bootstrap-file") {
      args.bootstrap_file = value("--bootstrap-file");
    } else if (a == "--control") {
      args.control = value("--control");
    } else if (a == "--bootstrap-fd") {
      args.bootstrap_fd = std::atoi(value("--bootstrap-fd").c_str());
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::cerr << fmt::format("brinkwatch {}: unknown option {}\n\n{}", cmd, a, kUsage);
      return 2;
    } else {
      args.positional.push_back(a);
    }
  }
  try {
    if (cmd == "classify") return brinkwatch::app::cmd_classify(args);
    if (cmd == "validate") return brinkwatch::app::cmd_validate(args);
    if (cmd == "test") return brinkwatch::app::cmd_test(args);
    if (cmd == "eval") return brinkwatch::app::cmd_eval(args);
    if (cmd == "run") return brinkwatch::app::cmd_run(args);
    if (cmd == "demo") return brinkwatch::app::cmd_demo(args);
    if (cmd == "replay") return brinkwatch::app::cmd_replay(args);
    // Hidden: the embedded broker in the foreground, for demo's child process and the tests.
    if (cmd == "broker") return brinkwatch::app::cmd_broker(args);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("brinkwatch {}: {}\n", cmd, e.what());
    return 2;
  }
  std::cerr << fmt::format("brinkwatch: unknown command \"{}\"\n\n{}", cmd, kUsage);
  return 2;
}
