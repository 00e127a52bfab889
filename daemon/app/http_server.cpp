#include "app/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/metrics.h"  // label_value

namespace brinkwatch::app {

namespace {

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, uint64_t value) {
  header(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

void by_reason(std::string& out, std::string_view name, std::string_view help, std::mutex& mu,
               const std::map<std::string, uint64_t>& counts) {
  header(out, name, "counter", help);
  std::lock_guard lock(mu);
  for (const auto& [reason, n] : counts) out += fmt::format("{}{{reason=\"{}\"}} {}\n", name, label_value(reason), n);
}

}  // namespace

std::string render_metrics(MetricSources& s) {
  std::string out;
  if (StageCounters* d = s.detect) {
    metric(out, "brinkwatch_detect_received_total", "counter", "Articles taken from the articles topic into work.",
           d->received.load());
    metric(out, "brinkwatch_detect_completed_total", "counter",
           "Articles finished: every record derived from them delivered, offset stored.", d->completed.load());
    metric(out, "brinkwatch_detect_sent_total", "counter", "Signal records delivered to the signals topic.",
           d->sent.load());
    metric(out, "brinkwatch_detect_quiet_total", "counter", "Articles read without a signal.", d->quiet.load());
    by_reason(out, "brinkwatch_detect_discarded_total",
              "Articles that could not be decoded, delivered to the dead-letter topic, by error code.", d->mu,
              d->dead_by_reason);
    header(out, "brinkwatch_detect_errors_total", "counter", "Records whose delivery failed, by error type.");
    out += fmt::format("brinkwatch_detect_errors_total{{error_type=\"delivery\"}} {}\n", d->delivery_failed.load());
    metric(out, "brinkwatch_detect_partitions", "gauge", "Articles partitions assigned to this process.",
           d->partitions.load());
    render_detect_details(out, *d);
  }
  if (AggregateCounters* a = s.aggregate) {
    metric(out, "brinkwatch_aggregate_received_total", "counter", "Signal records taken into a region's state.",
           a->received.load());
    metric(out, "brinkwatch_aggregate_completed_total", "counter",
           "Signal records finished: their checkpoint's alerts and state delivered, offset stored.",
           a->completed.load());
    metric(out, "brinkwatch_aggregate_alerts_sent_total", "counter",
           "Alert records delivered to the alerts topic (re-publication after a restore included).",
           a->alerts_sent.load());
    metric(out, "brinkwatch_aggregate_too_late_total", "counter",
           "Signal records not counted: event time before stream time minus max(dedup window, alert window).",
           a->too_late.load());
    metric(out, "brinkwatch_aggregate_in_restored_state_total", "counter",
           "Signal records read again after a restore whose effect the restored state already holds (skipped).",
           a->in_restored_state.load());
    metric(out, "brinkwatch_aggregate_changelog_sent_total", "counter",
           "State records delivered to the changelog topic (tombstones included).", a->changelog_sent.load());
    by_reason(out, "brinkwatch_aggregate_discarded_total",
              "Signal records that could not be read, delivered to the dead-letter topic, by error code.", a->mu,
              a->dead_by_reason);
    header(out, "brinkwatch_aggregate_errors_total", "counter", "Records whose delivery failed, by error type.");
    out += fmt::format("brinkwatch_aggregate_errors_total{{error_type=\"delivery\"}} {}\n", a->delivery_failed.load());
    metric(out, "brinkwatch_aggregate_regions", "gauge", "Regions held in state, over every assigned partition.",
           a->regions.load());
    metric(out, "brinkwatch_aggregate_partitions", "gauge", "Signals partitions assigned to this process.",
           a->partitions.load());
    render_aggregate_details(out, *a);
  }
  if (s.detect || s.aggregate) render_consumer_lag(out, s.detect, s.aggregate);
  if (s.reload) {
    ReloadStatus& r = *s.reload;
    std::lock_guard lock(r.mu);
    if (!r.ruleset_version.empty()) {
      header(out, "brinkwatch_ruleset_info", "gauge", "The active ruleset; its version is a label, the value is 1.");
      out += fmt::format("brinkwatch_ruleset_info{{version=\"{}\"}} 1\n", label_value(r.ruleset_version));
      header(out, "brinkwatch_ruleset_loaded_timestamp_seconds", "gauge", "When the active ruleset was loaded (Unix time).");
      out += fmt::format("brinkwatch_ruleset_loaded_timestamp_seconds {:.3f}\n",
                         static_cast<double>(r.ruleset_loaded_ms) / 1000.0);
    }
    header(out, "brinkwatch_policy_info", "gauge", "The active alert policies; their version is a label, the value is 1.");
    out += fmt::format("brinkwatch_policy_info{{version=\"{}\"}} 1\n", label_value(r.policy_version));
    header(out, "brinkwatch_reload_total", "counter",
           "Reloads (SIGHUP or a changed file) by result: applied, unchanged (nothing to swap), rejected.");
    out += fmt::format("brinkwatch_reload_total{{result=\"applied\"}} {}\n", r.applied);
    out += fmt::format("brinkwatch_reload_total{{result=\"unchanged\"}} {}\n", r.unchanged);
    out += fmt::format("brinkwatch_reload_total{{result=\"rejected\"}} {}\n", r.rejected);
    header(out, "brinkwatch_reload_last_success_timestamp_seconds", "gauge",
           "When a reload last succeeded (applied or unchanged; Unix time, 0: never).");
    out += fmt::format("brinkwatch_reload_last_success_timestamp_seconds {:.3f}\n",
                       static_cast<double>(r.last_success_ms) / 1000.0);
    header(out, "brinkwatch_reload_last_failure_timestamp_seconds", "gauge",
           "When a reload was last rejected (Unix time, 0: never).");
    out += fmt::format("brinkwatch_reload_last_failure_timestamp_seconds {:.3f}\n",
                       static_cast<double>(r.last_failure_ms) / 1000.0);
  }
  return out;
}

Probe health_probe(const MetricSources& s, int64_t now_ms, int64_t started_ms) {
  std::string stuck;
  auto check = [&](std::string_view stage, int64_t last) {
    const int64_t since = now_ms - (last > 0 ? last : started_ms);
    if (since > kLoopStaleMs) {
      stuck += fmt::format("{}{} poll loop has not ticked for {} s", stuck.empty() ? "" : "; ", stage, since / 1000);
    }
  };
  if (s.detect) check("detect", s.detect->last_loop_ms.load());
  if (s.aggregate) check("aggregate", s.aggregate->last_loop_ms.load());
  if (!stuck.empty()) return {503, stuck + "\n"};
  return {200, "ok\n"};
}

Probe ready_probe(const MetricSources& s, bool stopping) {
  if (stopping) return {503, "shutting down\n"};
  std::string why;
  auto add = [&](const std::string& reason) { why += (why.empty() ? "" : "; ") + reason; };
  if (s.detect && s.detect->partitions.load() == 0) add("detect: no partitions assigned");
  if (s.aggregate) {
    const uint64_t parts = s.aggregate->partitions.load(), restoring = s.aggregate->restoring.load();
    if (parts == 0) {
      add("aggregate: no partitions assigned");
    } else if (restoring > 0) {
      add(fmt::format("aggregate: restoring {} of {} partitions from the changelog", restoring, parts));
    }
  }
  if (!why.empty()) return {503, why + "\n"};
  return {200, "ready\n"};
}

struct HttpServer::Impl {
  MetricSources sources;
  int64_t started_ms = steady_now_ms();
  std::atomic<bool> stopping{false};
  httplib::Server server;
  std::thread thread;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void HttpServer::set_stopping() { impl_->stopping = true; }

Result<std::unique_ptr<HttpServer>> HttpServer::start(const Http& http, MetricSources sources) {
  auto impl = std::make_unique<Impl>();
  impl->sources = std::move(sources);
  Impl* p = impl.get();
  auto& srv = p->server;
  // Scrapes and probes are small and rare: two request threads, short timeouts.
  srv.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // cpp-httplib sets SO_REUSEPORT by default: a second daemon would then share the port and
  // Prometheus would scrape either at random. SO_REUSEADDR alone still allows a quick restart.
  srv.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  srv.set_read_timeout(5, 0);
  srv.set_write_timeout(5, 0);
  srv.Get("/metrics", [p](const httplib::Request&, httplib::Response& res) {
    res.set_content(render_metrics(p->sources), "text/plain; version=0.0.4; charset=utf-8");
  });
  srv.Get("/healthz", [p](const httplib::Request&, httplib::Response& res) {
    const Probe probe = health_probe(p->sources, steady_now_ms(), p->started_ms);
    res.status = probe.status;
    res.set_content(probe.body, "text/plain; charset=utf-8");
  });
  srv.Get("/ready", [p](const httplib::Request&, httplib::Response& res) {
    const Probe probe = ready_probe(p->sources, p->stopping.load());
    res.status = probe.status;
    res.set_content(probe.body, "text/plain; charset=utf-8");
  });
  if (!srv.bind_to_port(http.host, http.port)) {
    return Error{"http", fmt::format("cannot listen on {}:{} for /metrics, /healthz and /ready (address in use or "
                                     "not local?); set http.listen, or http.enabled: false",
                                     http.host, http.port)};
  }
  p->thread = std::thread([p] { p->server.listen_after_bind(); });
  // stop() is a no-op until the listener runs; wait for it so the destructor cannot hang.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!srv.is_running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info("http: serving /metrics, /healthz and /ready on {}:{}", http.host, http.port);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace brinkwatch::app
