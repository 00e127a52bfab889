// brinkwatch demo: the embedded broker (child process), the detect stage (threads of this
// process), the bundled sample articles fed into the articles topic, and a live view of the
// signals topic. Exits 0 once every sample is processed and its signals shown, or on Ctrl-C.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/config.h"
#include "app/detect_stage.h"
#include "kafka/client.h"
#include "kafka/embedded_broker.h"
#include "kafka/producer.h"

namespace brinkwatch::app {

void install_stop_signals();
int stop_signal();
void setup_logging(spdlog::level::level_enum level);
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

std::string view_line(const std::string& json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "(unreadable record)";
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
  return fmt::format("{}  {:<24} {:<22} {:>4.2f}  {}\n{:>18}\u2514 \"{}\"", when, shorten(region, 24),
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
  std::cout << fmt::format("ruleset {} ({} rules); feeding {} articles from {} at {} per second\n\n",
                           engine->version(), engine->stats().rules, articles.size(), samples, args.rate)
            << std::flush;

  // 2. The detect stage.
  DetectStage stage(config, engine);
  if (auto started = stage.start(); !started) {
    std::cerr << fmt::format("brinkwatch demo: {}\n", started.error().message);
    return 2;
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
    auto subs = kafka::to_list({{config.topics.signals, RD_KAFKA_PARTITION_UA}});
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
  std::thread feeder([&] {
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < articles.size() && !feeder_stop; ++i) {
      const auto due = start + std::chrono::microseconds(static_cast<int64_t>(1e6 * static_cast<double>(i) / args.rate));
      while (std::chrono::steady_clock::now() < due && !feeder_stop) {
        (*feeder_producer)->poll(5);
      }
      if ((*feeder_producer)->produce(config.topics.articles, fmt::format("sample-{}", i), articles[i], {}, nullptr)) break;
      ++fed;
    }
    (*feeder_producer)->flush(10000);
  });

  size_t shown = 0;
  bool announced = false;
  int rc = 0;
  while (!stop_signal()) {
    kafka::MessagePtr msg(rd_kafka_consumer_poll(view.get(), 100));
    if (msg && !msg->err) {
      ++shown;
      std::cout << view_line(std::string(static_cast<const char*>(msg->payload), msg->len)) << '\n' << std::flush;
    }
    if (stage.failed()) {
      rc = 1;
      break;
    }
    const bool all_done = fed.load() == articles.size() && stage.counters().completed.load() >= articles.size() &&
                          shown >= stage.counters().sent.load();
    if (all_done && !announced) {
      announced = true;
      std::cout << fmt::format("\nall {} articles processed: {}\n", articles.size(), stage.counters_line());
      if (!args.keep_running) break;
      std::cout << fmt::format(
          "\nThe broker and the daemon keep running; Ctrl-C stops both.\n"
          "Produce an article (one JSON object per line) with kcat (Debian package kafkacat):\n"
          "  echo '{{\"id\":\"my-1\",\"title\":\"Navy ships head for the Black Sea\",\"text\":\"Russia deployed three "
          "warships to the Black Sea near Ukraine on Monday.\"}}' | kcat -P -b {} -t {}\n"
          "Read the signals (and the dead letters) from the start:\n"
          "  kcat -C -b {} -t {} -o beginning -X fetch.wait.max.ms=10\n"
          "  kcat -C -b {} -t {} -o beginning -X fetch.wait.max.ms=10 -f '%h %s\\n'\n"
          "New signals also appear below.\n\n",
          bootstrap, config.topics.articles, bootstrap, config.topics.signals, bootstrap, config.topics.dead_letter)
                << std::flush;
    }
  }
  if (stop_signal()) std::cout << "\nstopping...\n";
  start_shutdown_watchdog(config.run_limits.shutdown_deadline_ms);
  feeder_stop = true;
  feeder.join();
  rd_kafka_consumer_close(view.get());
  view.reset();
  const int stage_rc = stage.shutdown();
  std::cout << fmt::format("detect stage: {}\n", stage.counters_line());
  return rc ? rc : stage_rc;
}

}  // namespace brinkwatch::app
