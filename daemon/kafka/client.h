// RAII over the librdkafka C API and what the consumer and producer share: configuration from
// passthrough properties, log and error callbacks into spdlog, and rate-limited error logging.
// librdkafka is used through its C API (not rdkafkacpp) because the mock cluster, headers and
// the incremental (cooperative) assignment calls are C-first.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "kafka/offset_tracker.h"

namespace brinkwatch::kafka {

struct Deleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const { rd_kafka_topic_partition_list_destroy(p); }
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_headers_t* p) const { rd_kafka_headers_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, Deleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, Deleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, Deleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, Deleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, Deleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, Deleter>;

// A librdkafka property, passed verbatim.
struct Property {
  std::string key;
  std::string value;
};

// True for properties whose values must never be logged.
bool is_secret(std::string_view key);

// Applies the properties in order (later ones win). The error names the property, never a
// secret value. `role` ("consumer", "producer", "broker") names the client in its logs.
Result<ConfPtr> make_conf(const std::vector<Property>& properties, std::string_view role);

// Checks properties against librdkafka without creating a client: the first error per property.
std::vector<std::pair<size_t, std::string>> check_properties(const std::vector<Property>& properties);

// Logs each distinct error key once, then at most one summary of repeats per interval:
// a broker that is down for an hour must not write a million lines.
class ErrorLog {
 public:
  explicit ErrorLog(std::chrono::seconds interval = std::chrono::seconds(30)) : interval_(interval) {}
  void error(const std::string& key, const std::string& message);
  void warn(const std::string& key, const std::string& message);

 private:
  bool admit(const std::string& key, uint64_t& suppressed);
  struct Entry {
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  std::chrono::seconds interval_;
  std::mutex mu_;
  std::map<std::string, Entry> seen_;
};
ErrorLog& error_log();  // process-wide

PartitionListPtr to_list(const std::vector<TopicPartition>& tps);
std::vector<TopicPartition> from_list(const rd_kafka_topic_partition_list_t* list);

// A message header's value as a string ("" when absent).
std::string header(const rd_kafka_message_t* msg, const char* name);

}  // namespace brinkwatch::kafka
