#include "kafka/producer.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace brinkwatch::kafka {

Result<std::unique_ptr<Producer>> Producer::create(const std::vector<Property>& properties, DeliveryFn on_delivery) {
  std::vector<Property> props{{"linger.ms", "5"}, {"compression.type", "lz4"}};
  for (const auto& p : properties) {
    if ((p.key == "enable.idempotence" && p.value != "true") || (p.key == "acks" && p.value != "all" && p.value != "-1")) {
      spdlog::warn("kafka: kafka.{}={} ignored: at-least-once delivery needs enable.idempotence=true and acks=all", p.key,
                   p.value);
      continue;
    }
    props.push_back(p);
  }
  props.push_back({"enable.idempotence", "true"});
  props.push_back({"acks", "all"});
  auto conf = make_conf(props, "producer");
  if (!conf) return conf.error();
  std::unique_ptr<Producer> p(new Producer());
  p->on_delivery_ = std::move(on_delivery);
  rd_kafka_conf_set_opaque(conf->get(), p.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::dr_cb);
  char errstr[512];
  p->rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (!p->rk_) return Error{"kafka_client", fmt::format("cannot create the producer: {}", errstr)};
  conf->release();
  return p;
}

Producer::~Producer() {
  if (rk_) {
    rd_kafka_flush(rk_.get(), 1000);  // best effort; callers flush with their own deadline first
  }
}

void Producer::dr_cb(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (msg->err) {
    const char* topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "-";
    error_log().error(fmt::format("delivery:{}:{}", topic, rd_kafka_err2name(msg->err)),
                      fmt::format("kafka: delivery to {} failed: {}", topic, rd_kafka_err2str(msg->err)));
  }
  if (self->on_delivery_) self->on_delivery_(msg->_private, msg->err);
}

rd_kafka_resp_err_t Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                                      const std::vector<Header>& headers, void* opaque, int queue_full_wait_ms) {
  return produce_to(topic, RD_KAFKA_PARTITION_UA, key, value, headers, opaque, queue_full_wait_ms);
}

rd_kafka_resp_err_t Producer::produce_to(const std::string& topic, int32_t partition, std::string_view key,
                                         std::optional<std::string_view> value, const std::vector<Header>& headers,
                                         void* opaque, int queue_full_wait_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(queue_full_wait_ms);
  // A null payload pointer is what makes librdkafka send a null value (an empty one is not).
  void* payload = value ? const_cast<char*>(value->data()) : nullptr;  // NOLINT: copied (F_COPY)
  const size_t len = value ? value->size() : 0;
  static const char kEmpty = 0;
  if (value && !payload) payload = const_cast<char*>(&kEmpty);  // NOLINT: an empty value, not null
  for (;;) {
    // Headers are owned by the message once producev succeeds, and by us when it fails.
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& h : headers) {
      rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
    }
    // librdkafka's RD_KAFKA_V_* macros are C: their casts are theirs.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    const auto err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),  // NOLINT: copied (F_COPY)
        RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
    if (!err) return err;
    rd_kafka_headers_destroy(hdrs);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() >= deadline) {
      error_log().error(fmt::format("produce:{}:{}", topic, rd_kafka_err2name(err)),
                        fmt::format("kafka: cannot produce to {}: {}", topic, rd_kafka_err2str(err)));
      return err;
    }
    // Delivery reports are served by the poll thread; the queue drains as they are.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string Producer::prepare_topics(const std::vector<std::string>& topics, int timeout_ms) {
  std::string problems;
  for (const auto& name : topics) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), name.c_str(), nullptr);
    if (!rkt) {
      problems += fmt::format("{}{}: {}", problems.empty() ? "" : "; ", name, rd_kafka_err2str(rd_kafka_last_error()));
      continue;
    }
    topics_.emplace_back(rkt, &rd_kafka_topic_destroy);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, rkt, &md, timeout_ms);
    if (!err && md && md->topic_cnt == 1) err = md->topics[0].err;
    if (md) rd_kafka_metadata_destroy(md);
    if (err) problems += fmt::format("{}{}: {}", problems.empty() ? "" : "; ", name, rd_kafka_err2str(err));
  }
  return problems;
}

int Producer::poll(int timeout_ms) { return rd_kafka_poll(rk_.get(), timeout_ms); }

rd_kafka_resp_err_t Producer::flush(int timeout_ms) { return rd_kafka_flush(rk_.get(), timeout_ms); }

int Producer::outstanding() const { return rd_kafka_outq_len(rk_.get()); }

std::string Producer::fatal_error() const {
  char errstr[512];
  const auto err = rd_kafka_fatal_error(rk_.get(), errstr, sizeof errstr);
  return err ? fmt::format("{} ({})", errstr, rd_kafka_err2name(err)) : std::string();
}

}  // namespace brinkwatch::kafka
