// The embedded broker: librdkafka's mock cluster (rdkafka_mock.h), a real Kafka protocol
// endpoint on loopback, for the demo and the tests. Never for production (docs/operations.md:
// in memory, about 5 MB kept per partition, no transactions enforced, no admin API).
//
// MockCluster runs it in this process (`brinkwatch broker`). EmbeddedBroker runs that command
// as a child process, so a mock-cluster assertion cannot take the daemon down, and the child
// dies with its parent (PR_SET_PDEATHSIG) or on SIGTERM.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "kafka/client.h"

typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;  // NOLINT: librdkafka's own name

namespace brinkwatch::kafka {

struct BrokerOptions {
  std::vector<std::string> topics;
  int partitions = 4;
  int brokers = 1;  // partition leaders are spread over them
};

class MockCluster {
 public:
  static Result<std::unique_ptr<MockCluster>> start(const BrokerOptions& options);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }

  // Fault injection for the tests (docs/reliability.md), one command per line:
  //   down BROKER | up BROKER                      a broker stops / resumes answering
  //   rtt BROKER MS                                its round-trip time
  //   errors API COUNT ERROR                       the next COUNT requests of API (Produce, Fetch,
  //                                                OffsetCommit, JoinGroup, Heartbeat, SyncGroup,
  //                                                Metadata, FindCoordinator...) fail with ERROR
  //                                                (a librdkafka error name, e.g. NOT_LEADER_FOR_PARTITION)
  //   clear API                                    forget the errors still queued for API
  //   leader TOPIC PARTITION BROKER                move a partition's leader
  //   coordinator group|transaction KEY BROKER     move a coordinator
  // Returns what was done, or why the command is not understood.
  Result<std::string> control(const std::string& command);

 private:
  MockCluster() = default;
  HandlePtr rk_;  // the mock cluster's bookkeeping handle; destroyed after the cluster
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

class EmbeddedBroker {
 public:
  // Runs `exe` with `args` plus "--bootstrap-fd N" in a child process and waits (up to
  // `timeout_ms`) for the bootstrap address the child writes to that descriptor.
  static Result<std::unique_ptr<EmbeddedBroker>> spawn(const std::string& exe, std::vector<std::string> args,
                                                       int timeout_ms = 15000);
  // SIGTERM, then SIGKILL if the child has not exited within a second.
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }
  pid_t pid() const { return pid_; }
  // False once the child has exited (it is reaped).
  bool alive();

 private:
  EmbeddedBroker() = default;
  pid_t pid_ = -1;
  std::string bootstrap_;
};

}  // namespace brinkwatch::kafka
