// librdkafka's statistics JSON (statistics.interval.ms; librdkafka STATISTICS.md), reduced to
// what brinkwatch exports: each partition's consumer lag.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace brinkwatch::kafka {

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t lag = 0;  // messages: the high watermark (last stable offset under read_committed) minus the committed offset
};

// Every partition of every topic in the statistics whose `consumer_lag` is known: librdkafka
// writes -1 before the group has committed an offset for the partition, and lists an internal
// partition -1 (UA) per topic; both are left out. Errors: not JSON, or not librdkafka's shape.
Result<std::vector<PartitionLag>> consumer_lags(std::string_view json);

}  // namespace brinkwatch::kafka
