#include "app/aggregate_stage.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/detect_stage.h"  // kafka_properties
#include "app/process.h"     // instance_id
#include "core/article.h"

namespace brinkwatch::app {

using kafka::error_log;
using kafka::TopicPartition;
using std::chrono::steady_clock;

namespace {

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t steady_ns(steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t ms_since(steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - t).count();
}

// Alerts and dead letters are produced when the local queue is drained, or at these bounds,
// whichever comes first: an alert leaves within milliseconds of its signal, also under load.
constexpr size_t kBatchRecords = 1000;
constexpr auto kBatchMaxAge = std::chrono::milliseconds(20);

// A checkpoint (the changelog write, and the offsets it lets store) at least this often.
constexpr auto kCheckpointEvery = std::chrono::milliseconds(1000);

// Changelog records read per loop iteration while restoring, so the group consumer keeps being
// polled (rebalances, other partitions) during a long restore.
constexpr int kRestoreRecordsPerTick = 20000;
constexpr auto kRestoreTimePerTick = std::chrono::milliseconds(50);
constexpr int kWatermarkTimeoutMs = 5000;
// A changelog partition that cannot be found for this long is a deployment error (the topic is
// missing, or has fewer partitions than the signals topic): stop instead of waiting forever.
constexpr auto kWatermarkGiveUp = std::chrono::seconds(60);

// Revocation waits this long for the revoked partitions' output (alerts and changelog) to be
// delivered, so the next owner restores the state this owner reached; far below
// max.poll.interval.ms.
constexpr auto kRevokeDrain = std::chrono::milliseconds(5000);

// Records awaiting delivery before every partition is paused: far below librdkafka's local
// queue (queue.buffering.max.messages, 100,000), because produce() on the poll thread cannot
// wait for a full queue to drain (delivery reports are served by that same thread).
constexpr int kMaxOutstanding = 50000;

// A tick that moved nothing but the stream time is not worth a changelog record per tick per
// idle partition (the embedded broker keeps only 5 MB per partition); the stream time is
// written with the partition's next real change, or after this long. Losing it in a crash only
// means the next tick moves it again, over the same unchanged regions.
constexpr auto kStreamTimeWriteEvery = std::chrono::seconds(60);

constexpr size_t kMaxDeadLetterBytes = size_t{900} * 1024;
constexpr const char* kPartitionKey = "~partition";
// The stage's own changelog record: the signals offset the partition's state has folded in up to
// (one past the last record), written after the state records of every checkpoint that changed
// state. A restore that reads it knows which re-read input is in the state already.
constexpr const char* kInputKey = "~input";

std::string_view view(const void* data, size_t len) {
  return data ? std::string_view(static_cast<const char*>(data), len) : std::string_view();
}

std::string when(int64_t ms) { return ms > 0 ? format_rfc3339(ms) : std::string("(none)"); }

}  // namespace

AggregateStage::AggregateStage(Config config, Clock clock)
    : config_(std::move(config)),
      clock_(clock ? std::move(clock) : Clock(system_ms)),
      instance_(instance_id()),
      tracker_(config_.run_limits.max_in_flight_per_partition),
      // A checkpoint never holds enough offsets to fill the tracker on its own: the partition
      // would pause until the checkpoint's timer sealed it.
      checkpoint_records_(std::max<size_t>(1, config_.run_limits.max_in_flight_per_partition / 2)) {}

AggregateStage::~AggregateStage() {
  // Explicit order: the consumer's close runs revocation callbacks that use the producer and
  // the partitions, and the producer's final flush runs delivery callbacks that use the batches.
  if (consumer_) consumer_->stop();
  consumer_.reset();
  if (restorer_) rd_kafka_consumer_close(restorer_.get());
  restorer_.reset();
  producer_.reset();
}

// ---- start-up -----------------------------------------------------------------------------

Result<bool> AggregateStage::start() {
  const auto props = kafka_properties(config_);
  auto producer = kafka::Producer::create(props, [this](void* opaque, rd_kafka_resp_err_t err) { on_delivery(opaque, err); });
  if (!producer) return producer.error();
  producer_ = std::move(*producer);
  prepare_output(*producer_, {config_.topics.alerts, config_.topics.changelog, config_.topics.dead_letter});

  // The changelog reader: manual assignment only. librdkafka's assign() API needs a group.id,
  // but this one never joins, subscribes or commits (restores always start at the beginning).
  std::vector<kafka::Property> rprops = props;
  for (auto [k, v] : std::vector<std::pair<const char*, std::string>>{{"group.id", config_.aggregate_group + ".restore"},
                                                                      {"enable.auto.commit", "false"},
                                                                      {"enable.auto.offset.store", "false"},
                                                                      {"enable.partition.eof", "true"},
                                                                      {"auto.offset.reset", "earliest"}}) {
    rprops.push_back({k, v});
  }
  auto conf = kafka::make_conf(rprops, "restore");
  if (!conf) return conf.error();
  char errstr[512];
  restorer_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  if (!restorer_) return Error{"kafka_client", fmt::format("cannot create the changelog reader: {}", errstr)};
  conf->release();  // owned by the handle now
  rd_kafka_poll_set_consumer(restorer_.get());

  // Co-partitioning is what keeps a region's state with its signals: refuse a changelog topic
  // with a different partition count. Unknown (cluster not reachable yet): checked again, per
  // partition, when its restore begins.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(restorer_.get(), 1, nullptr, &md, kWatermarkTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    int signals = -1, changelog = -1;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const auto& t = md->topics[i];
      if (t.err) continue;
      if (config_.topics.signals == t.topic) signals = t.partition_cnt;
      if (config_.topics.changelog == t.topic) changelog = t.partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (signals > 0 && changelog > 0 && signals != changelog) {
      return Error{"config", fmt::format("the changelog topic {} has {} partitions and the signals topic {} has {}: "
                                         "they must be co-partitioned (the same count)",
                                         config_.topics.changelog, changelog, config_.topics.signals, signals)};
    }
    if (signals > 0 && changelog < 0) {
      spdlog::warn("aggregate: the changelog topic {} does not exist (yet); partitions cannot be restored without it",
                   config_.topics.changelog);
    }
  }

