#include "app/environment.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "app/detect_stage.h"  // kafka_properties
#include "kafka/cluster_info.h"

namespace brinkwatch::app {

EnvReport check_environment(const Config& config, int timeout_ms, rules::Diagnostics& diags) {
  EnvReport r;
  const KafkaProperty* boot = config.kafka_property("bootstrap.servers");
  if (!boot) boot = config.kafka_property("metadata.broker.list");
  if (!boot) {
    diags.error("missing-key", config.path, 0, 0,
                "kafka.bootstrap.servers is needed to check the environment (--set kafka.bootstrap.servers=HOST:PORT)");
    return r;
  }
  r.bootstrap = boot->value;
  const auto started = std::chrono::steady_clock::now();
  auto cluster = kafka::describe_cluster(kafka_properties(config), timeout_ms);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!cluster) {
    diags.error("kafka-unreachable", config.path, boot->line, boot->column,
                fmt::format("kafka.bootstrap.servers {}: {}", r.bootstrap, cluster.error().message));
    return r;
  }
  r.reached = true;
  r.brokers = cluster->brokers;
  const std::vector<std::pair<std::string, std::string>> wanted{{"articles", config.topics.articles},
                                                                {"signals", config.topics.signals},
                                                                {"dead_letter", config.topics.dead_letter},
                                                                {"alerts", config.topics.alerts},
                                                                {"changelog", config.topics.changelog}};
  for (const auto& [role, name] : wanted) {
    EnvReport::Topic t{role, name, 0, ""};
    const auto it = cluster->topics.find(name);
    if (it == cluster->topics.end()) {
      t.error = "does not exist";
      diags.error("missing-topic", config.path, 0, 0,
                  fmt::format("topics.{}: topic \"{}\" does not exist on the cluster at {}; create it (docs/operations.md, "
                              "\"Topics and keys\")",
                              role, name, r.bootstrap));
    } else if (!it->second.error.empty() || it->second.partitions <= 0) {
      t.error = it->second.error.empty() ? "no partitions" : it->second.error;
      diags.error("topic-error", config.path, 0, 0,
                  fmt::format("topics.{}: topic \"{}\": {}", role, name, t.error));
    } else {
      t.partitions = it->second.partitions;
    }
    r.topics.push_back(std::move(t));
  }
  const auto& signals = r.topics[1];
  const auto& changelog = r.topics[4];
  if (signals.partitions > 0 && changelog.partitions > 0 && signals.partitions != changelog.partitions) {
    diags.error("partition-mismatch", config.path, 0, 0,
                fmt::format("topics.changelog: \"{}\" has {} partitions and topics.signals \"{}\" has {}; the aggregate "
                            "stage keeps signals partition N's state in changelog partition N, so they must be equal",
                            changelog.name, changelog.partitions, signals.name, signals.partitions));
  }
  return r;
}

std::string env_text(const EnvReport& r) {
  if (!r.reached) return {};
  std::string brokers;
  for (const auto& b : r.brokers) brokers += fmt::format("{}{}", brokers.empty() ? "" : ", ", b);
  std::string out = fmt::format("environment: kafka at {} answered in {:.2f} s ({} broker{}: {})\n", r.bootstrap,
                                r.seconds, r.brokers.size(), r.brokers.size() == 1 ? "" : "s", brokers);
  for (const auto& t : r.topics) {
    out += fmt::format("  {:<12} {:<40} {}\n", t.role, t.name,
                       t.error.empty() ? fmt::format("{} partitions", t.partitions) : t.error);
  }
  return out;
}

nlohmann::json env_json(const EnvReport& r) {
  nlohmann::json topics = nlohmann::json::array();
  for (const auto& t : r.topics) {
    nlohmann::json j{{"role", t.role}, {"name", t.name}, {"exists", t.error != "does not exist"}};
    if (t.partitions > 0) j["partitions"] = t.partitions;
    if (!t.error.empty()) j["error"] = t.error;
    topics.push_back(std::move(j));
  }
  return {{"bootstrap_servers", r.bootstrap}, {"reached", r.reached}, {"brokers", r.brokers},
          {"seconds", std::round(r.seconds * 1000) / 1000}, {"topics", std::move(topics)}};
}

}  // namespace brinkwatch::app
