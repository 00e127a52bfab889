// brinkwatch demo: the embedded broker (child process), both stages (threads of this process), the
// bundled sample articles fed into the articles topic in published_at order on a compressed
// clock, and a live view of the signals and alerts topics. Exits 0 once every sample is processed
// and its output shown, or on Ctrl-C.
//
// The clock: both stages take an injected clock (DESIGN.md "Time"), so the demo gives them a
// simulated one that starts at the first sample's published_at and runs `--speed` hours per
// second, jumping over quiet stretches. Days of event time pass in seconds, with everything the
// real daemon does on the way: decay, cool-down and the wall-clock tick of idle partitions.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/aggregate_stage.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/detect_stage.h"
#include "app/http_server.h"
#include "app/process.h"
#include "core/aggregate/options.h"
#include "core/article.h"
#include "kafka/client.h"
#include "kafka/embedded_broker.h"
#include "kafka/producer.h"

namespace brinkwatch::app {

bool check_kafka_config(const Config& config, rules::Diagnostics& diags);
void start_shutdown_watchdog(int64_t deadline_ms);

namespace {

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("brinkwatch");
}

void set_property(Config& c, const std::string& key, const std::string& value, bool only_if_missing) {
  if (only_if_missing && c.kafka_property(key)) return;
  c.kafka.push_back({key, value, 0, 0});
}

// Shortens to at most `max` bytes on a UTF-8 boundary, with an ellipsis.
std::string shorten(std::string s, size_t max) {
  for (auto& ch : s) {
    if (ch == '\n' || ch == '\t') ch = ' ';
  }
  if (s.size() <= max) return s;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

// Simulated time: Unix ms = origin + elapsed wall time x speed + jumps. Thread-safe.
class SimClock {
 public:
  SimClock(int64_t origin_ms, double speed) : origin_(origin_ms), speed_(speed), start_(std::chrono::steady_clock::now()) {}
  int64_t now() const {
    const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    return origin_ + jumped_.load() + static_cast<int64_t>(wall * speed_);
  }
  void jump_to(int64_t sim_ms) {
    const int64_t ahead = sim_ms - now();
    if (ahead > 0) jumped_ += ahead;
  }

 private:
  const int64_t origin_;
  const double speed_;  // simulated ms per wall ms
  const std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> jumped_{0};
};

std::string short_time(const std::string& rfc3339) {
  return rfc3339.size() >= 16 ? rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) : rfc3339;
}

std::string alert_view(const nlohmann::json& j) {
  static const bool tty = isatty(STDOUT_FILENO) != 0;
  const std::string level = j.value("level", std::string("?"));
  const std::string previous = j.value("previous_level", std::string("?"));
  const bool up = (previous == "none") || (previous == "watch" && level != "none") || (previous == "warning" && level == "critical");
  const char* colour = !tty ? "" : level == "critical" ? "\033[1;31m" : level == "warning" ? "\033[1;33m" : level == "watch" ? "\033[1;36m" : "\033[1;32m";
  std::string out = fmt::format("{}  {}{} ALERT {:<24} {} -> {}{}  index {:.1f} (baseline {:.1f}, anomaly {:.1f}), {}\n",
                                short_time(j.value("changed_at", std::string())), colour, up ? "\u25b2" : "\u25bc",
                                shorten(j.value("region", std::string()), 24), previous, level, tty ? "\033[0m" : "",
                                j.value("index", 0.0),
                                j["baseline"].value("mean", 0.0), j.value("anomaly", 0.0), j.value("reason", std::string()));
  std::string drivers;
  for (const auto& d : j.value("drivers", nlohmann::json::array())) {
    if (!drivers.empty()) drivers += ", ";
    drivers += fmt::format("{} {} stor{} / {} source{}", d.value("type", std::string()), d.value("stories", 0),
                           d.value("stories", 0) == 1 ? "y" : "ies", d.value("sources", 0), d.value("sources", 0) == 1 ? "" : "s");
  }
  out += fmt::format("{:>18}drivers: {}\n", "", shorten(drivers, 150));
  size_t shown = 0;
  for (const auto& e : j.value("evidence", nlohmann::json::array())) {
    if (shown++ == 2) break;
    out += fmt::format("{:>18}\u2514 \"{}\" {}\n", "", shorten(e.value("sentence", std::string()), 100), e.value("url", std::string()));
  }
  return out;
}

// One line per signal (its primary region's record only: a signal is written once per region)
// or an alert block; empty for records not to show.
std::string view_line(const std::string& json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "(unreadable record)";
  if (j.value("schema", std::string()) == "brinkwatch.alert/1") return alert_view(j);
  if (j.contains("regions") && j["regions"].is_array() && !j["regions"].empty() &&
      j.value("region", std::string()) != j["regions"][0].get<std::string>()) {
    return {};
  }
  const std::string published = j.value("published_at", std::string("-"));
  const std::string when = published.size() >= 16 ? published.substr(0, 10) + " " + published.substr(11, 5) : published;
  std::string region = "unlocated";
  if (j.contains("regions") && j["regions"].is_array() && !j["regions"].empty()) region = j["regions"][0].get<std::string>();
  std::string evidence;
  if (j.contains("evidence") && j["evidence"].is_array() && !j["evidence"].empty()) {
    // The strongest sentence from the body says more than the headline above it.
    evidence = j["evidence"][0].value("sentence", std::string());
    for (const auto& e : j["evidence"]) {
      if (e.value("field", std::string()) == "text") {
        evidence = e.value("sentence", std::string());
        break;
      }
    }
  }
  return fmt::format("{}  {:<24} {:<22} {:>4.2f}  {}\n{:>18}\u2514 \"{}\"\n", when, shorten(region, 24),
                     j.value("type", std::string("?")), j.value("score", 0.0), shorten(j.value("title", std::string()), 80),
                     "", shorten(evidence, 110));
}

}  // namespace