  kafka::ConsumerOptions co{props, config_.aggregate_group, {config_.topics.signals}};
  auto consumer = kafka::Consumer::create(co, this);
  if (!consumer) return consumer.error();
  consumer_ = std::move(*consumer);
  consumer_->start();
  spdlog::info("aggregate: consuming {} in group {}; alerts to {}, state to {}, dead letters to {}; "
               "idle tick after {} ms; instance {}",
               config_.topics.signals, config_.aggregate_group, config_.topics.alerts, config_.topics.changelog,
               config_.topics.dead_letter, config_.aggregate_idle_ms, instance_);
  return true;
}

void AggregateStage::request_stop() {
  if (!stop_requested_.exchange(true)) stop_requested_at_ = steady_ms();
}

void AggregateStage::fail(const std::string& why) {
  if (!failed_.exchange(true)) {
    spdlog::error("aggregate: {}; stopping without storing the affected offsets (they will be read again)", why);
  }
  request_stop();
}

// ---- rebalance (poll thread) --------------------------------------------------------------

AggregateStage::Partition* AggregateStage::find(int32_t partition) {
  const auto it = parts_.find(partition);
  return it == parts_.end() ? nullptr : it->second.get();
}

void AggregateStage::on_assigned(kafka::Consumer& /*c*/, const std::vector<TopicPartition>& tps) {
  // Called before the assignment takes effect; the pause and the restore start on the next tick,
  // and a message fetched in between is held, not processed (see on_message).
  const auto now = steady_clock::now();
  for (const auto& tp : tps) {
    auto p = std::make_unique<Partition>(tp, tracker_.assign(tp), config_.aggregate);
    p->assigned_at = now;
    p->next_watermark_query = now;
    parts_[tp.partition] = std::move(p);
  }
  counters_.partitions = parts_.size();
}

void AggregateStage::on_revoked(kafka::Consumer& c, const std::vector<TopicPartition>& tps, bool lost) {
  if (!lost) {
    // The next owner restores from the changelog: give it the state this owner reached, and
    // commit the offsets that state covers, within a bound.
    for (const auto& tp : tps) {
      if (Partition* p = find(tp.partition); p && p->live) checkpoint(*p, true);
    }
    auto busy = [&] {
      for (const auto& tp : tps) {
        if (const Partition* p = find(tp.partition); p && p->batches_in_flight > 0) return true;
      }
      return false;
    };
    const auto until = steady_clock::now() + kRevokeDrain;
    while (busy() && steady_clock::now() < until && !failed_) producer_->poll(1);
    store_offsets();
    c.commit();
  }
  for (const auto& tp : tps) {
    if (const Partition* p = find(tp.partition); p && p->batches_in_flight > 0) {
      spdlog::warn("aggregate: {}[{}] {} with {} batches undelivered; the next owner reads their input again",
                   tp.topic, tp.partition, lost ? "lost" : "revoked", p->batches_in_flight);
    }
    drop(tp.partition);
  }
}

