#include "app/process.h"

#include <unistd.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace brinkwatch::app {

namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_reload{0};

extern "C" void on_signal(int sig) { g_signal = sig; }
extern "C" void on_hangup(int /*sig*/) { g_reload = 1; }

// Messages begin with their component ("detect: ...", "kafka: ..."); JSON lines carry it as a
// field of its own so operators can filter on it. A message without one gets "brinkwatch".
std::pair<std::string_view, std::string_view> split_component(std::string_view msg) {
  const size_t colon = msg.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 24) return {"brinkwatch", msg};
  for (size_t i = 0; i < colon; ++i) {
    const char c = msg[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return {"brinkwatch", msg};
  }
  return {msg.substr(0, colon), msg.substr(colon + 2)};
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& m, spdlog::memory_buf_t& dest) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m.time.time_since_epoch()).count();
    const auto secs = std::chrono::sys_seconds(std::chrono::seconds(ms / 1000));
    const auto [component, text] = split_component(std::string_view(m.payload.data(), m.payload.size()));
    const auto level = spdlog::level::to_string_view(m.level);
    nlohmann::json j{{"ts", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", secs, static_cast<int>(ms % 1000))},
                     {"level", std::string_view(level.data(), level.size())},
                     {"component", component},
                     {"msg", text},
                     {"thread", m.thread_id}};
    // Broker text may carry invalid UTF-8: replaced, never a thrown exception in the logger.
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  struct sigaction hup {};
  hup.sa_handler = on_hangup;
  sigemptyset(&hup.sa_mask);
  sigaction(SIGHUP, &hup, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int stop_signal() { return g_signal.load(); }

std::string instance_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return fmt::format("{}/{}", host[0] ? host : "localhost", getpid());
}

bool take_reload_request() { return g_reload.exchange(0) != 0; }

void setup_logging(spdlog::level::level_enum level, bool json) {
  auto logger = spdlog::get("brinkwatch");
  if (!logger) logger = spdlog::stderr_color_mt("brinkwatch");
  if (json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(level);
}

spdlog::level::level_enum log_level(const std::string& name) {
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return spdlog::level::info;
}

}  // namespace brinkwatch::app
