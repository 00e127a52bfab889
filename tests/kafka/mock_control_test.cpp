// kafka::MockCluster::control, the fault-injection commands of the tests' embedded broker: each
// command applies or says why not. (What the faults do to the daemon: tests/kafka/faults_*.sh.)
#include <gtest/gtest.h>

#include <string>

#include "kafka/embedded_broker.h"

namespace brinkwatch::kafka {
namespace {

TEST(MockControl, CommandsApplyOrSayWhyNot) {
  auto cluster = MockCluster::start({{"articles"}, 2, 3});
  ASSERT_TRUE(cluster) << cluster.error().message;
  MockCluster& c = **cluster;
  for (const std::string ok : {"down 2", "up 2", "rtt 1 250", "rtt 1 0", "errors Produce 3 NOT_LEADER_FOR_PARTITION",
                               "errors OffsetCommit 1 REQUEST_TIMED_OUT", "clear Produce", "leader articles 1 3",
                               "coordinator group brinkwatch-detect 2"}) {
    auto r = c.control(ok);
    EXPECT_TRUE(r) << ok << ": " << (r ? "" : r.error().message);
  }
  struct Bad {
    std::string command, why;
  };
  for (const auto& [command, why] : {Bad{"", "empty"}, Bad{"frobnicate 1", "unknown command"},
                                     Bad{"errors Bogus 1 REQUEST_TIMED_OUT", "unknown API Bogus"},
                                     Bad{"errors Fetch 1 NO_SUCH_ERROR", "unknown error NO_SUCH_ERROR"},
                                     Bad{"errors Fetch 0 REQUEST_TIMED_OUT", "COUNT must be"}, Bad{"down", "wrong number"}}) {
    auto r = c.control(command);
    ASSERT_FALSE(r) << command;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace brinkwatch::kafka
