// An idempotent producer (enable.idempotence=true, acks=all): retries cannot duplicate or
// reorder records within a partition. Each record carries an opaque pointer that comes back in
// its delivery report, which runs on whichever thread calls poll() or flush().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "kafka/client.h"

namespace brinkwatch::kafka {

struct Header {
  std::string name;
  std::string value;
};

// `err` is RD_KAFKA_RESP_ERR_NO_ERROR on success. A failure here is final: the idempotent
// producer has already retried until message.timeout.ms.
using DeliveryFn = std::function<void(void* opaque, rd_kafka_resp_err_t err)>;

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> create(const std::vector<Property>& properties, DeliveryFn on_delivery);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues a record. Waits (up to `queue_full_wait_ms`) while the local queue is full; any other
  // error is returned and no delivery report will follow. Thread-safe.
  rd_kafka_resp_err_t produce(const std::string& topic, std::string_view key, std::string_view value,
                              const std::vector<Header>& headers, void* opaque, int queue_full_wait_ms = 10000);
  // The same, to an explicit partition (RD_KAFKA_PARTITION_UA: the partitioner's choice by key),
  // with no value at all when `value` is nullopt: a tombstone on a compacted topic. The
  // aggregate stage writes its changelog this way, to the partition number of the signals
  // partition whose state it is, whatever the key would hash to.
  rd_kafka_resp_err_t produce_to(const std::string& topic, int32_t partition, std::string_view key,
                                 std::optional<std::string_view> value, const std::vector<Header>& headers,
                                 void* opaque, int queue_full_wait_ms = 10000);
  // Serves delivery reports. Returns how many were served.
  int poll(int timeout_ms);
  // Waits for every queued record's delivery report (served on this thread).
  rd_kafka_resp_err_t flush(int timeout_ms);
  // Records not yet acknowledged.
  int outstanding() const;
  // Non-empty when the idempotent producer hit a fatal error: nothing more can be delivered.
  std::string fatal_error() const;
  // Asks the cluster for the topics' partitions and leaders now, once at start-up: librdkafka
  // otherwise asks only when the first record to a topic is produced, and that record (with
  // all behind it) waits for the answer, about a second on the embedded broker. Returns what
  // went wrong (empty when all were found); records still go out either way, the lookup is
  // then simply made at the first one.
  std::string prepare_topics(const std::vector<std::string>& topics, int timeout_ms);

 private:
  Producer() = default;
  static void dr_cb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  HandlePtr rk_;
  DeliveryFn on_delivery_;
  // Held so librdkafka keeps the prepared topics' metadata; released before rk_.
  std::vector<std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)>> topics_;
};

}  // namespace brinkwatch::kafka
