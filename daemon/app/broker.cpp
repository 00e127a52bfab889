// brinkwatch broker: the embedded mock cluster in the foreground (used by `demo` as its child
// process and by the integration tests). Writes its bootstrap address to a file or descriptor
// and runs until SIGTERM / SIGINT. With --control FIFO it reads fault-injection commands from
// that named pipe, one per line (kafka::MockCluster::control), and logs each outcome.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
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
  opts.brokers = config.embedded.brokers;
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
  int control = -1;
  if (!args.control.empty()) {
    // Read-write, so the pipe never reports end-of-file between two writers.
    control = open(args.control.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (control < 0) {
      std::cerr << fmt::format("brinkwatch broker: cannot open the control pipe {}: {}\n", args.control, std::strerror(errno));
      return 2;
    }
  }
  std::string pending;
  while (!stop_signal()) {
    if (control < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    pollfd p{control, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[512];
    const ssize_t n = read(control, buf, sizeof buf);
    if (n <= 0) continue;
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      const std::string command = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (command.empty()) continue;
      if (auto done = (*cluster)->control(command)) {
        spdlog::warn("broker: control: done: {}", *done);
      } else {
        spdlog::error("broker: control: {}", done.error().message);
      }
    }
  }
  if (control >= 0) close(control);
  cluster->reset();
  return 0;
}

}  // namespace brinkwatch::app