void AggregateStage::drop(int32_t partition) {
  Partition* p = find(partition);
  if (!p) return;
  if (p->restore_assigned) restore_unassign(*p);
  // Unsealed, its offsets would never be stored anyway (the tracker forgets the partition), but
  // it must not wait forever for a seal.
  seal(*p);
  unflushed_ -= std::min(unflushed_, p->batch_offsets.size());
  tracker_.revoke(p->tp);
  counters_.lag.forget(p->tp.topic, p->tp.partition);
  spdlog::info("aggregate: released {}[{}] ({} regions, stream time {})", p->tp.topic, p->tp.partition,
               p->agg.regions(), when(p->agg.stream_time()));
  parts_.erase(partition);
  counters_.partitions = parts_.size();
}

void AggregateStage::update_pause(Partition& p) {
  const bool want = !p.live || draining_ || backlog_ || tracker_.full(p.tp);
  if (want == p.paused) return;
  if (want) {
    consumer_->pause(p.tp);
  } else {
    consumer_->resume(p.tp);
  }
  p.paused = want;
}

// ---- restore ------------------------------------------------------------------------------

void AggregateStage::restore_start(Partition& p) {
  int64_t lo = 0, hi = 0;
  const auto err = rd_kafka_query_watermark_offsets(restorer_.get(), config_.topics.changelog.c_str(),
                                                    p.tp.partition, &lo, &hi, kWatermarkTimeoutMs);
  if (err) {
    error_log().warn(fmt::format("restore:watermark:{}", rd_kafka_err2name(err)),
                     fmt::format("aggregate: cannot read the end of changelog {}[{}]: {}; {}[{}] stays paused",
                                 config_.topics.changelog, p.tp.partition, rd_kafka_err2str(err), p.tp.topic,
                                 p.tp.partition));
    p.next_watermark_query = steady_clock::now() + std::chrono::seconds(1);
    if (steady_clock::now() - p.assigned_at > kWatermarkGiveUp) {
      fail(fmt::format("changelog {}[{}] unreadable for {} s ({}); it must exist with as many partitions as {}",
                       config_.topics.changelog, p.tp.partition,
                       std::chrono::duration_cast<std::chrono::seconds>(kWatermarkGiveUp).count(),
                       rd_kafka_err2str(err), config_.topics.signals));
    }
    return;
  }
  p.restore_end = hi;
  if (hi <= lo) {
    restore_finish(p);
    return;
  }
  auto list = kafka::to_list({{config_.topics.changelog, p.tp.partition}});
  list->elems[0].offset = RD_KAFKA_OFFSET_BEGINNING;
  if (rd_kafka_error_t* e = rd_kafka_incremental_assign(restorer_.get(), list.get())) {
    fail(fmt::format("cannot read changelog {}[{}]: {}", config_.topics.changelog, p.tp.partition,
                     rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
    return;
  }
  p.restore_assigned = true;
}

void AggregateStage::restore_unassign(Partition& p) {
  auto list = kafka::to_list({{config_.topics.changelog, p.tp.partition}});
  if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(restorer_.get(), list.get())) {
    error_log().warn("restore:unassign", fmt::format("aggregate: changelog reader: {}", rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
  }
  p.restore_assigned = false;
}

void AggregateStage::restore_step() {
  const bool any = std::any_of(parts_.begin(), parts_.end(), [](const auto& kv) { return kv.second->restore_assigned; });
  if (!any) return;
  const auto until = steady_clock::now() + kRestoreTimePerTick;
  for (int n = 0; n < kRestoreRecordsPerTick && steady_clock::now() < until; ++n) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(restorer_.get(), n == 0 ? 1 : 0));
    if (!m) break;
    restore_record(m.get());
  }
}

void AggregateStage::restore_record(const rd_kafka_message_t* m) {
  Partition* p = find(m->partition);
  // Left over from a partition revoked (or restored) meanwhile.
  if (!p || p->live || !p->restore_assigned) return;
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    // Offsets can end in a gap (transaction markers, compaction): the end of the log counts too.
    if (m->offset >= p->restore_end) restore_finish(*p);
    return;
  }
  if (m->err) {
    error_log().error(fmt::format("restore:{}", rd_kafka_err2name(m->err)),
                      fmt::format("aggregate: reading changelog {}[{}]: {}", config_.topics.changelog, m->partition,
                                  rd_kafka_message_errstr(m)));
    return;
  }
  // Written after the assignment (by a previous owner that lost the partition and did not know
  // it yet): not part of the state this owner takes over.
  if (m->offset >= p->restore_end) {
    restore_finish(*p);
    return;
  }
  if (view(m->key, m->key_len) == kInputKey) {
    int64_t next = -1;
    const std::string_view v = view(m->payload, m->len);
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), next);
    if (ec == std::errc() && end == v.data() + v.size() && next >= 0) {
      p->state_covers = next;  // the latest one wins, like every key
      ++p->restored;
    } else {
      ++p->unreadable;
    }
  } else if (p->agg.restore(view(m->key, m->key_len), view(m->payload, m->len))) {
    ++p->restored;
  } else {
    ++p->unreadable;
  }
  if (m->offset + 1 >= p->restore_end) restore_finish(*p);
}

