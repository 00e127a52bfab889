// The AGGREGATE stage on Kafka: signals topic → alerts topic (brinkwatch.alert/1, keyed by
// region) and changelog topic (per-region state, co-partitioned with the signals topic), with
// undecodable signal records to the dead-letter topic.
//
// One aggregate::Aggregator per assigned signals partition. Single-threaded: rebalances, restore,
// aggregation, batching, delivery reports and the wall-clock tick all run on the consumer's poll
// thread (DESIGN.md "Threading"), so the per-partition state needs no locks; only the counters
// are read from other threads.
//
// State: on assignment a partition is paused while its state is read back from the changelog
// partition with the same number (by a second consumer that never joins a group, from the start
// to the high watermark taken at assignment), its current alerts are published again, then it
// resumes.
// Alerts leave as soon as the poll loop has drained its queue; the changed regions' state is
// written once per checkpoint (every second, or every max_in_flight_per_partition / 2 records).
// An input offset is stored only after every record derived from it (alerts, dead letters and
// its checkpoint's state) has a successful delivery report (at-least-once; docs/operations.md,
// "The aggregate stage").
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/config.h"
#include "app/handoff.h"
#include "app/metrics.h"
#include "core/aggregate/aggregator.h"
#include "kafka/consumer.h"
#include "kafka/offset_tracker.h"
#include "kafka/producer.h"

namespace brinkwatch::app {

struct AggregateCounters {
  std::atomic<uint64_t> received{0};        // signal records taken into a partition's state
  std::atomic<uint64_t> completed{0};       // input offsets finished (all output delivered)
  std::atomic<uint64_t> alerts_sent{0};     // alert records delivered (including re-publication)
  std::atomic<uint64_t> changelog_sent{0};  // changelog records delivered (tombstones included)
  std::atomic<uint64_t> parse_errors{0};    // signal records that could not be read
  std::atomic<uint64_t> too_late{0};        // records older than the state's memory: not counted
  std::atomic<uint64_t> in_restored_state{0};  // read again below the restored "~input" offset: skipped
  std::atomic<uint64_t> dead_lettered{0};   // of those, delivered to the dead-letter topic
  std::atomic<uint64_t> restored{0};        // changelog records read back on assignment
  std::atomic<uint64_t> restore_unreadable{0};
  std::atomic<uint64_t> ticks{0};           // wall-clock ticks of idle, caught-up partitions
  std::atomic<uint64_t> delivery_failed{0};
  std::atomic<uint64_t> regions{0};         // regions held, over every assigned partition
  std::atomic<uint64_t> partitions{0};      // assigned partitions (restoring or live)
  std::atomic<uint64_t> restoring{0};       // of those, still restoring from the changelog (/ready)
  std::atomic<int64_t> last_loop_ms{0};     // steady-clock ms of the poll loop's last tick (/healthz)
  std::mutex mu;
  std::map<std::string, uint64_t> dead_by_reason;  // error code → dead letters
  std::array<std::atomic<uint64_t>, 4> alerts_by_level{};  // delivered alerts by new level (aggregate::Level)
  LatencyHistogram processing;  // signal record taken → its checkpoint delivered (offset completed)
  LagGauge lag;                 // signals partitions owned, from librdkafka's statistics
};

class AggregateStage : private kafka::ConsumerHandler {
  struct Batch;

 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds, for the wall-clock tick
  explicit AggregateStage(Config config, Clock clock = {});
  ~AggregateStage() override;
  AggregateStage(const AggregateStage&) = delete;
  AggregateStage& operator=(const AggregateStage&) = delete;

  // Creates the clients and starts the poll thread. Errors are for the operator.
  Result<bool> start();
  // Any thread: alert policies from a reload (weights, levels, policies, evidence). The poll thread
  // swaps them in before its next record or tick, for every partition and for partitions assigned
  // later. `options` must not change the state's shape (aggregate::state_shape_changes).
  void set_options(std::shared_ptr<const aggregate::Options> options);
  // Any thread: stop consuming and begin draining.
  void request_stop();
  // True once the stage stopped on its own (a delivery failed, a fatal producer error).
  bool failed() const { return failed_.load(); }
  // Drains within limits.shutdown_deadline_ms (counted from the stop request), flushes,
  // commits, closes. Returns the exit status: 0 after a clean drain, 1 when a delivery failed
  // (the input will be re-read).
  int shutdown();

  AggregateCounters& counters() { return counters_; }
  std::string counters_line();

