// Process-wide set-up shared by the long-running commands (run, demo, broker): signals and logs.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace brinkwatch::app {

// SIGTERM and SIGINT ask the process to stop; SIGHUP asks for a reload; SIGPIPE is ignored.
void install_stop_signals();
// The stop signal received, or 0.
int stop_signal();
// True once per SIGHUP received since the last call.
bool take_reload_request();

// "host/pid": names this process in records and logs (alert headers, reload events).
std::string instance_id();

// The process's logger on stderr: human text (coloured on a terminal), or with `json` one JSON
// object per line (docs/operations.md "Logs"): ts, level, component, msg, thread.
void setup_logging(spdlog::level::level_enum level, bool json = false);

// "debug", "info", "warn" or "error" as a spdlog level (info for anything else).
spdlog::level::level_enum log_level(const std::string& name);

}  // namespace brinkwatch::app