void AggregateStage::restore_finish(Partition& p) {
  if (p.restore_assigned) restore_unassign(p);
  // Restoring marks nothing to write back: the changelog already holds it.
  p.agg.take_changes();
  p.live = true;
  p.last_activity = p.last_tick = p.last_state_write = steady_clock::now();
  counters_.restored += p.restored;
  counters_.restore_unreadable += p.unreadable;
  std::vector<aggregate::Alert> alerts = p.agg.current_alerts();
  spdlog::info("aggregate: restored {}[{}] from {}[{}]: {} records{}, {} regions, stream time {}, in {} ms; "
               "re-publishing {} current alerts",
               p.tp.topic, p.tp.partition, config_.topics.changelog, p.tp.partition, p.restored,
               p.unreadable ? fmt::format(" ({} unreadable, skipped)", p.unreadable) : "", p.agg.regions(),
               when(p.agg.stream_time()), ms_since(p.assigned_at), alerts.size());
  // Same ids as when first published: a dashboard drops the copies, and an alert whose delivery
  // a crash cut off is not lost.
  p.batch_alerts = std::move(alerts);
  checkpoint(p);
  std::vector<kafka::MessagePtr> held;
  held.swap(p.held);
  for (auto& m : held) process(p, std::move(m));
  update_pause(p);
}

// ---- messages (poll thread) ---------------------------------------------------------------

void AggregateStage::set_options(std::shared_ptr<const aggregate::Options> options) {
  next_options_.put(std::move(options));
}

void AggregateStage::apply_options() {
  std::optional<std::shared_ptr<const aggregate::Options>> taken = next_options_.take();
  if (!taken || !*taken) return;
  std::shared_ptr<const aggregate::Options> next = std::move(*taken);
  for (auto& [n, p] : parts_) {
    if (!p->agg.set_options(next)) {
      // The reloader refuses such options before they get here; keep the running ones if not.
      spdlog::error("aggregate: partition {}: the new options change the state's shape; keeping the running ones", n);
      return;
    }
  }
  config_.aggregate = std::move(next);
  spdlog::info("aggregate: alert policies {} in effect", aggregate::policy_version(*config_.aggregate));
}

void AggregateStage::on_message(kafka::Consumer& /*c*/, kafka::MessagePtr msg) {
  apply_options();
  got_message_ = true;
  if (draining_) return;  // not taken: never stored, read again after the restart
  Partition* p = find(msg->partition);
  if (!p) return;
  if (!p->live) {
    // Fetched before the pause took effect. Pausing drops what librdkafka fetched beyond it and
    // resumes after it, so this one is kept for after the restore.
    p->held.push_back(std::move(msg));
    update_pause(*p);
    return;
  }
  process(*p, std::move(msg));
}