int cmd_demo(const Args& args) {
  setup_logging(args.verbose ? spdlog::level::info : spdlog::level::warn);
  rules::Diagnostics diags;
  Config config = load_config(args.config, diags, args.overrides);
  if (!diags.has_errors()) check_kafka_config(config, diags);
  std::shared_ptr<const detect::Engine> engine;
  if (!diags.has_errors()) engine = load_engine(config, diags);
  if (!engine) {
    std::cerr << diags.str();
    return 2;
  }
  ReloadStatus ruleset;  // the demo does not reload: the status only names what it runs
  ruleset.ruleset_version = engine->version();
  ruleset.ruleset_loaded_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  ruleset.policy_version = aggregate::policy_version(*config.aggregate);
  const std::string samples = args.positional.empty() ? config.dir + "/samples/articles.jsonl" : args.positional[0];
  std::vector<std::string> articles;
  {
    std::ifstream in(samples, std::ios::binary);
    if (!in) {
      std::cerr << fmt::format("brinkwatch demo: cannot open {}\n", samples);
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) articles.push_back(std::move(line));
    }
  }
  // In published_at order, each with its time (articles without one go last, fed at once).
  std::vector<std::pair<int64_t, std::string>> timeline;
  {
    ArticleDecoder decoder(config.fields, config.limits);
    for (auto& a : articles) {
      auto decoded = decoder.decode(a);
      int64_t t = std::numeric_limits<int64_t>::max();
      if (decoded) t = parse_rfc3339(decoded->published_at).value_or(t);
      timeline.emplace_back(t, std::move(a));
    }
    std::stable_sort(timeline.begin(), timeline.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  }
  const int64_t origin = timeline.empty() || timeline.front().first == std::numeric_limits<int64_t>::max()
                             ? 0
                             : timeline.front().first - 3600 * 1000;
  auto sim = std::make_shared<SimClock>(origin, args.speed * 3600.0);
  install_stop_signals();

  // 1. The broker, in its own process.
  std::vector<std::string> broker_args{"broker", "-c", config.path};
  for (const auto& o : args.overrides) {
    broker_args.push_back("--set");
    broker_args.push_back(o.path + "=" + o.value);
  }
  auto broker = kafka::EmbeddedBroker::spawn(self_exe(), broker_args);
  if (!broker) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", broker.error().message);
    return 2;
  }
  const std::string bootstrap = (*broker)->bootstrap();
  set_property(config, "bootstrap.servers", bootstrap, false);
  // The mock broker answers an empty fetch only after fetch.wait.max.ms; keep it short.
  set_property(config, "fetch.wait.max.ms", "10", false);

  std::cout << fmt::format("brinkwatch demo: embedded Kafka broker at {} (topics {}, {}, {}; {} partitions each)\n",
                           bootstrap, config.topics.articles, config.topics.signals, config.topics.dead_letter,
                           config.embedded.partitions);
  std::cout << fmt::format("ruleset {} ({} rules); feeding {} articles from {} in published_at order, "
                           "{} simulated hours per second (quiet stretches skipped)\n\n",
                           engine->version(), engine->stats().rules, timeline.size(), samples, args.speed)
            << std::flush;

  // 2. Both stages, on the simulated clock.
  const auto clock = [sim] { return sim->now(); };
  // The idle tick moves stream time on in simulated time; keep its wall-clock wait short.
  config.aggregate_idle_ms = std::min<int64_t>(config.aggregate_idle_ms, 200);
  // At this speed an article spends simulated hours in the pipeline; allow that much lateness so
  // the live alerts are those of a replay (tests/kafka/demo_test.sh checks it).
  config.aggregate_tick_lag_ms = std::max<int64_t>(config.aggregate_tick_lag_ms,
                                                    static_cast<int64_t>(args.speed * 3600.0 * 1000.0));
  DetectStage stage(config, engine, clock);
  if (auto started = stage.start(); !started) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", started.error().message);
    return 2;
  }
  AggregateStage aggregate_stage(config, clock);
  if (auto started = aggregate_stage.start(); !started) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", started.error().message);
    return 2;
  }
  // The endpoint is a convenience here: a taken port (another demo, a running daemon) is a
  // warning, not a reason to stop. Declared after the stages, so it stops before them.
  std::unique_ptr<HttpServer> http;
  if (config.http.enabled) {
    auto server = HttpServer::start(
        config.http, MetricSources{&stage.counters(), &aggregate_stage.counters(), &ruleset});
    if (server) {
      http = std::move(*server);
      std::cout << fmt::format("metrics at http://{}:{}/metrics (health: /healthz, /ready)\n\n", config.http.host,
                               config.http.port)
                << std::flush;
    } else {
      std::cerr << fmt::format("brinkwatch demo: {}; running without it\n", server.error().message);
    }
  }

  // 3. The live view: a consumer of the signals topic from the beginning.
  auto props = kafka_properties(config);
  props.push_back({"group.id", fmt::format("brinkwatch-demo-view-{}", getpid())});
  props.push_back({"auto.offset.reset", "earliest"});
  props.push_back({"enable.auto.commit", "false"});
  auto conf = kafka::make_conf(props, "demo-view");
  if (!conf) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", conf.error().message);
    return 2;
  }
  char errstr[512];
  kafka::HandlePtr view(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  if (!view) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", errstr);
    return 2;
  }
  conf->release();
  rd_kafka_poll_set_consumer(view.get());
  {
    auto subs = kafka::to_list({{config.topics.signals, RD_KAFKA_PARTITION_UA}, {config.topics.alerts, RD_KAFKA_PARTITION_UA}});
    rd_kafka_subscribe(view.get(), subs.get());
  }

  // 4. The feeder: sample articles at the requested rate.
  std::atomic<size_t> fed{0};
  std::atomic<bool> feeder_stop{false};
  auto feeder_producer = kafka::Producer::create(props, {});
  if (!feeder_producer) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", feeder_producer.error().message);
    return 2;
  }
  // Quiet stretches longer than this (simulated) are skipped.
  constexpr int64_t kMaxGapMs = 12 * 3600 * 1000LL;
  std::thread feeder([&] {
    for (size_t i = 0; i < timeline.size() && !feeder_stop; ++i) {
      const int64_t due = timeline[i].first;
      if (due != std::numeric_limits<int64_t>::max()) {
        if (due - sim->now() > kMaxGapMs) sim->jump_to(due - kMaxGapMs);
        while (sim->now() < due && !feeder_stop) (*feeder_producer)->poll(5);
      }
      if ((*feeder_producer)->produce(config.topics.articles, fmt::format("sample-{}", i), timeline[i].second, {}, nullptr)) break;
      ++fed;
    }
    (*feeder_producer)->flush(10000);
  });

  size_t shown = 0, alerts_shown = 0;
  std::map<std::string, std::string> levels;  // region → level, from the alerts seen
  bool announced = false;
  int rc = 0;
  // After the last article, a few seconds more of simulated time let regions decay on screen.
  std::optional<std::chrono::steady_clock::time_point> settle_until;
  while (!stop_signal()) {
    kafka::MessagePtr msg(rd_kafka_consumer_poll(view.get(), 100));
    if (msg && !msg->err) {
      const std::string value(static_cast<const char*>(msg->payload), msg->len);
      if (rd_kafka_topic_name(msg->rkt) == config.topics.alerts) {
        ++alerts_shown;
        const auto j = nlohmann::json::parse(value, nullptr, false);
        if (j.is_object()) levels[j.value("region", std::string())] = j.value("level", std::string());
      } else {
        ++shown;
      }
      if (const std::string line = view_line(value); !line.empty()) std::cout << line << std::flush;
    }
    if (stage.failed() || aggregate_stage.failed()) {
      rc = 1;
      break;
    }
    const bool processed = fed.load() == timeline.size() && stage.counters().completed.load() >= timeline.size() &&
                           shown >= stage.counters().sent.load() &&
                           aggregate_stage.counters().completed.load() >= stage.counters().sent.load() &&
                           alerts_shown >= aggregate_stage.counters().alerts_sent.load();
    if (processed && !settle_until) settle_until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    const bool all_done = processed && settle_until && std::chrono::steady_clock::now() >= *settle_until;
    if (all_done && !announced) {
      announced = true;
      std::string still_up;
      for (const auto& [region, level] : levels) {
        if (level != "none") still_up += fmt::format(" {}={}", region, level);
      }
      std::cout << fmt::format("\nall {} articles processed: detect {}\naggregate {}\n{} alerts; regions still at a level:{}\n",
                               timeline.size(), stage.counters_line(), aggregate_stage.counters_line(), alerts_shown,
                               still_up.empty() ? " none" : still_up);
      if (!args.keep_running) break;
      std::cout << fmt::format(
          "\nThe broker and the daemon keep running; Ctrl-C stops both.\n"
          "Produce an article (one JSON object per line) with kcat (Debian package kafkacat):\n"
          "  echo '{{\"id\":\"my-1\",\"title\":\"Navy ships head for the Black Sea\",\"text\":\"Russia deployed three "
          "warships to the Black Sea near Ukraine on Monday.\"}}' | kcat -P -b {} -t {}\n"
          "Read the signals (and the dead letters) from the start:\n"
          "  kcat -C -b {} -t {} -o beginning -X fetch.wait.max.ms=10\n"
          "  kcat -C -b {} -t {} -o beginning -X fetch.wait.max.ms=10 -f '%h %s\\n'\n"
          "Read the alerts:\n"
          "  kcat -C -b {} -t {} -o beginning -X fetch.wait.max.ms=10\n"
          "New signals and alerts also appear below (the clock keeps running {} simulated hours per second).\n\n",
          bootstrap, config.topics.articles, bootstrap, config.topics.signals, bootstrap, config.topics.dead_letter,
          bootstrap, config.topics.alerts, args.speed)
                << std::flush;
    }
  }
  if (stop_signal()) std::cout << "\nstopping...\n";
  start_shutdown_watchdog(config.run_limits.shutdown_deadline_ms);
  feeder_stop = true;
  feeder.join();
  rd_kafka_consumer_close(view.get());
  view.reset();
  if (http) http->set_stopping();
  const int stage_rc = stage.shutdown();
  const int aggregate_rc = aggregate_stage.shutdown();
  std::cout << fmt::format("detect stage: {}\naggregate stage: {}\n", stage.counters_line(), aggregate_stage.counters_line());
  return rc ? rc : (stage_rc ? stage_rc : aggregate_rc);
}

}  // namespace brinkwatch::app
