#include "kafka/client.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace brinkwatch::kafka {

bool is_secret(std::string_view key) {
  return key == "sasl.password" || key == "ssl.key.password" || key == "ssl.key.pem" || key == "ssl_key" ||
         key.find("password") != std::string_view::npos || key.find("secret") != std::string_view::npos;
}

namespace {

// librdkafka's own log lines (levels are syslog levels), from its threads.
void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const std::string who = rk ? rd_kafka_name(rk) : "rdkafka";
  if (level <= 3) {
    error_log().error(fmt::format("log:{}:{}", fac, buf), fmt::format("kafka: {} {}: {}", who, fac, buf));
  } else if (level <= 4 && std::string_view(fac) != "CONFWARN") {
    // CONFWARN: one flat kafka: section serves consumer and producer, so each ignores the
    // other's properties, and says so; that is expected, not a problem.
    error_log().warn(fmt::format("log:{}:{}", fac, buf), fmt::format("kafka: {} {}: {}", who, fac, buf));
  } else if (level <= 6) {
    spdlog::info("kafka: {} {}: {}", who, fac, buf);
  } else {
    spdlog::debug("kafka: {} {}: {}", who, fac, buf);
  }
}

void error_cb(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  const auto e = static_cast<rd_kafka_resp_err_t>(err);
  // Transport errors repeat for as long as a broker is down; one line per kind per interval.
  error_log().error(fmt::format("error:{}:{}", rd_kafka_name(rk), rd_kafka_err2name(e)),
                    fmt::format("kafka: {}: {} ({})", rd_kafka_name(rk), reason, rd_kafka_err2name(e)));
}

}  // namespace

Result<ConfPtr> make_conf(const std::vector<Property>& properties, std::string_view role) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& p : properties) {
    if (rd_kafka_conf_set(conf.get(), p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      return Error{"bad_property",
                   is_secret(p.key) ? fmt::format("kafka.{}: invalid value", p.key)
                                    : fmt::format("kafka.{}: {}", p.key, errstr)};
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), log_cb);
  rd_kafka_conf_set_error_cb(conf.get(), error_cb);
  const std::string id = fmt::format("brinkwatch-{}", role);
  if (rd_kafka_conf_set(conf.get(), "client.id", id.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    return Error{"bad_property", errstr};
  }
  // client.id from the config wins over ours.
  for (const auto& p : properties) {
    if (p.key == "client.id") rd_kafka_conf_set(conf.get(), "client.id", p.value.c_str(), errstr, sizeof errstr);
  }
  return conf;
}

std::vector<std::pair<size_t, std::string>> check_properties(const std::vector<Property>& properties) {
  std::vector<std::pair<size_t, std::string>> out;
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (size_t i = 0; i < properties.size(); ++i) {
    const auto& p = properties[i];
    if (rd_kafka_conf_set(conf.get(), p.key.c_str(), p.value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      out.emplace_back(i, is_secret(p.key) ? std::string("invalid value") : std::string(errstr));
    }
  }
  return out;
}

bool ErrorLog::admit(const std::string& key, uint64_t& suppressed) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  auto [it, fresh] = seen_.try_emplace(key, Entry{now, 0});
  if (fresh) {
    if (seen_.size() > 10000) seen_.clear();  // bounded: keys carry broker text
    suppressed = 0;
    return true;
  }
  if (now - it->second.last >= interval_) {
    suppressed = it->second.suppressed;
    it->second = Entry{now, 0};
    return true;
  }
  ++it->second.suppressed;
  return false;
}

void ErrorLog::error(const std::string& key, const std::string& message) {
  uint64_t suppressed = 0;
  if (!admit(key, suppressed)) return;
  if (suppressed) {
    spdlog::error("{} (and {} more like it since the last report)", message, suppressed);
  } else {
    spdlog::error("{}", message);
  }
}

void ErrorLog::warn(const std::string& key, const std::string& message) {
  uint64_t suppressed = 0;
  if (!admit(key, suppressed)) return;
  if (suppressed) {
    spdlog::warn("{} (and {} more like it since the last report)", message, suppressed);
  } else {
    spdlog::warn("{}", message);
  }
}

ErrorLog& error_log() {
  static ErrorLog log;
  return log;
}

PartitionListPtr to_list(const std::vector<TopicPartition>& tps) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(std::max<size_t>(tps.size(), 1))));
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  return list;
}

std::vector<TopicPartition> from_list(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (!list) return out;
  for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition});
  return out;
}

std::string header(const rd_kafka_message_t* msg, const char* name) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs) return {};
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || !value) return {};
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace brinkwatch::kafka