void AggregateStage::process(Partition& p, kafka::MessagePtr msg) {
  const rd_kafka_message_t* m = msg.get();
  switch (tracker_.add(p.tp, m->offset)) {
    case kafka::OffsetTracker::Add::duplicate:
    case kafka::OffsetTracker::Add::unassigned:
      return;
    case kafka::OffsetTracker::Add::now_full:
    case kafka::OffsetTracker::Add::added:
      break;
  }
  ++counters_.received;
  const auto now = steady_clock::now();
  p.last_activity = now;
  p.next_offset = m->offset + 1;
  const std::string_view payload = view(m->payload, m->len);
  const std::string_view key = view(m->key, m->key_len);
  Result<aggregate::SignalEvent> event = parser_.parse(payload, key);
  if (event) {
    if (m->offset < p.state_covers) {
      // Read again after a restore (the committed offset lagged the state the changelog had):
      // already in the state. Unreadable ones below still get their dead letter again.
      ++counters_.in_restored_state;
    } else if (p.agg.add(*event, p.batch_alerts) == aggregate::Aggregator::Added::too_late) {
      ++counters_.too_late;
    }
  } else {
    ++counters_.parse_errors;
    Partition::DeadLetter d;
    d.code = event.error().code;
    d.key.assign(key);
    d.headers = {{"error.code", event.error().code},
                 {"error.message", event.error().message},
                 {"source.topic", p.tp.topic},
                 {"source.partition", std::to_string(p.tp.partition)},
                 {"source.offset", std::to_string(m->offset)}};
    rd_kafka_timestamp_type_t ts_type;
    if (const int64_t ts = rd_kafka_message_timestamp(m, &ts_type); ts >= 0) {
      d.headers.push_back({"source.timestamp", std::to_string(ts)});
    }
    // Within the producer's default message.max.bytes, or the dead letter could never be
    // delivered and the stage would stop on it after every restart.
    if (payload.size() > kMaxDeadLetterBytes) {
      d.headers.push_back({"payload.truncated_from", std::to_string(payload.size())});
      d.value.assign(payload.substr(0, kMaxDeadLetterBytes));
    } else {
      d.value.assign(payload);
    }
    p.batch_dead.push_back(std::move(d));
  }
  p.batch_offsets.push_back(m->offset);
  p.batch_taken_ns.push_back(steady_ns(now));
  if (unflushed_++ == 0) first_unflushed_ = now;
  if (tracker_.full(p.tp)) update_pause(p);
}

// ---- checkpoints and delivery --------------------------------------------------------------
//
// Alerts leave as soon as the local queue is drained (or every kBatchRecords / kBatchMaxAge);
// the changelog is written once per checkpoint (every kCheckpointEvery, or checkpoint_records_
// offsets), with each changed region's state once however often it changed meanwhile. A
// region's state is its stories and evidence (tens of KB for a busy one), so writing it after
// every signal would multiply the changelog's volume by the signal rate. The input offsets of a
// checkpoint are stored only when both its alerts and its state are delivered: after a crash,
// the input since the last delivered checkpoint is read again, and its alerts come again with
// the same ids.

AggregateStage::Batch& AggregateStage::open_batch(Partition& p) {
  if (!p.open) {
    auto owned = std::make_unique<Batch>();
    owned->tp = p.tp;
    owned->epoch = p.epoch;
    owned->opened = steady_clock::now();
    p.open = owned.get();
    batches_[p.open] = std::move(owned);
    ++p.batches_in_flight;
  }
  return *p.open;
}

bool AggregateStage::send(Batch& b, const std::string& topic, int32_t partition, std::string_view key,
                          std::optional<std::string_view> value, const std::vector<kafka::Header>& headers) {
  // Delivery reports are served on this thread only, so none can arrive before `remaining`
  // counts this record.
  if (const auto err = producer_->produce_to(topic, partition, key, value, headers, &b)) {
    b.failed = true;
    fail(fmt::format("cannot produce to {}: {}", topic, rd_kafka_err2str(err)));
    return false;
  }
  ++b.remaining;
  return true;
}

std::vector<kafka::Header> AggregateStage::output_headers(const Partition& p) const {
  // Which signals partition's state a record belongs to, and which process wrote it: enough to
  // check after the fact that no partition ever had two writers at once.
  return {{"source.topic", p.tp.topic}, {"source.partition", std::to_string(p.tp.partition)}, {"instance", instance_}};
}

void AggregateStage::flush(Partition& p) {
  if (p.batch_offsets.empty() && p.batch_alerts.empty() && p.batch_dead.empty()) return;
  unflushed_ -= std::min(unflushed_, p.batch_offsets.size());
  Batch& b = open_batch(p);
  b.offsets.insert(b.offsets.end(), p.batch_offsets.begin(), p.batch_offsets.end());
  b.taken_ns.insert(b.taken_ns.end(), p.batch_taken_ns.begin(), p.batch_taken_ns.end());
  p.batch_offsets.clear();
  p.batch_taken_ns.clear();
  const std::vector<kafka::Header> headers = output_headers(p);
  for (const auto& a : p.batch_alerts) {
    if (send(b, config_.topics.alerts, RD_KAFKA_PARTITION_UA, a.region, a.to_json(), headers)) {
      ++b.alerts;
      ++b.alert_levels[static_cast<size_t>(a.level)];
    }
  }
  p.batch_alerts.clear();
  for (const auto& d : p.batch_dead) {
    if (send(b, config_.topics.dead_letter, RD_KAFKA_PARTITION_UA, d.key, d.value, d.headers)) {
      ++b.dead;
      ++b.dead_codes[d.code];
    }
  }
  p.batch_dead.clear();
  if (b.offsets.size() >= checkpoint_records_) checkpoint(p);
}

