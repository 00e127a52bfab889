// brinkwatch broker: the embedded mock cluster in the foreground (used by `demo` as its child
// process and by the integration tests). Writes its bootstrap address to a file or descriptor
// and runs until SIGTERM / SIGINT.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/process.h"
#include "kafka/embedded_broker.h"

namespace brinkwatch::app {

int cmd_broker(const Args& args) {
  setup_logging(args.verbose ? spdlog::level::debug : spdlog::level::warn);
  rules::Diagnostics diags;
  const Config config = load_config(args.config, diags, args.overrides);
  if (diags.has_errors()) {
    std::cerr << diags.str();
    return 2;
  }
  install_stop_signals();
  kafka::BrokerOptions opts;
  opts.topics = {config.topics.articles, config.topics.signals, config.topics.dead_letter, config.topics.alerts,
                 config.topics.changelog};
  opts.partitions = config.embedded.partitions;
  auto cluster = kafka::MockCluster::start(opts);
  if (!cluster) {
    std::cerr << fmt::format("brinkwatch broker: {}\n", cluster.error().message);
    return 2;
  }
  const std::string line = (*cluster)->bootstrap() + "\n";
  if (!args.bootstrap_file.empty()) {
    // Written whole, then renamed: a reader polling for the file never sees half an address.
    const std::string tmp = args.bootstrap_file + ".tmp";
    std::ofstream(tmp) << line;
    std::filesystem::rename(tmp, args.bootstrap_file);
  }
  if (args.bootstrap_fd >= 0) {
    if (write(args.bootstrap_fd, line.data(), line.size()) < 0) return 2;
    close(args.bootstrap_fd);
  }
  if (args.bootstrap_file.empty() && args.bootstrap_fd < 0) std::cout << line << std::flush;
  while (!stop_signal()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  cluster->reset();
  return 0;
}

}  // namespace brinkwatch::app
