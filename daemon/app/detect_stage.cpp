#include "app/detect_stage.h"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/pipeline.h"
#include "kafka/stats.h"

namespace brinkwatch::app {

using kafka::TopicPartition;

std::vector<kafka::Property> kafka_properties(const Config& config) {
  std::vector<kafka::Property> out;
  for (const auto& p : config.kafka) out.push_back({p.key, p.value});
  return out;
}

void prepare_output(kafka::Producer& producer, const std::vector<std::string>& topics) {
  constexpr int kLookupTimeoutMs = 2000;  // per topic; a cluster still starting is not waited for
  if (const std::string problems = producer.prepare_topics(topics, kLookupTimeoutMs); !problems.empty()) {
    spdlog::warn("kafka: output topics not looked up at start-up ({}); the first record to each looks it up", problems);
  }
}

namespace {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Revocation waits this long for in-flight work of the revoked partitions, so the next owner
// starts where this one finished; it stays far below max.poll.interval.ms.
constexpr auto kRevokeDrain = std::chrono::milliseconds(2000);

constexpr size_t kMaxDeadLetterBytes = 900 * 1024;

}  // namespace

DetectStage::DetectStage(Config config, std::shared_ptr<const detect::Engine> engine, Clock clock)
    : config_(std::move(config)),
      ruleset_(std::make_shared<const Ruleset>(Ruleset{std::move(engine), config_.detect})),
      clock_(clock ? std::move(clock) : Clock(system_ms)),
      tracker_(config_.run_limits.max_in_flight_per_partition) {}

DetectStage::~DetectStage() {
  if (consumer_) consumer_->stop();
  work_.close();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
}

Result<bool> DetectStage::start() {
  const auto props = kafka_properties(config_);
  auto producer = kafka::Producer::create(props, [this](void* opaque, rd_kafka_resp_err_t err) { on_delivery(opaque, err); });
  if (!producer) return producer.error();
  producer_ = std::move(*producer);
  prepare_output(*producer_, {config_.topics.signals, config_.topics.dead_letter});
  kafka::ConsumerOptions co{props, config_.group, {config_.topics.articles}};
  auto consumer = kafka::Consumer::create(co, this);
  if (!consumer) return consumer.error();
  consumer_ = std::move(*consumer);
  for (size_t i = 0; i < config_.run_limits.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  consumer_->start();
  spdlog::info("detect: consuming {} in group {}; signals to {}, dead letters to {}; {} workers, {} in flight per partition",
               config_.topics.articles, config_.group, config_.topics.signals, config_.topics.dead_letter,
               config_.run_limits.workers, config_.run_limits.max_in_flight_per_partition);
  return true;
}

void DetectStage::set_ruleset(std::shared_ptr<const detect::Engine> engine, const detect::DetectOptions& options) {
  ruleset_.publish(std::make_shared<const Ruleset>(Ruleset{std::move(engine), options}));
}

void DetectStage::request_stop() { stop_requested_ = true; }

void DetectStage::fail(const std::string& why) {
  if (!failed_.exchange(true)) {
    spdlog::error("detect: {}; stopping without storing the affected offsets (they will be read again)", why);
  }
  stop_requested_ = true;
}

// ---- poll thread --------------------------------------------------------------------------

void DetectStage::on_assigned(kafka::Consumer& /*c*/, const std::vector<TopicPartition>& tps) {
  for (const auto& tp : tps) tracker_.assign(tp);
  counters_.partitions = tracker_.partitions().size();
}

void DetectStage::on_revoked(kafka::Consumer& c, const std::vector<TopicPartition>& tps, bool lost) {
  if (!lost) {
    // Give the revoked partitions' in-flight work a bounded chance to finish, then store and
    // commit what did: the next owner starts after it instead of redoing it.
    const auto until = std::chrono::steady_clock::now() + kRevokeDrain;
    auto busy = [&] {
      for (const auto& tp : tps) {
        if (tracker_.in_flight(tp)) return true;
      }
      return false;
    };
    while (busy() && std::chrono::steady_clock::now() < until && !failed_) {
      producer_->poll(1);
      apply_completions();
    }
    apply_completions();
    c.commit();
  }
  for (const auto& tp : tps) {
    if (tracker_.in_flight(tp)) {
      spdlog::warn("detect: {}[{}] {} with {} articles in flight; the next owner reads them again", tp.topic,
                   tp.partition, lost ? "lost" : "revoked", tracker_.in_flight(tp));
    }
    tracker_.revoke(tp);
    counters_.lag.forget(tp.topic, tp.partition);
  }
  counters_.partitions = tracker_.partitions().size();
}

void DetectStage::on_message(kafka::Consumer& c, kafka::MessagePtr msg) {
  if (draining_) return;  // not taken: never stored, read again after the restart
  TopicPartition tp{rd_kafka_topic_name(msg->rkt), msg->partition};
  switch (tracker_.add(tp, msg->offset)) {
    case kafka::OffsetTracker::Add::duplicate:
    case kafka::OffsetTracker::Add::unassigned:
      return;
    case kafka::OffsetTracker::Add::now_full:
      c.pause(tp);
      break;
    case kafka::OffsetTracker::Add::added:
      break;
  }
  ++counters_.received;
  work_.push(Work{std::move(msg), tp, tracker_.epoch(tp), steady_ns()});
}

void DetectStage::on_tick(kafka::Consumer& c) {
  counters_.last_loop_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  producer_->poll(0);
  apply_completions();
  if (!failed_) {
    if (const auto fatal = producer_->fatal_error(); !fatal.empty()) fail(fmt::format("fatal producer error: {}", fatal));
  }
  if (stop_requested_ && !draining_) {
    draining_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.run_limits.shutdown_deadline_ms);
    for (const auto& tp : tracker_.partitions()) c.pause(tp);
    spdlog::info("detect: stopping; draining {} articles in flight", tracker_.in_flight());
  }
  if (draining_) {
    if (tracker_.in_flight() == 0 || failed_ || std::chrono::steady_clock::now() >= drain_deadline_) {
      c.request_stop();
    }
  }
}

void DetectStage::on_statistics(kafka::Consumer& /*c*/, std::string_view json) {
  auto lags = kafka::consumer_lags(json);
  if (!lags) {
    kafka::error_log().warn("stats:detect", fmt::format("detect: cannot read librdkafka's statistics: {}", lags.error().message));
    return;
  }
  // Statistics list every partition of the topic the client knows of; report the owned ones.
  std::erase_if(*lags, [&](const kafka::PartitionLag& l) { return !tracker_.assigned({l.topic, l.partition}); });
  counters_.lag.set(std::move(*lags));
}

int DetectStage::poll_timeout_ms() {
  // Completions are applied between polls; while work is in flight, come back quickly.
  return (tracker_.in_flight() || done_.maybe_pending() || draining_) ? 1 : 100;
}

void DetectStage::apply_completions() {
  const std::vector<Completion> done = done_.take_all();
  const int64_t now = done.empty() ? 0 : steady_ns();
  for (const auto& d : done) complete(d, now);
  for (const auto& [tp, offset] : tracker_.take_stores()) consumer_->store(tp, offset);
}

void DetectStage::complete(const Completion& d, int64_t now_ns) {
  if (d.failed) {
    ++counters_.delivery_failed;
    fail(fmt::format("delivery of output for {}[{}] offset {} failed", d.tp.topic, d.tp.partition, d.offset));
    return;
  }
  switch (tracker_.complete(d.tp, d.epoch, d.offset)) {
    case kafka::OffsetTracker::Complete::resume:
      if (!draining_) consumer_->resume(d.tp);
      ++counters_.completed;
      counters_.processing.observe_ns(now_ns - d.taken_ns);
      break;
    case kafka::OffsetTracker::Complete::done:
      ++counters_.completed;
      counters_.processing.observe_ns(now_ns - d.taken_ns);
      break;
    case kafka::OffsetTracker::Complete::stale:
      break;
  }
}

// ---- workers ------------------------------------------------------------------------------

void DetectStage::worker_loop() {
  ArticleDecoder decoder(config_.fields, config_.limits);
  detect::Detector detector(config_.detect);
  Published<Ruleset>::Reader ruleset(ruleset_);
  while (std::optional<Work> w = work_.pop()) {
    // Between two articles: take a newer ruleset if one was published (the old one is freed when
    // the last worker lets go of it).
    if (ruleset.refresh()) detector.options() = ruleset.get().options;
    process(*w, decoder, detector, *ruleset.get().engine);
  }
}

void DetectStage::process(Work& w, ArticleDecoder& decoder, detect::Detector& detector, const detect::Engine& engine) {
  const rd_kafka_message_t* m = w.msg.get();
  const std::string_view payload(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
  const std::string_view key(static_cast<const char*>(m->key), m->key ? m->key_len : 0);

  auto* p = new Pending();
  p->tp = w.tp;
  p->offset = m->offset;
  p->epoch = w.epoch;
  p->taken_ns = w.taken_ns;

  Result<Article> article = decoder.decode(payload);
  std::vector<SignalRecord> records;
  std::vector<kafka::Header> headers;
  if (!article) {
    p->dead_letter = true;
    p->reason = article.error().code;
    headers = {{"error.code", article.error().code}, {"error.message", article.error().message}};
    // Within the producer's default message.max.bytes (1 MB), or the dead letter itself could
    // never be delivered and the daemon would stop on it again after every restart.
    if (payload.size() > kMaxDeadLetterBytes) {
      headers.push_back({"payload.truncated_from", std::to_string(payload.size())});
      records.push_back({std::string(key), std::string(payload.substr(0, kMaxDeadLetterBytes))});
    } else {
      records.push_back({std::string(key), std::string(payload)});
    }
  } else {
    const text::Document doc = prepare_document(*article);
    const detect::Detection det = detector.detect(engine, doc);
    records = to_signal_records(*article, doc, det, engine.version(), clock_());
    // In the order of to_signal_records: per signal, each region (or "unlocated").
    for (const auto& sig : det.signals) {
      if (sig.regions.empty()) p->region_types.emplace_back("unlocated", sig.type);
      for (const auto& region : sig.regions) p->region_types.emplace_back(region, sig.type);
      p->rules.insert(p->rules.end(), sig.rules.begin(), sig.rules.end());
    }
  }
  if (records.empty()) {
    ++counters_.quiet;
    finish(p);
    return;
  }
  // Where the records come from, on each of them (after the error headers of a dead letter).
  rd_kafka_timestamp_type_t ts_type;
  const int64_t ts = rd_kafka_message_timestamp(m, &ts_type);
  headers.push_back({"source.topic", w.tp.topic});
  headers.push_back({"source.partition", std::to_string(w.tp.partition)});
  headers.push_back({"source.offset", std::to_string(m->offset)});
  if (ts >= 0) headers.push_back({"source.timestamp", std::to_string(ts)});
  const std::string& topic = p->dead_letter ? config_.topics.dead_letter : config_.topics.signals;
  const int n = static_cast<int>(records.size());
  p->remaining.reset(n);
  for (int i = 0; i < n; ++i) {
    if (producer_->produce(topic, records[static_cast<size_t>(i)].key, records[static_cast<size_t>(i)].value, headers, p)) {
      // Not queued: no report will come for this record or the ones after it.
      p->failed = true;
      if (p->remaining.arrive(n - i)) finish(p);
      return;
    }
  }
}

// Any thread that serves the producer's delivery reports.
void DetectStage::on_delivery(void* opaque, rd_kafka_resp_err_t err) {
  auto* p = static_cast<Pending*>(opaque);
  if (err) {
    p->failed = true;
  } else if (p->dead_letter) {
    ++counters_.dead_lettered;
    std::lock_guard lock(counters_.mu);
    ++counters_.dead_by_reason[p->reason];
  } else {
    ++counters_.sent;
  }
  if (p->remaining.arrive()) finish(p);
}

void DetectStage::finish(Pending* p) {
  Completion c{p->tp, p->offset, p->epoch, p->failed.load(), p->taken_ns};
  if (!c.failed && !p->region_types.empty()) {
    counters_.signals.update([&](auto& m) {
      for (auto& rt : p->region_types) ++m[std::move(rt)];
    });
    counters_.rule_hits.update([&](auto& m) {
      for (auto& r : p->rules) ++m[std::move(r)];
    });
  }
  delete p;
  done_.push(std::move(c));
}

// ---- shutdown -----------------------------------------------------------------------------

int DetectStage::shutdown() {
  request_stop();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.run_limits.shutdown_deadline_ms);
  if (consumer_) consumer_->stop();  // returns once drained, failed or past the deadline
  if (const size_t left = work_.close()) {
    spdlog::warn("detect: {} queued articles left unprocessed (read again after restart)", left);
  }
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  if (producer_) {
    const auto left = std::max<int64_t>(
        100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (producer_->flush(static_cast<int>(left))) {
      spdlog::warn("detect: {} records still undelivered at the deadline; their input offsets are not stored",
                   producer_->outstanding());
    }
  }
  if (consumer_) {
    apply_completions();
    const size_t abandoned = tracker_.in_flight();
    if (abandoned) spdlog::warn("detect: {} articles unfinished at shutdown; they will be read again", abandoned);
    consumer_->commit();
    consumer_->close();
  }
  spdlog::info("detect: {}", counters_line());
  return failed_ ? 1 : 0;
}

std::string DetectStage::counters_line() {
  std::string reasons;
  {
    std::lock_guard lock(counters_.mu);
    for (const auto& [reason, n] : counters_.dead_by_reason) reasons += fmt::format("{}{}={}", reasons.empty() ? "" : ", ", reason, n);
  }
  return fmt::format("received {}, completed {}, signals sent {}, without signal {}, dead-lettered {}{}{}{}",
                     counters_.received.load(), counters_.completed.load(), counters_.sent.load(),
                     counters_.quiet.load(), counters_.dead_lettered.load(),
                     reasons.empty() ? "" : fmt::format(" ({})", reasons),
                     counters_.delivery_failed ? fmt::format(", delivery failures {}", counters_.delivery_failed.load()) : "",
                     "");
}

}  // namespace brinkwatch::app