void AggregateStage::flush_all() {
  for (auto& [n, p] : parts_) {
    if (p->live) flush(*p);
  }
  unflushed_ = 0;
}

void AggregateStage::checkpoint(Partition& p, bool final) {
  flush(p);
  auto changes = p.agg.take_changes();
  const auto now = steady_clock::now();
  if (!p.stashed_stream_time.empty()) {
    // A newer stream time in `changes` supersedes the stashed one.
    if (std::none_of(changes.begin(), changes.end(), [](const auto& kv) { return kv.first == kPartitionKey; })) {
      changes.emplace_back(kPartitionKey, std::move(p.stashed_stream_time));
    }
    p.stashed_stream_time.clear();
  }
  // A tick that moved nothing but the stream time, with no input behind it: not worth a record
  // per tick (see kStreamTimeWriteEvery). With input behind it, it must be written: those
  // offsets will be stored, and the stream time they reached must survive them.
  const bool bare_stream_time = changes.size() == 1 && changes.front().first == kPartitionKey &&
                                (!p.open || p.open->offsets.empty());
  if (bare_stream_time && !final && now - p.last_state_write < kStreamTimeWriteEvery) {
    p.stashed_stream_time = std::move(changes.front().second);
    changes.clear();
  }
  if (!changes.empty()) {
    Batch& b = open_batch(p);
    const std::vector<kafka::Header> headers = output_headers(p);
    // The changelog partition is the signals partition's number, whatever the key hashes to:
    // the partition's state (and its "~partition" record) must be where its restore looks.
    for (const auto& [key, value] : changes) {
      const auto v = value.empty() ? std::nullopt : std::optional<std::string_view>(value);  // empty: tombstone
      if (send(b, config_.topics.changelog, p.tp.partition, key, v, headers)) ++b.changes;
    }
    // After the state records, in the same partition: a restore that reads it has read them.
    if (p.next_offset >= 0 && !b.offsets.empty()) {
      const std::string covers = std::to_string(p.next_offset);
      if (send(b, config_.topics.changelog, p.tp.partition, kInputKey, std::string_view(covers), headers)) ++b.changes;
    }
    p.last_state_write = now;
  }
  seal(p);
}

void AggregateStage::seal(Partition& p) {
  Batch* b = p.open;
  if (!b) return;
  p.open = nullptr;
  b->sealed = true;
  finish_if_done(b);
}

void AggregateStage::finish_if_done(Batch* b) {
  if (!b->sealed || b->remaining > 0) return;
  complete(*b);
  batches_.erase(b);
}

// Runs wherever the producer is polled: the poll thread, or the main thread at shutdown after
// the poll thread has ended. Never both at once.
void AggregateStage::on_delivery(void* opaque, rd_kafka_resp_err_t err) {
  auto* b = static_cast<Batch*>(opaque);
  if (err) b->failed = true;
  --b->remaining;
  finish_if_done(b);
}

void AggregateStage::complete(Batch& b) {
  Partition* p = find(b.tp.partition);
  if (p && p->epoch != b.epoch) p = nullptr;  // a batch of an earlier assignment of this partition
  if (p) --p->batches_in_flight;
  if (b.failed) {
    ++counters_.delivery_failed;
    fail(fmt::format("delivery of the output for {}[{}] failed", b.tp.topic, b.tp.partition));
    return;
  }
  counters_.alerts_sent += b.alerts;
  for (size_t i = 0; i < b.alert_levels.size(); ++i) {
    if (b.alert_levels[i]) counters_.alerts_by_level[i] += b.alert_levels[i];
  }
  counters_.changelog_sent += b.changes;
  if (b.dead) {
    counters_.dead_lettered += b.dead;
    std::lock_guard lock(counters_.mu);
    for (const auto& [code, k] : b.dead_codes) counters_.dead_by_reason[code] += k;
  }
  bool resume = false;
  const int64_t now_ns = b.offsets.empty() ? 0 : steady_ns(steady_clock::now());
  for (size_t i = 0; i < b.offsets.size(); ++i) {
    switch (tracker_.complete(b.tp, b.epoch, b.offsets[i])) {
      case kafka::OffsetTracker::Complete::resume:
        resume = true;
        ++counters_.completed;
        counters_.processing.observe_ns(now_ns - b.taken_ns[i]);
        break;
      case kafka::OffsetTracker::Complete::done:
        ++counters_.completed;
        counters_.processing.observe_ns(now_ns - b.taken_ns[i]);
        break;
      case kafka::OffsetTracker::Complete::stale:
        break;
    }
  }
  if (resume && p) update_pause(*p);
}

