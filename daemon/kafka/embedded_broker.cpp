#include "kafka/embedded_broker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>
#include <thread>

#include <librdkafka/rdkafka_mock.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace brinkwatch::kafka {

Result<std::unique_ptr<MockCluster>> MockCluster::start(const BrokerOptions& options) {
  // The handle only does the cluster's bookkeeping; it never connects anywhere.
  auto conf = make_conf({{"log_level", "3"}}, "broker");
  if (!conf) return conf.error();
  char errstr[512];
  std::unique_ptr<MockCluster> m(new MockCluster());
  m->rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (!m->rk_) return Error{"kafka_client", fmt::format("cannot create the mock cluster's handle: {}", errstr)};
  conf->release();
  m->cluster_ = rd_kafka_mock_cluster_new(m->rk_.get(), options.brokers);
  if (!m->cluster_) return Error{"kafka_client", "cannot create the mock cluster"};
  for (const auto& t : options.topics) {
    if (const auto err = rd_kafka_mock_topic_create(m->cluster_, t.c_str(), options.partitions, 1)) {
      return Error{"kafka_client", fmt::format("cannot create topic {}: {}", t, rd_kafka_err2str(err))};
    }
  }
  m->bootstrap_ = rd_kafka_mock_cluster_bootstraps(m->cluster_);
  return m;
}

namespace {

// Kafka protocol API keys by name (the ones a fault test needs).
int api_key(const std::string& name) {
  static const std::pair<const char*, int> kApis[] = {
      {"Produce", 0},     {"Fetch", 1},         {"ListOffsets", 2}, {"Metadata", 3},         {"OffsetCommit", 8},
      {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11}, {"Heartbeat", 12},   {"LeaveGroup", 13},
      {"SyncGroup", 14},  {"InitProducerId", 22}};
  for (const auto& [n, k] : kApis) {
    if (name == n) return k;
  }
  return -1;
}

// A broker error by its librdkafka name without the RD_KAFKA_RESP_ERR_ prefix.
std::optional<rd_kafka_resp_err_t> error_code(const std::string& name) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t n = 0;
  rd_kafka_get_err_descs(&descs, &n);
  for (size_t i = 0; i < n; ++i) {
    if (descs[i].name && name == descs[i].name && descs[i].code > 0) return descs[i].code;
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> MockCluster::control(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  auto bad = [&](const std::string& why) { return Error{"bad_command", fmt::format("\"{}\": {}", command, why)}; };
  auto broker = [&](const std::string& s) { return static_cast<int32_t>(std::strtol(s.c_str(), nullptr, 10)); };
  if (w.empty()) return bad("empty");
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if ((w[0] == "down" || w[0] == "up") && w.size() == 2) {
    err = w[0] == "down" ? rd_kafka_mock_broker_set_down(cluster_, broker(w[1]))
                         : rd_kafka_mock_broker_set_up(cluster_, broker(w[1]));
  } else if (w[0] == "rtt" && w.size() == 3) {
    err = rd_kafka_mock_broker_set_rtt(cluster_, broker(w[1]), static_cast<int>(std::strtol(w[2].c_str(), nullptr, 10)));
  } else if (w[0] == "errors" && w.size() == 4) {
    const int api = api_key(w[1]);
    const auto code = error_code(w[3]);
    const long count = std::strtol(w[2].c_str(), nullptr, 10);
    if (api < 0) return bad("unknown API " + w[1]);
    if (!code) return bad("unknown error " + w[3]);
    if (count < 1 || count > 100000) return bad("COUNT must be 1..100000");
    std::vector<rd_kafka_resp_err_t> errs(static_cast<size_t>(count), *code);
    rd_kafka_mock_push_request_errors_array(cluster_, static_cast<int16_t>(api), errs.size(), errs.data());
  } else if (w[0] == "clear" && w.size() == 2) {
    const int api = api_key(w[1]);
    if (api < 0) return bad("unknown API " + w[1]);
    rd_kafka_mock_clear_request_errors(cluster_, static_cast<int16_t>(api));
  } else if (w[0] == "leader" && w.size() == 4) {
    err = rd_kafka_mock_partition_set_leader(cluster_, w[1].c_str(), broker(w[2]), broker(w[3]));
  } else if (w[0] == "coordinator" && w.size() == 4) {
    err = rd_kafka_mock_coordinator_set(cluster_, w[1].c_str(), w[2].c_str(), broker(w[3]));
  } else {
    return bad("unknown command or wrong number of arguments");
  }
  if (err) return bad(rd_kafka_err2str(err));
  return command;
}

MockCluster::~MockCluster() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
}

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::spawn(const std::string& exe, std::vector<std::string> args,
                                                              int timeout_ms) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error{"spawn", fmt::format("pipe: {}", std::strerror(errno))};
  // The executable first, then the arguments (built forward: GCC 12's -O3 -Wnull-dereference
  // misreads an insert at the front of the vector).
  std::vector<std::string> command_line{exe};
  command_line.insert(command_line.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  command_line.push_back("--bootstrap-fd");
  command_line.push_back(std::to_string(fds[1]));
  std::vector<char*> argv;
  for (auto& a : command_line) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Error{"spawn", fmt::format("fork: {}", std::strerror(errno))};
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
    // Ctrl-C goes to the whole foreground group; the parent stops the broker itself, last.
    setpgid(0, 0);
    close(fds[0]);
    const int flags = fcntl(fds[1], F_GETFD);
    fcntl(fds[1], F_SETFD, flags & ~FD_CLOEXEC);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::unique_ptr<EmbeddedBroker> b(new EmbeddedBroker());
  b->pid_ = pid;
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[256];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // the child closed the pipe (exited) without an address
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  const auto nl = line.find('\n');
  if (nl == std::string::npos) return Error{"spawn", "the embedded broker did not report its address"};
  b->bootstrap_ = line.substr(0, nl);
  return b;
}

bool EmbeddedBroker::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
}

}  // namespace brinkwatch::kafka
