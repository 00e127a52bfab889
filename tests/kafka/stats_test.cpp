#include "kafka/stats.h"

#include <gtest/gtest.h>

namespace brinkwatch::kafka {
namespace {

// Trimmed from a consumer's statistics (librdkafka 2.0.2, STATISTICS.md): two partitions of the
// subscribed topic with a committed offset, one without (lag -1), the internal partition -1,
// and a second topic.
constexpr const char* kStats = R"({
  "name": "brinkwatch-consumer#consumer-1", "type": "consumer", "ts": 5170150000, "time": 1764326400,
  "brokers": {"127.0.0.1:40123/1": {"name": "127.0.0.1:40123/1", "nodeid": 1, "toppars": {}}},
  "topics": {
    "brinkwatch.articles": {
      "topic": "brinkwatch.articles", "age": 5003, "metadata_age": 4000,
      "partitions": {
        "0": {"partition": 0, "broker": 1, "leader": 1, "desired": true, "fetch_state": "active",
              "committed_offset": 17, "hi_offset": 20, "ls_offset": 20, "consumer_lag": 3, "consumer_lag_stored": 1},
        "1": {"partition": 1, "broker": 1, "leader": 1, "desired": true, "fetch_state": "active",
              "committed_offset": 40, "hi_offset": 40, "ls_offset": 40, "consumer_lag": 0, "consumer_lag_stored": 0},
        "2": {"partition": 2, "broker": 1, "leader": 1, "desired": false, "fetch_state": "none",
              "committed_offset": -1001, "hi_offset": -1, "consumer_lag": -1, "consumer_lag_stored": -1},
        "-1": {"partition": -1, "broker": -1, "leader": -1, "desired": false, "fetch_state": "none",
               "consumer_lag": 0, "consumer_lag_stored": 0}
      }
    },
    "other": {"topic": "other", "partitions": {"0": {"partition": 0, "consumer_lag": 1234}}}
  },
  "cgrp": {"state": "up", "join_state": "steady", "assignment_size": 2}
})";

TEST(ConsumerLags, KnownLagsOfRealPartitions) {
  auto lags = consumer_lags(kStats);
  ASSERT_TRUE(lags) << lags.error().message;
  ASSERT_EQ(lags->size(), 3u);
  std::map<std::pair<std::string, int32_t>, int64_t> got;
  for (const auto& l : *lags) got[{l.topic, l.partition}] = l.lag;
  const std::map<std::pair<std::string, int32_t>, int64_t> want{
      {{"brinkwatch.articles", 0}, 3}, {{"brinkwatch.articles", 1}, 0}, {{"other", 0}, 1234}};
  EXPECT_EQ(got, want);
}

TEST(ConsumerLags, NoTopicsYet) {
  auto lags = consumer_lags(R"({"name": "c", "type": "consumer", "brokers": {}})");
  ASSERT_TRUE(lags);
  EXPECT_TRUE(lags->empty());
  lags = consumer_lags(R"({"topics": {}})");
  ASSERT_TRUE(lags);
  EXPECT_TRUE(lags->empty());
}

TEST(ConsumerLags, PartitionsWithoutLagAreSkipped) {
  // A producer's statistics have no consumer_lag; a wrong type is not a lag either.
  auto lags = consumer_lags(
      R"({"topics": {"t": {"partitions": {"0": {"partition": 0, "msgq_cnt": 5}, "1": {"partition": 1, "consumer_lag": "7"}}}}})");
  ASSERT_TRUE(lags);
  EXPECT_TRUE(lags->empty());
}

TEST(ConsumerLags, Errors) {
  EXPECT_EQ(consumer_lags("").error().code, "invalid_json");
  EXPECT_EQ(consumer_lags(R"({"topics": )").error().code, "invalid_json");
  EXPECT_EQ(consumer_lags(R"({"topics": [1, 2]})").error().code, "wrong_shape");
}

}  // namespace
}  // namespace brinkwatch::kafka
