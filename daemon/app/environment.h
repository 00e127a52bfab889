// `brinkwatch validate --env`: the third tier of validation (after the config itself, and the
// components it builds: rules and gazetteer). Can the daemon's Kafka clients reach the cluster
// with the kafka: properties (TLS, SASL), do the configured topics exist, and are the signals and
// changelog topics co-partitioned, as the aggregate stage requires.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "core/rules/diagnostic.h"

namespace brinkwatch::app {

// How long validate waits for the cluster's metadata.
inline constexpr int kEnvTimeoutMs = 10000;

struct EnvReport {
  bool reached = false;
  std::string bootstrap;
  std::vector<std::string> brokers;
  double seconds = 0;  // until the metadata answer (or the timeout)
  struct Topic {
    std::string role;  // its key under topics:
    std::string name;
    int partitions = 0;  // 0: missing or unusable
    std::string error;   // "" when fine
  };
  std::vector<Topic> topics;
};

// Problems become diagnostics on the config file: kafka-unreachable, missing-topic, topic-error,
// partition-mismatch (and missing-key without bootstrap.servers).
EnvReport check_environment(const Config& config, int timeout_ms, rules::Diagnostics& diags);

std::string env_text(const EnvReport& report);
nlohmann::json env_json(const EnvReport& report);

}  // namespace brinkwatch::app
