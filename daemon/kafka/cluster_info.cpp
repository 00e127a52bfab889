#include "kafka/cluster_info.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace brinkwatch::kafka {

namespace {

struct Reasons {
  std::mutex mu;
  std::vector<std::string> items;  // distinct, in order
};

// The process's ErrorLog would print these; validate reports them in its own words instead.
void collect_error(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
  auto* r = static_cast<Reasons*>(opaque);
  // _ALL_BROKERS_DOWN only summarises the transport errors before it.
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return;
  // librdkafka repeats a reason with ", N identical error(s) suppressed": the same reason.
  std::string text(reason);
  if (const auto at = text.find(" identical error(s) suppressed"); at != std::string::npos) {
    const auto comma = text.rfind(", ", at);
    if (comma != std::string::npos) text.erase(comma, at + std::strlen(" identical error(s) suppressed") - comma);
  }
  std::lock_guard lock(r->mu);
  if (std::find(r->items.begin(), r->items.end(), text) == r->items.end()) r->items.push_back(std::move(text));
}

void silent_log(const rd_kafka_t* /*rk*/, int /*level*/, const char* /*fac*/, const char* /*buf*/) {}

}  // namespace

Result<ClusterInfo> describe_cluster(const std::vector<Property>& properties, int timeout_ms) {
  auto conf = make_conf(properties, "validate");
  if (!conf) return conf.error();
  Reasons reasons;
  rd_kafka_conf_set_opaque(conf->get(), &reasons);
  rd_kafka_conf_set_error_cb(conf->get(), collect_error);
  rd_kafka_conf_set_log_cb(conf->get(), silent_log);
  char errstr[512];
  // A producer handle: it needs no group and sends nothing.
  HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (!rk) return Error{"kafka_client", fmt::format("cannot create a Kafka client: {}", errstr)};
  conf.value().release();  // owned by rk now

  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk.get(), 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Error callbacks are served by rd_kafka_poll; give the ones already queued a chance.
    rd_kafka_poll(rk.get(), 0);
    std::string why;
    {
      std::lock_guard lock(reasons.mu);
      for (const auto& r : reasons.items) why += fmt::format("{}{}", why.empty() ? "" : "; ", r);
    }
    return Error{"unreachable", fmt::format("no metadata from the cluster within {} ms ({}){}", timeout_ms,
                                            rd_kafka_err2str(err), why.empty() ? "" : ": " + why)};
  }
  ClusterInfo info;
  for (int i = 0; i < md->broker_cnt; ++i) info.brokers.push_back(fmt::format("{}:{}", md->brokers[i].host, md->brokers[i].port));
  info.answered_by = md->orig_broker_name ? md->orig_broker_name : "";
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    TopicInfo ti;
    ti.partitions = t.partition_cnt;
    if (t.err) ti.error = rd_kafka_err2str(t.err);
    info.topics[t.topic] = ti;
  }
  rd_kafka_metadata_destroy(md);
  return info;
}

}  // namespace brinkwatch::kafka
