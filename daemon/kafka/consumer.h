// A group consumer with its poll loop on one thread. Rebalance callbacks, message handling and
// the handler's tick all run on that thread, so the handler's bookkeeping needs no locks.
// Cooperative-sticky assignment (KIP-429): a rebalance moves only the partitions that change
// owner, so the others keep flowing. Offsets are stored by the handler (enable.auto.offset.store
// is forced off) and committed by librdkafka's auto-commit and on close.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "kafka/client.h"

namespace brinkwatch::kafka {

class Consumer;

// Called on the poll thread. Must not block for long: the loop must come back to poll within
// max.poll.interval.ms.
class ConsumerHandler {
 public:
  virtual ~ConsumerHandler() = default;
  virtual void on_assigned(Consumer& c, const std::vector<TopicPartition>& tps) = 0;
  // `lost`: the partitions were taken away without a clean revoke (session timeout); their
  // offsets must not be committed.
  virtual void on_revoked(Consumer& c, const std::vector<TopicPartition>& tps, bool lost) = 0;
  virtual void on_message(Consumer& c, MessagePtr msg) = 0;
  // Once per loop iteration, after poll returns (with or without a message).
  virtual void on_tick(Consumer& c) = 0;
  // How long the next poll may wait for a message (short while work is in flight).
  virtual int poll_timeout_ms() = 0;
  // librdkafka's statistics JSON, every statistics.interval.ms (5000 unless kafka: sets it; 0
  // turns them off). On the poll thread, like the rest.
  virtual void on_statistics(Consumer& /*c*/, std::string_view /*json*/) {}
};

struct ConsumerOptions {
  std::vector<Property> properties;  // kafka: passthrough
  std::string group;
  std::vector<std::string> topics;
};

class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> create(const ConsumerOptions& options, ConsumerHandler* handler);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Starts the poll thread.
  void start();
  // Asks the poll loop to stop after the current iteration; `finish` runs on the poll thread
  // before the consumer closes (drain, final stores). Joins.
  void stop();
  bool running() const { return running_.load(); }
  // Makes the poll loop end after the current iteration (any thread, including the poll thread).
  void request_stop() { stop_ = true; }
  // Leaves the group (revocation callbacks run on the calling thread). After stop().
  void close();

  // Poll thread only.
  void pause(const TopicPartition& tp);
  void resume(const TopicPartition& tp);
  bool store(const TopicPartition& tp, int64_t next_offset);
  // Synchronous commit of the stored offsets (false on error, logged).
  bool commit();
  // Serves rebalance callbacks and events without handing out messages (used while draining).
  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Consumer() = default;
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  static int stats_cb(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);
  void loop();

  HandlePtr rk_;
  ConsumerHandler* handler_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  bool closed_ = false;
};

}  // namespace brinkwatch::kafka
