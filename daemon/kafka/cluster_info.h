// What the cluster says about itself, for `brinkwatch validate --env`: one metadata request
// (brokers, topics, partition counts) with the kafka: properties (TLS, SASL) the daemon uses.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "kafka/client.h"

namespace brinkwatch::kafka {

struct TopicInfo {
  int partitions = 0;
  std::string error;  // the broker's error for the topic ("" when none)
};

struct ClusterInfo {
  std::vector<std::string> brokers;  // host:port of each broker in the metadata
  std::string answered_by;           // the broker that answered
  std::map<std::string, TopicInfo> topics;
};

// A metadata request for every topic (which never auto-creates one) within `timeout_ms`. The
// error (code "unreachable") carries librdkafka's reasons: connection refused, TLS handshake
// or SASL authentication failures, name resolution.
Result<ClusterInfo> describe_cluster(const std::vector<Property>& properties, int timeout_ms);

}  // namespace brinkwatch::kafka