void AggregateStage::store_offsets() {
  if (failed_) return;  // a failed delivery may hide behind a later stored offset
  for (const auto& [tp, offset] : tracker_.take_stores()) consumer_->store(tp, offset);
}

// ---- the loop (poll thread) ---------------------------------------------------------------

void AggregateStage::on_tick(kafka::Consumer& c) {
  apply_options();
  producer_->poll(0);
  store_offsets();
  if (!failed_) {
    if (const auto fatal = producer_->fatal_error(); !fatal.empty()) fail(fmt::format("fatal producer error: {}", fatal));
  }
  const auto now = steady_clock::now();
  counters_.last_loop_ms = steady_ms();
  counters_.restoring = static_cast<uint64_t>(
      std::count_if(parts_.begin(), parts_.end(), [](const auto& kv) { return !kv.second->live; }));
  if (stop_requested_ && !draining_) {
    draining_ = true;
    drain_deadline_ = steady_clock::time_point(std::chrono::milliseconds(stop_requested_at_.load())) +
                      std::chrono::milliseconds(config_.run_limits.shutdown_deadline_ms);
    if (!failed_) {
      for (auto& [n, p] : parts_) {
        if (p->live) checkpoint(*p, true);
      }
      unflushed_ = 0;
    }
    for (auto& [n, p] : parts_) update_pause(*p);
    spdlog::info("aggregate: stopping; {} batches awaiting delivery", batches_.size());
  }
  if (!draining_) {
    for (auto& [n, p] : parts_) {
      if (p->live) continue;
      update_pause(*p);
      if (p->restore_end < 0 && now >= p->next_watermark_query) restore_start(*p);
    }
    restore_step();
    if (unflushed_ && (!got_message_ || unflushed_ >= kBatchRecords || now - first_unflushed_ >= kBatchMaxAge)) {
      flush_all();
    }
    for (auto& [n, p] : parts_) {
      if (p->open && now - p->open->opened >= kCheckpointEvery) checkpoint(*p);
    }
    const int outstanding = producer_->outstanding();
    if (backlog_ != (outstanding > (backlog_ ? kMaxOutstanding / 2 : kMaxOutstanding))) {
      backlog_ = !backlog_;
      if (backlog_) spdlog::warn("aggregate: {} records awaiting delivery; pausing input until half are delivered", outstanding);
      for (auto& [n, p] : parts_) update_pause(*p);
    }
    if (now >= next_idle_check_) {
      next_idle_check_ = now + std::chrono::milliseconds(100);
      tick_idle();
      uint64_t regions = 0;
      for (const auto& [n, p] : parts_) regions += p->agg.regions();
      counters_.regions = regions;
    }
  }
  got_message_ = false;
  if (draining_ && (batches_.empty() || failed_ || now >= drain_deadline_)) c.request_stop();
}

void AggregateStage::tick_idle() {
  const auto idle = std::chrono::milliseconds(config_.aggregate_idle_ms);
  const auto now = steady_clock::now();
  for (auto& [n, pp] : parts_) {
    Partition& p = *pp;
    if (!p.live || p.paused || now - p.last_activity < idle || now - p.last_tick < idle) continue;
    // Caught up, as far as the last fetch response told (librdkafka caches the high watermark of
    // each one): a tick while input is still waiting would move stream time past it, and those
    // records would count as late. No fetch response yet: not known to be caught up. Nothing
    // read since the assignment, with the end known: the fetcher found nothing to hand over.
    int64_t lo = RD_KAFKA_OFFSET_INVALID, hi = RD_KAFKA_OFFSET_INVALID;
    rd_kafka_get_watermark_offsets(consumer_->handle(), p.tp.topic.c_str(), p.tp.partition, &lo, &hi);
    if (hi < 0 || (p.next_offset >= 0 && p.next_offset < hi)) {
      spdlog::debug("aggregate: {}[{}] idle but not known to be caught up (at {}, end {}): no tick", p.tp.topic,
                    p.tp.partition, p.next_offset, hi);
      continue;
    }
    if (!p.caught_up) {
      p.caught_up = true;
      spdlog::info("aggregate: {}[{}] caught up at offset {}; its stream time now follows the clock when idle",
                   p.tp.topic, p.tp.partition, p.next_offset >= 0 ? p.next_offset : hi);
    }
    p.last_tick = now;
    ++counters_.ticks;
    const int64_t before = p.agg.stream_time();
    // Allowed lateness: stream time follows the clock only up to tick_lag behind it, so an
    // article still on its way through detect when the partition went idle arrives in order,
    // as it would in a replay (docs/alerts.md, "Time").
    p.agg.tick(clock_() - config_.aggregate_tick_lag_ms, p.batch_alerts);
    spdlog::debug("aggregate: tick {}[{}]: stream time {} -> {}, {} alerts", p.tp.topic, p.tp.partition, when(before),
                  when(p.agg.stream_time()), p.batch_alerts.size());
    checkpoint(p);
  }
}

