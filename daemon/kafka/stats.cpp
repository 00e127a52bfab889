#include "kafka/stats.h"

#include <simdjson.h>

namespace brinkwatch::kafka {

Result<std::vector<PartitionLag>> consumer_lags(std::string_view json) {
  // Once per statistics interval (seconds): a fresh parser and a padded copy cost nothing here.
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return Error{"invalid_json", std::string("statistics are not JSON: ") + simdjson::error_message(err)};
  }
  std::vector<PartitionLag> out;
  simdjson::dom::object topics;
  if (auto err = root["topics"].get(topics); err) {
    if (err == simdjson::NO_SUCH_FIELD) return out;  // no topic known yet
    return Error{"wrong_shape", "statistics: \"topics\" is not an object"};
  }
  for (auto [topic_key, topic] : topics) {
    simdjson::dom::object partitions;
    if (topic["partitions"].get(partitions) != simdjson::SUCCESS) continue;
    for (auto [part_key, part] : partitions) {
      int64_t partition = 0, lag = 0;
      if (part["partition"].get(partition) != simdjson::SUCCESS) continue;
      if (part["consumer_lag"].get(lag) != simdjson::SUCCESS) continue;
      if (partition < 0 || lag < 0) continue;
      out.push_back({std::string(topic_key), static_cast<int32_t>(partition), lag});
    }
  }
  return out;
}

}  // namespace brinkwatch::kafka