 private:
  // One per assigned signals partition.
  struct Partition {
    Partition(const kafka::TopicPartition& t, uint64_t e, std::shared_ptr<const aggregate::Options> options)
        : tp(t), epoch(e), agg(std::move(options)) {}
    kafka::TopicPartition tp;
    uint64_t epoch = 0;
    aggregate::Aggregator agg;
    bool live = false;   // false while restoring from the changelog
    bool paused = false;
    // Restore.
    int64_t restore_end = -1;  // the changelog partition's high watermark at assignment; -1: not known yet
    bool restore_assigned = false;  // on the restore consumer
    uint64_t restored = 0;
    uint64_t unreadable = 0;
    int64_t state_covers = -1;  // from "~input": signals offsets below it are in the restored state
    std::chrono::steady_clock::time_point assigned_at;
    std::chrono::steady_clock::time_point next_watermark_query;
    std::vector<kafka::MessagePtr> held;  // fetched before the pause took effect; processed after restore
    // The batch not yet produced: offsets whose effect is in `agg` only, and what they yielded.
    std::vector<int64_t> batch_offsets;
    std::vector<int64_t> batch_taken_ns;  // steady clock, when each of batch_offsets was taken
    std::vector<aggregate::Alert> batch_alerts;
    struct DeadLetter {
      std::string key, value, code;
      std::vector<kafka::Header> headers;
    };
    std::vector<DeadLetter> batch_dead;
    int64_t next_offset = -1;  // one past the last signal record processed
    Batch* open = nullptr;     // the checkpoint records are being added to (owned by batches_)
    int batches_in_flight = 0; // open or sealed, not yet completed
    std::chrono::steady_clock::time_point last_activity;  // last record, or the end of the restore
    std::chrono::steady_clock::time_point last_tick;
    bool caught_up = false;  // ticked at least once since the assignment
    std::chrono::steady_clock::time_point last_state_write;  // last changelog record produced
    std::string stashed_stream_time;  // a "~partition" value not yet written (see checkpoint)
  };

  // A checkpoint of one partition: input offsets and every record derived from them (alerts and
  // dead letters, produced as they come; then the changed state, produced when it is sealed).
  // Its offsets are done once it is sealed and every record has a successful delivery report.
  struct Batch {
    kafka::TopicPartition tp;
    uint64_t epoch = 0;
    std::chrono::steady_clock::time_point opened;
    std::vector<int64_t> offsets;
    std::vector<int64_t> taken_ns;  // parallel to offsets
    int remaining = 0;  // records queued and not yet reported
    bool sealed = false;
    bool failed = false;
    uint64_t alerts = 0, changes = 0, dead = 0;
    std::array<uint64_t, 4> alert_levels{};
    std::map<std::string, uint64_t> dead_codes;
  };

  // ConsumerHandler (poll thread)
  void on_assigned(kafka::Consumer& c, const std::vector<kafka::TopicPartition>& tps) override;
  void on_revoked(kafka::Consumer& c, const std::vector<kafka::TopicPartition>& tps, bool lost) override;
  void on_message(kafka::Consumer& c, kafka::MessagePtr msg) override;
  void on_tick(kafka::Consumer& c) override;
  int poll_timeout_ms() override;
  void on_statistics(kafka::Consumer& c, std::string_view json) override;

  Partition* find(int32_t partition);
  void process(Partition& p, kafka::MessagePtr msg);
  Batch& open_batch(Partition& p);
  bool send(Batch& b, const std::string& topic, int32_t partition, std::string_view key,
            std::optional<std::string_view> value, const std::vector<kafka::Header>& headers);
  // Produces what the partition's records yielded since the last flush into its checkpoint.
  void flush(Partition& p);
  void flush_all();
  // Flushes, then seals the checkpoint with the partition's changed state. `final`: on
  // revocation and shutdown, when a bare stream-time advance is written too.
  void checkpoint(Partition& p, bool final = false);
  void seal(Partition& p);
  void finish_if_done(Batch* b);
  void on_delivery(void* opaque, rd_kafka_resp_err_t err);
  void complete(Batch& b);
  void store_offsets();
  void update_pause(Partition& p);
  void drop(int32_t partition);

  void restore_step();
  void restore_start(Partition& p);
  void restore_record(const rd_kafka_message_t* m);
  void restore_finish(Partition& p);
  void restore_unassign(Partition& p);

  void tick_idle();
  void fail(const std::string& why);
  std::vector<kafka::Header> output_headers(const Partition& p) const;

  Config config_;
  Clock clock_;
  std::string instance_;  // host/pid, a header on every record this process writes
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  kafka::HandlePtr restorer_;  // changelog reader: manual assignment, never commits
  kafka::OffsetTracker tracker_;
  aggregate::SignalParser parser_;

  std::map<int32_t, std::unique_ptr<Partition>> parts_;  // by signals partition number
  // A reload's options, waiting for the poll thread (apply_options).
  Mailbox<std::shared_ptr<const aggregate::Options>> next_options_;  // set_options → poll thread
  void apply_options();
  std::unordered_map<const Batch*, std::unique_ptr<Batch>> batches_;
  bool got_message_ = false;  // since the last tick: the local queue may hold more
  size_t unflushed_ = 0;      // records processed and not yet produced, all partitions
  std::chrono::steady_clock::time_point first_unflushed_;
  std::chrono::steady_clock::time_point next_idle_check_;
  size_t checkpoint_records_ = 500;  // offsets per checkpoint at most: half the in-flight limit
  bool backlog_ = false;  // too many records awaiting delivery: every partition paused

  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> stop_requested_at_{0};  // steady ms of the first stop request
  std::atomic<bool> failed_{false};
  bool draining_ = false;  // poll thread
  std::chrono::steady_clock::time_point drain_deadline_;
  AggregateCounters counters_;
};

}  // namespace brinkwatch::app
