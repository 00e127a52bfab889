// kafka_latency: produce→signal latency through a running detect stage. Produces synthetic
// articles (corpus.h) at a fixed rate into the articles topic while consuming the signals topic;
// each signal carries its input's Kafka timestamp (header source.timestamp, set when this tool
// produced it), so latency = arrival here - that timestamp (same host, same clock).
//   kafka_latency BOOTSTRAP N RATE   → prints records, p50, p99, max in milliseconds
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "corpus.h"
#include "kafka/client.h"
#include "kafka/producer.h"

using namespace brinkwatch;

static int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: kafka_latency BOOTSTRAP N RATE\n");
    return 2;
  }
  const std::string boot = argv[1];
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  const double rate = std::atof(argv[3]);
  std::vector<kafka::Property> cprops{{"bootstrap.servers", boot},
                                      {"group.id", "bench-latency"},
                                      {"auto.offset.reset", "latest"},
                                      {"fetch.wait.max.ms", "5"},
                                      {"log_level", "3"}};
  auto conf = kafka::make_conf(cprops, "bench-view");
  char errstr[512];
  kafka::HandlePtr view(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  conf->release();
  rd_kafka_poll_set_consumer(view.get());
  auto subs = kafka::to_list({{"brinkwatch.signals", RD_KAFKA_PARTITION_UA}});
  rd_kafka_subscribe(view.get(), subs.get());
  // Wait for the assignment before producing, so "latest" starts before the first signal.
  for (int i = 0; i < 200; ++i) {
    rd_kafka_topic_partition_list_t* a = nullptr;
    rd_kafka_assignment(view.get(), &a);
    const int cnt = a ? a->cnt : 0;
    if (a) rd_kafka_topic_partition_list_destroy(a);
    if (cnt > 0) break;
    kafka::MessagePtr m(rd_kafka_consumer_poll(view.get(), 50));
  }
  std::vector<int64_t> lat;
  std::vector<std::pair<int64_t, int64_t>> timeline;  // produced at, latency
  std::atomic<bool> produced{false};
  std::thread feeder([&] {
    auto p = kafka::Producer::create({{"bootstrap.servers", boot}, {"log_level", "3"}, {"linger.ms", "1"}}, {});
    // One quiet article first, delivered before the clock starts: this producer's own start
    // (its idempotence id, the topic's metadata and leader connection, about a second on the
    // embedded broker) is not the stage's latency.
    (*p)->produce("brinkwatch.articles", "warm-up",
                  R"({"id":"warm-up","title":"Weather","text":"Sunny spells and light winds today."})", {}, nullptr);
    (*p)->flush(10000);
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) {
      const auto due = start + std::chrono::microseconds(static_cast<int64_t>(1e6 * static_cast<double>(i) / rate));
      std::this_thread::sleep_until(due);
      (*p)->produce("brinkwatch.articles", std::to_string(i), bench::make_article(7, i), {}, nullptr);
      (*p)->poll(0);
    }
    (*p)->flush(10000);
    produced = true;
  });
  int64_t last = now_ms();
  while (!produced || now_ms() - last < 2000) {
    kafka::MessagePtr m(rd_kafka_consumer_poll(view.get(), 50));
    if (!m || m->err) continue;
    const int64_t arrived = now_ms();
    const std::string ts = kafka::header(m.get(), "source.timestamp");
    if (!ts.empty()) {
      lat.push_back(arrived - std::atoll(ts.c_str()));
      timeline.emplace_back(std::atoll(ts.c_str()), lat.back());
    }
    last = arrived;
  }
  feeder.join();
  rd_kafka_consumer_close(view.get());
  if (lat.empty()) {
    std::printf("no signals received\n");
    return 1;
  }
  // Where the slow ones are: the worst latency of each second of input (stderr), to tell a
  // warm-up from periodic stalls.
  if (std::getenv("LATENCY_TIMELINE")) {
    std::sort(timeline.begin(), timeline.end());
    const int64_t t0 = timeline.front().first;
    int64_t second = -1, worst = 0;
    for (size_t i = 0; i <= timeline.size(); ++i) {
      const int64_t s = i < timeline.size() ? (timeline[i].first - t0) / 1000 : -2;
      if (s != second && second >= 0) std::fprintf(stderr, "second %lld: worst %lld ms\n", static_cast<long long>(second), static_cast<long long>(worst));
      if (s != second) worst = 0;
      second = s;
      if (i < timeline.size()) worst = std::max(worst, timeline[i].second);
    }
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) { return lat[std::min(lat.size() - 1, static_cast<size_t>(q * static_cast<double>(lat.size())))]; };
  std::printf("signals %zu  p50 %lld ms  p99 %lld ms  max %lld ms\n", lat.size(), static_cast<long long>(pct(0.50)),
              static_cast<long long>(pct(0.99)), static_cast<long long>(lat.back()));
  return 0;
}
