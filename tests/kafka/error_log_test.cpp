// kafka::ErrorLog: the first error of a kind is logged, repeats within the interval are counted
// and reported once with the next line after it, different kinds never hide each other.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "kafka/client.h"

namespace brinkwatch::kafka {
namespace {

class ErrorLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    auto logger = std::make_shared<spdlog::logger>("error_log_test", sink_);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }
  std::vector<std::string> lines() { return sink_->last_formatted(); }

  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST_F(ErrorLogTest, RepeatsWithinTheIntervalAreCountedNotPrinted) {
  ErrorLog log(std::chrono::seconds(1));
  for (int i = 0; i < 100; ++i) log.error("connect:broker1", "kafka: connect to broker1 failed (attempt " + std::to_string(i) + ")");
  log.warn("connect:broker2", "kafka: connect to broker2 failed");
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "error kafka: connect to broker1 failed (attempt 0)\n");
  EXPECT_EQ(got[1], "warning kafka: connect to broker2 failed\n") << "another kind is not hidden by the first";

  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  log.error("connect:broker1", "kafka: connect to broker1 failed (attempt 100)");
  got = lines();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2], "error kafka: connect to broker1 failed (attempt 100) (and 99 more like it since the last report)\n");
}

}  // namespace
}  // namespace brinkwatch::kafka
