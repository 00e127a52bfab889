// The DETECT stage on Kafka: articles topic → signals topic (one brinkwatch.signal/1 record per
// signal, keyed by region) and dead-letter topic (undecodable input, original bytes).
//
// Threads: the consumer's poll thread owns the offset tracker, rebalances and delivery
// completions; `limits.workers` worker threads each own an ArticleDecoder and a Detector and
// share the immutable Engine. A reload (set_ruleset, from any thread) publishes a new Engine;
// each worker picks it up before its next article, so every article is detected by exactly one
// ruleset and the offsets are untouched. An input offset is stored only after every record derived from
// it has a successful delivery report (at-least-once; docs/operations.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/handoff.h"
#include "app/metrics.h"
#include "core/detect/engine.h"
#include "kafka/consumer.h"
#include "kafka/offset_tracker.h"
#include "kafka/producer.h"

namespace brinkwatch::app {

struct StageCounters {
  std::atomic<uint64_t> received{0};       // input messages taken into work
  std::atomic<uint64_t> completed{0};      // input offsets finished (all output delivered)
  std::atomic<uint64_t> sent{0};           // signal records delivered
  std::atomic<uint64_t> quiet{0};          // articles without a signal
  std::atomic<uint64_t> dead_lettered{0};  // dead letters delivered
  std::atomic<uint64_t> delivery_failed{0};
  std::atomic<uint64_t> partitions{0};     // assigned input partitions (for /ready)
  std::atomic<int64_t> last_loop_ms{0};    // steady-clock ms of the poll loop's last tick (/healthz)
  std::mutex mu;
  std::map<std::string, uint64_t> dead_by_reason;  // error code → dead letters
  // Counted when every record of an article is delivered, once per article (one lock).
  CounterMap<std::string> rule_hits;                         // rule id → signals it fired for
  CounterMap<std::pair<std::string, std::string>> signals;  // (region, type) → signal records
  LatencyHistogram processing;  // taken from the consumer → offset completed
  LagGauge lag;                 // articles partitions owned, from librdkafka's statistics
};

// The librdkafka properties of the config (kafka:), as passed to clients.
std::vector<kafka::Property> kafka_properties(const Config& config);

// Looks up a stage's output topics at start-up (Producer::prepare_topics), so its first records
// do not wait for the lookup; a topic not found is logged and left to the first record.
void prepare_output(kafka::Producer& producer, const std::vector<std::string>& topics);

class DetectStage : private kafka::ConsumerHandler {
 public:
  using Clock = std::function<int64_t()>;  // Unix milliseconds, for detected_at
  DetectStage(Config config, std::shared_ptr<const detect::Engine> engine, Clock clock = {});
  ~DetectStage() override;
  DetectStage(const DetectStage&) = delete;
  DetectStage& operator=(const DetectStage&) = delete;

  // Creates the clients, starts the workers and the poll thread. Errors are for the operator.
  Result<bool> start();
  // Any thread: detect every article taken from now on with `engine` and `options` (a reload).
  // The articles in work finish with the ruleset they started with.
  void set_ruleset(std::shared_ptr<const detect::Engine> engine, const detect::DetectOptions& options);
  // Any thread: stop consuming and begin draining.
  void request_stop();
  // True once the stage stopped on its own (a delivery failed, a fatal producer error).
  bool failed() const { return failed_.load(); }
  // Drains within limits.shutdown_deadline_ms, flushes, commits, closes. Returns the exit
  // status: 0 after a clean drain, 1 when a delivery failed (the input will be re-read).
  int shutdown();

  StageCounters& counters() { return counters_; }
  std::string counters_line();

 private:
  struct Work {
    kafka::MessagePtr msg;
    kafka::TopicPartition tp;
    uint64_t epoch = 0;
    int64_t taken_ns = 0;  // steady clock
  };
  // One per input message with output; comes back in each record's delivery report.
  struct Pending {
    kafka::TopicPartition tp;
    int64_t offset = 0;
    uint64_t epoch = 0;
    Countdown remaining;  // records not yet reported
    std::atomic<bool> failed{false};
    bool dead_letter = false;
    std::string reason;
    int64_t taken_ns = 0;
    // For the per-region and per-rule counters, once all is delivered.
    std::vector<std::pair<std::string, std::string>> region_types;  // per record
    std::vector<std::string> rules;                                 // per signal, each rule once
  };
  struct Completion {
    kafka::TopicPartition tp;
    int64_t offset = 0;
    uint64_t epoch = 0;
    bool failed = false;
    int64_t taken_ns = 0;
  };

  // ConsumerHandler (poll thread)
  void on_assigned(kafka::Consumer& c, const std::vector<kafka::TopicPartition>& tps) override;
  void on_revoked(kafka::Consumer& c, const std::vector<kafka::TopicPartition>& tps, bool lost) override;
  void on_message(kafka::Consumer& c, kafka::MessagePtr msg) override;
  void on_tick(kafka::Consumer& c) override;
  int poll_timeout_ms() override;
  void on_statistics(kafka::Consumer& c, std::string_view json) override;

  struct Ruleset {
    std::shared_ptr<const detect::Engine> engine;
    detect::DetectOptions options;
  };

  void worker_loop();
  void process(Work& work, ArticleDecoder& decoder, detect::Detector& detector, const detect::Engine& engine);
  void on_delivery(void* opaque, rd_kafka_resp_err_t err);
  void finish(Pending* p);
  void complete(const Completion& c, int64_t now_ns);
  // Applies queued completions, pauses/resumes, stores offsets. Poll thread (or main after it).
  void apply_completions();
  void fail(const std::string& why);

  Config config_;
  Published<Ruleset> ruleset_;
  Clock clock_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  kafka::OffsetTracker tracker_;  // poll thread (or main after it)

  WorkQueue<Work> work_;
  std::vector<std::thread> workers_;

  CompletionQueue<Completion> done_;

  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> failed_{false};
  bool draining_ = false;  // poll thread
  std::chrono::steady_clock::time_point drain_deadline_;
  std::atomic<bool> drained_{false};
  StageCounters counters_;
};

}  // namespace brinkwatch::app
