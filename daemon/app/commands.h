// The subcommands. Each returns the process exit status.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace brinkwatch::app {

struct Args {
  std::string config = "config/brinkwatch.yaml";
  std::vector<std::string> positional;
  bool explain = false;
  bool json = false;
  bool env = false;                 // validate: also check the Kafka environment
  bool verbose = false;
  std::string gold;
  std::string pred;  // eval: score an existing predictions file instead of classifying
  std::vector<Override> overrides;  // --set SECTION.KEY=VALUE
  std::string role;                 // run: detect, aggregate or all (the default)
  bool keep_running = false;        // demo
  double speed = 12;                // demo: simulated hours per second
  int64_t stats_interval_ms = 30000;  // run: progress line in the log
  std::string bootstrap_file;       // broker
  int bootstrap_fd = -1;            // broker (hidden: demo's child)
  std::string control;              // broker: a FIFO of fault-injection commands (tests)
  std::string until;                // replay: advance stream time to this RFC 3339 time at the end
  bool print_signals = false;       // replay: also print the signal records
  bool print_config = false;        // validate: print the effective config (secrets redacted)
};

int cmd_classify(const Args& args);
int cmd_validate(const Args& args);
int cmd_test(const Args& args);
int cmd_eval(const Args& args);
int cmd_run(const Args& args);
int cmd_demo(const Args& args);
int cmd_broker(const Args& args);
int cmd_replay(const Args& args);

}  // namespace brinkwatch::app
