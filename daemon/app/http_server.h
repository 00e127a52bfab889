// The HTTP endpoint of `run` and `demo` (http: in brinkwatch.yaml): /metrics in the Prometheus
// text exposition format, /healthz and /ready. docs/operations.md, "Metrics and health", lists
// every metric.
//
// Threads: cpp-httplib's listener and two request threads. They only read the stages' atomic
// counters (and the dead-letter maps under their mutex); nothing here touches Kafka or the
// per-message path. The stages must outlive the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/aggregate_stage.h"
#include "app/config.h"
#include "app/detect_stage.h"
#include "app/reload.h"
#include "core/result.h"

namespace brinkwatch::app {

// What the endpoint reports on. A null stage is not run by this process and is left out.
struct MetricSources {
  StageCounters* detect = nullptr;
  AggregateCounters* aggregate = nullptr;
  // The active ruleset and policies, and reload outcomes (read under its mutex).
  ReloadStatus* reload = nullptr;
};

struct Probe {
  int status = 200;
  std::string body;
};

// A poll loop that has not ticked for this long is stuck: /healthz answers 503.
inline constexpr int64_t kLoopStaleMs = 30000;

// The /metrics body.
std::string render_metrics(MetricSources& s);
// /healthz at steady-clock `now_ms`; a loop that has not ticked yet counts from `started_ms`.
Probe health_probe(const MetricSources& s, int64_t now_ms, int64_t started_ms);
// /ready: every stage has partitions assigned and (aggregate) none still restoring.
Probe ready_probe(const MetricSources& s, bool stopping);

class HttpServer {
 public:
  // Binds http.host:http.port and serves on its own threads. Errors (port taken, bad address)
  // are for the operator.
  static Result<std::unique_ptr<HttpServer>> start(const Http& http, MetricSources sources);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Shutdown has begun: /ready answers 503 from now on, /metrics keeps serving the drain.
  void set_stopping();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brinkwatch::app
