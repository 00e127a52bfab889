#include "kafka/consumer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace brinkwatch::kafka {

namespace {

std::string describe(const std::vector<TopicPartition>& tps) {
  std::string s;
  for (const auto& tp : tps) s += fmt::format("{}{}[{}]", s.empty() ? "" : " ", tp.topic, tp.partition);
  return s.empty() ? "(none)" : s;
}

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::create(const ConsumerOptions& options, ConsumerHandler* handler) {
  // Defaults first, so the config can override them; then what the at-least-once guarantee
  // depends on, which it cannot.
  std::vector<Property> props{{"auto.offset.reset", "earliest"},
                              {"partition.assignment.strategy", "cooperative-sticky"},
                              {"enable.auto.commit", "true"},
                              {"auto.commit.interval.ms", "1000"},
                              // Consumer lag per partition for /metrics (ConsumerHandler::on_statistics).
                              {"statistics.interval.ms", "5000"}};
  for (const auto& p : options.properties) {
    if (p.key == "enable.auto.offset.store" && p.value != "false") {
      spdlog::warn("kafka: kafka.enable.auto.offset.store={} ignored: brinkwatch stores offsets itself, after delivery",
                   p.value);
      continue;
    }
    props.push_back(p);
  }
  props.push_back({"enable.auto.offset.store", "false"});
  props.push_back({"group.id", options.group});
  auto conf = make_conf(props, "consumer");
  if (!conf) return conf.error();

  std::unique_ptr<Consumer> c(new Consumer());
  c->handler_ = handler;
  rd_kafka_conf_set_opaque(conf->get(), c.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::rebalance_cb);
  rd_kafka_conf_set_stats_cb(conf->get(), &Consumer::stats_cb);
  char errstr[512];
  c->rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  if (!c->rk_) return Error{"kafka_client", fmt::format("cannot create the consumer: {}", errstr)};
  conf->release();  // owned by rk now
  rd_kafka_poll_set_consumer(c->rk_.get());

  std::vector<TopicPartition> subs;
  for (const auto& t : options.topics) subs.push_back({t, RD_KAFKA_PARTITION_UA});
  auto list = to_list(subs);
  if (const auto err = rd_kafka_subscribe(c->rk_.get(), list.get())) {
    return Error{"kafka_client", fmt::format("cannot subscribe to {}: {}", describe(subs), rd_kafka_err2str(err))};
  }
  return c;
}

Consumer::~Consumer() {
  stop();
  close();
}

void Consumer::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                            void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  const auto tps = from_list(parts);
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    spdlog::info("kafka: assigned {}", describe(tps));
    // Tracker state first: messages can arrive as soon as the assignment takes effect.
    self->handler_->on_assigned(*self, tps);
    rd_kafka_error_t* e = cooperative ? rd_kafka_incremental_assign(rk, parts) : nullptr;
    if (!cooperative) {
      if (const auto r = rd_kafka_assign(rk, parts)) error_log().error("assign", fmt::format("kafka: assign failed: {}", rd_kafka_err2str(r)));
    }
    if (e) {
      error_log().error("assign", fmt::format("kafka: incremental assign failed: {}", rd_kafka_error_string(e)));
      rd_kafka_error_destroy(e);
    }
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    spdlog::info("kafka: {} {}", lost ? "lost" : "revoked", describe(tps));
    self->handler_->on_revoked(*self, tps, lost);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
        error_log().error("unassign", fmt::format("kafka: incremental unassign failed: {}", rd_kafka_error_string(e)));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  } else {
    error_log().error("rebalance", fmt::format("kafka: rebalance error: {}", rd_kafka_err2str(err)));
    self->handler_->on_revoked(*self, tps, true);
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
}

// Served by rd_kafka_consumer_poll (the main queue is forwarded to the consumer's), so on the
// poll thread; or by close() on the thread that closes, after the poll thread has ended.
int Consumer::stats_cb(rd_kafka_t* /*rk*/, char* json, size_t json_len, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  self->handler_->on_statistics(*self, std::string_view(json, json_len));
  return 0;  // librdkafka frees json
}

void Consumer::start() {
  running_ = true;
  thread_ = std::thread([this] { loop(); });
}

void Consumer::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void Consumer::loop() {
  while (!stop_.load()) {
    MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), handler_->poll_timeout_ms()));
    if (msg) {
      if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        handler_->on_message(*this, std::move(msg));
      } else if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        const char* topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "-";
        error_log().error(fmt::format("consume:{}:{}", topic, rd_kafka_err2name(msg->err)),
                          fmt::format("kafka: consumer error on {}[{}]: {}", topic, msg->partition,
                                      rd_kafka_message_errstr(msg.get())));
      }
    }
    handler_->on_tick(*this);
  }
  running_ = false;
}

void Consumer::close() {
  if (!rk_ || closed_) return;
  closed_ = true;
  if (const auto err = rd_kafka_consumer_close(rk_.get())) {
    error_log().error("close", fmt::format("consumer close: {}", rd_kafka_err2str(err)));
  }
}

void Consumer::pause(const TopicPartition& tp) {
  auto list = to_list({tp});
  rd_kafka_pause_partitions(rk_.get(), list.get());
}

void Consumer::resume(const TopicPartition& tp) {
  auto list = to_list({tp});
  rd_kafka_resume_partitions(rk_.get(), list.get());
}

bool Consumer::store(const TopicPartition& tp, int64_t next_offset) {
  auto list = to_list({tp});
  list->elems[0].offset = next_offset;
  const auto err = rd_kafka_offsets_store(rk_.get(), list.get());
  if (err || list->elems[0].err) {
    const auto e = err ? err : list->elems[0].err;
    error_log().warn(fmt::format("store:{}:{}", tp.partition, rd_kafka_err2name(e)),
                     fmt::format("cannot store offset {} for {}[{}]: {}", next_offset, tp.topic, tp.partition,
                                 rd_kafka_err2str(e)));
    return false;
  }
  return true;
}

bool Consumer::commit() {
  const auto err = rd_kafka_commit(rk_.get(), nullptr, 0);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    error_log().error(fmt::format("commit:{}", rd_kafka_err2name(err)),
                      fmt::format("offset commit failed: {}", rd_kafka_err2str(err)));
    return false;
  }
  return true;
}

}  // namespace brinkwatch::kafka
