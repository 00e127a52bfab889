// kafka::Producer::prepare_topics against librdkafka's mock cluster over loopback: the cluster's
// topics are found, a broker that does not answer is reported by topic, and records still go
// out after a failed lookup. (The mock cluster creates any topic it is asked about, so a missing
// topic cannot be shown here.)
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "kafka/embedded_broker.h"
#include "kafka/producer.h"

namespace brinkwatch::kafka {
namespace {

std::unique_ptr<Producer> producer_for(const MockCluster& c, std::atomic<int>* delivered) {
  auto p = Producer::create({{"bootstrap.servers", c.bootstrap()}, {"log_level", "0"}, {"allow.auto.create.topics", "false"}},
                            [delivered](void*, rd_kafka_resp_err_t err) {
                              if (!err) ++*delivered;
                            });
  EXPECT_TRUE(p) << p.error().message;
  return p ? std::move(*p) : nullptr;
}

TEST(ProducerPrepare, FindsTheClustersTopics) {
  auto cluster = MockCluster::start({{"signals", "dead"}, 2, 1});
  ASSERT_TRUE(cluster) << cluster.error().message;
  std::atomic<int> delivered{0};
  auto p = producer_for(**cluster, &delivered);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->prepare_topics({"signals", "dead"}, 5000), "");
  ASSERT_EQ(p->produce("signals", "k", "v", {}, nullptr), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(p->flush(5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delivered.load(), 1);
}

TEST(ProducerPrepare, AnUnansweredLookupIsReportedAndRecordsStillGoOut) {
  auto cluster = MockCluster::start({{"signals"}, 1, 1});
  ASSERT_TRUE(cluster) << cluster.error().message;
  MockCluster& c = **cluster;
  std::atomic<int> delivered{0};
  auto p = producer_for(c, &delivered);
  ASSERT_TRUE(p);
  ASSERT_TRUE(c.control("down 1"));
  const std::string problems = p->prepare_topics({"signals"}, 500);
  EXPECT_NE(problems.find("signals: "), std::string::npos) << problems;
  ASSERT_TRUE(c.control("up 1"));
  ASSERT_EQ(p->produce("signals", "k", "v", {}, nullptr), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(p->flush(15000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delivered.load(), 1);
}

}  // namespace
}  // namespace brinkwatch::kafka