void AggregateStage::on_statistics(kafka::Consumer& /*c*/, std::string_view json) {
  auto lags = kafka::consumer_lags(json);
  if (!lags) {
    kafka::error_log().warn("stats:aggregate",
                            fmt::format("aggregate: cannot read librdkafka's statistics: {}", lags.error().message));
    return;
  }
  // Statistics list every partition of the topic the client knows of; report the owned ones.
  std::erase_if(*lags, [&](const kafka::PartitionLag& l) { return !tracker_.assigned({l.topic, l.partition}); });
  counters_.lag.set(std::move(*lags));
}

int AggregateStage::poll_timeout_ms() {
  // Come straight back while records are unflushed (an empty poll flushes them), check often
  // while restoring or draining, and serve delivery reports promptly while checkpoints are
  // pending; otherwise the idle tick needs ~10 checks/s.
  if (unflushed_ && !draining_) return 0;
  const bool restoring = std::any_of(parts_.begin(), parts_.end(), [](const auto& kv) { return !kv.second->live; });
  if (restoring || draining_) return 1;
  return batches_.empty() ? 100 : 5;
}

// ---- shutdown -----------------------------------------------------------------------------

int AggregateStage::shutdown() {
  request_stop();
  const auto deadline = steady_clock::time_point(std::chrono::milliseconds(stop_requested_at_.load())) +
                        std::chrono::milliseconds(config_.run_limits.shutdown_deadline_ms);
  if (consumer_) consumer_->stop();  // returns once drained, failed or past the deadline
  if (producer_) {
    const auto left = std::max<int64_t>(
        100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now()).count());
    if (producer_->flush(static_cast<int>(left))) {
      spdlog::warn("aggregate: {} records still undelivered at the deadline; their input offsets are not stored",
                   producer_->outstanding());
    }
  }
  if (consumer_) {
    store_offsets();
    if (!batches_.empty()) {
      spdlog::warn("aggregate: {} batches undelivered at shutdown; their input will be read again", batches_.size());
    }
    consumer_->commit();
    consumer_->close();  // revokes (flush, commit, drop) on this thread
  }
  if (restorer_) {
    rd_kafka_consumer_close(restorer_.get());
    restorer_.reset();
  }
  spdlog::info("aggregate: {}", counters_line());
  return failed_ ? 1 : 0;
}

std::string AggregateStage::counters_line() {
  std::string reasons;
  {
    std::lock_guard lock(counters_.mu);
    for (const auto& [reason, n] : counters_.dead_by_reason) {
      reasons += fmt::format("{}{}={}", reasons.empty() ? "" : ", ", reason, n);
    }
  }
  const auto& k = counters_;
  return fmt::format(
      "received {}, completed {}, alerts sent {}, changelog records {}, parse errors {}, dead-lettered {}{}, "
      "restored {}{}, ticks {}, {} regions on {} partitions{}{}{}",
      k.received.load(), k.completed.load(), k.alerts_sent.load(), k.changelog_sent.load(), k.parse_errors.load(),
      k.dead_lettered.load(), reasons.empty() ? "" : fmt::format(" ({})", reasons), k.restored.load(),
      k.restore_unreadable ? fmt::format(" ({} unreadable)", k.restore_unreadable.load()) : "", k.ticks.load(),
      k.regions.load(), k.partitions.load(),
      k.too_late ? fmt::format(", too late to count {}", k.too_late.load()) : "",
      k.in_restored_state ? fmt::format(", already in the restored state {}", k.in_restored_state.load()) : "",
      k.delivery_failed ? fmt::format(", delivery failures {}", k.delivery_failed.load()) : "");
}

}  // namespace brinkwatch::app
