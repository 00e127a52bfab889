// The detect stage's threads without Kafka: a poll thread that owns the offset bookkeeping
// (kafka::OffsetTracker) and hands records to a worker pool; workers that take the ruleset
// published by a reload between two records and "produce" one to three output records each;
// delivery threads (librdkafka's, in the daemon) that report each output record, the last
// report of an input finishing it; the poll thread taking the finished inputs and storing
// offsets. The same hand-offs as app/detect_stage.cpp (app/handoff.h), the same order of calls.
// Checked: every input offset finished exactly once, the stored offsets of each partition only
// move forward and end one past its last offset, no partition has more in flight than its
// capacity, every record was handled by one whole ruleset, and none by an older one than a
// record before it on the same worker.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "app/handoff.h"
#include "kafka/offset_tracker.h"

namespace brinkwatch::app {
namespace {

using kafka::OffsetTracker;
using kafka::TopicPartition;

struct Ruleset {
  explicit Ruleset(uint64_t v) : version(v), table(32, v * 13 + 5) {}
  uint64_t version;
  std::vector<uint64_t> table;  // read by every worker that holds this ruleset
  bool whole() const {
    return std::all_of(table.begin(), table.end(), [&](uint64_t x) { return x == version * 13 + 5; });
  }
};

struct Work {
  TopicPartition tp;
  uint64_t epoch;
  int64_t offset;
};
struct Pending {  // one per input with output, as in the detect stage
  TopicPartition tp;
  uint64_t epoch;
  int64_t offset;
  Countdown remaining;
};
struct Completion {
  TopicPartition tp;
  uint64_t epoch;
  int64_t offset;
};
struct Handled {
  TopicPartition tp;
  int64_t offset;
  uint64_t version;
  uint64_t generation;
  bool whole;
};

TEST(DetectPipelineThreads, OffsetsStoredInOrderOnceEverythingDerivedIsDelivered) {
  constexpr int kWorkers = 3;
  constexpr int kDeliveryThreads = 2;
  constexpr size_t kCapacity = 8;
  constexpr int64_t kPerPartitionPhase = 1500;  // offsets per partition in each of two phases
  constexpr uint64_t kReloads = 200;
  const std::vector<TopicPartition> partitions{{"articles", 0}, {"articles", 1}, {"articles", 2}};
  // Offsets with gaps, as compaction or transaction markers leave: 0, 1, 3, 4, 6, ...
  auto offset_of = [](int64_t i) { return i + i / 2; };

  Published<Ruleset> rules(std::make_shared<const Ruleset>(0));
  WorkQueue<Work> work;
  WorkQueue<Pending*> deliveries;  // one entry per output record
  CompletionQueue<Completion> done;
  std::atomic<int64_t> records_delivered{0};

  std::vector<std::vector<Handled>> handled(kWorkers);  // each worker's own until joined
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      Published<Ruleset>::Reader ruleset(rules);
      while (auto item = work.pop()) {
        ruleset.refresh();
        const Ruleset& r = ruleset.get();
        handled[static_cast<size_t>(w)].push_back({item->tp, item->offset, r.version, ruleset.generation(), r.whole()});
        const int records = 1 + static_cast<int>(item->offset % 3);
        auto* p = new Pending{item->tp, item->epoch, item->offset, {}};
        p->remaining.reset(records);
        for (int i = 0; i < records; ++i) deliveries.push(p);
      }
    });
  }
  std::vector<std::thread> delivery_threads;
  for (int d = 0; d < kDeliveryThreads; ++d) {
    delivery_threads.emplace_back([&] {
      while (auto p = deliveries.pop()) {
        ++records_delivered;
        if ((*p)->remaining.arrive()) {
          done.push(Completion{(*p)->tp, (*p)->epoch, (*p)->offset});
          delete *p;
        }
      }
    });
  }

  // The poll thread: this one.
  OffsetTracker tracker(kCapacity);
  std::map<TopicPartition, uint64_t> epochs;
  for (const auto& tp : partitions) epochs[tp] = tracker.assign(tp);
  std::map<TopicPartition, int64_t> next_index;  // next record to read, per partition
  std::map<TopicPartition, bool> paused;
  std::map<TopicPartition, std::vector<int64_t>> stores;
  std::map<TopicPartition, std::vector<int64_t>> completed;
  size_t max_in_flight = 0;
  int64_t expected_records = 0;

  auto apply_completions = [&] {
    for (const auto& c : done.take_all()) {
      completed[c.tp].push_back(c.offset);
      if (tracker.complete(c.tp, c.epoch, c.offset) == OffsetTracker::Complete::resume) paused[c.tp] = false;
    }
    for (const auto& [tp, offset] : tracker.take_stores()) stores[tp].push_back(offset);
  };
  // Reads up to `end` records of every partition, as the consumer hands them out, pausing a
  // full partition; returns once all are read and finished.
  auto run_until = [&](int64_t end) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
      bool all_read = true;
      for (const auto& tp : partitions) {
        int64_t& i = next_index[tp];
        while (i < end && !paused[tp]) {
          const int64_t offset = offset_of(i++);
          switch (tracker.add(tp, offset)) {
            case OffsetTracker::Add::now_full:
              paused[tp] = true;
              [[fallthrough]];
            case OffsetTracker::Add::added:
              expected_records += 1 + offset % 3;
              work.push(Work{tp, tracker.epoch(tp), offset});
              break;
            case OffsetTracker::Add::duplicate:
            case OffsetTracker::Add::unassigned:
              ADD_FAILURE() << "offset " << offset << " refused";
              break;
          }
          max_in_flight = std::max(max_in_flight, tracker.in_flight(tp));
        }
        all_read = all_read && i == end;
      }
      apply_completions();
      if (all_read && tracker.in_flight() == 0) return true;
      if (std::chrono::steady_clock::now() > until) return false;  // a lost completion, not a timing check
      if (!done.maybe_pending()) std::this_thread::yield();
    }
  };

  std::thread reloader([&] {
    for (uint64_t v = 1; v <= kReloads; ++v) {
      rules.publish(std::make_shared<const Ruleset>(v));
      std::this_thread::yield();
    }
  });
  const bool phase1 = run_until(kPerPartitionPhase);
  reloader.join();
  // Every reload happened before these records were handed out: all of them see the last ruleset.
  const bool phase2 = phase1 && run_until(2 * kPerPartitionPhase);

  EXPECT_EQ(work.close(), 0u);
  for (auto& t : workers) t.join();
  EXPECT_EQ(deliveries.close(), 0u);
  for (auto& t : delivery_threads) t.join();
  ASSERT_TRUE(phase1 && phase2) << "not every offset finished";
  apply_completions();

  EXPECT_LE(max_in_flight, kCapacity);
  EXPECT_EQ(records_delivered.load(), expected_records);
  for (const auto& tp : partitions) {
    SCOPED_TRACE(tp.partition);
    // Each offset finished exactly once.
    auto c = completed[tp];
    std::sort(c.begin(), c.end());
    std::vector<int64_t> all(2 * kPerPartitionPhase);
    for (int64_t i = 0; i < 2 * kPerPartitionPhase; ++i) all[static_cast<size_t>(i)] = offset_of(i);
    EXPECT_EQ(c, all);
    // Stores only move forward and end one past the last offset.
    const auto& s = stores[tp];
    ASSERT_FALSE(s.empty());
    EXPECT_TRUE(std::adjacent_find(s.begin(), s.end(), std::greater_equal<>()) == s.end()) << "a store went back";
    EXPECT_EQ(s.back(), offset_of(2 * kPerPartitionPhase - 1) + 1);
    EXPECT_EQ(tracker.storable(tp), s.back());
  }
  // Every record handled once, by one whole ruleset, never an older one than before on a worker.
  size_t count = 0;
  for (const auto& v : handled) {
    uint64_t last = 0;
    for (const auto& h : v) {
      EXPECT_TRUE(h.whole) << h.offset;
      EXPECT_EQ(h.version, h.generation) << h.offset;
      EXPECT_GE(h.version, last) << h.offset;
      last = h.version;
      const int64_t phase2_from = offset_of(kPerPartitionPhase);
      if (h.offset >= phase2_from) {
        EXPECT_EQ(h.version, kReloads) << h.offset;
      }
    }
    count += v.size();
  }
  EXPECT_EQ(count, partitions.size() * 2 * kPerPartitionPhase);
}

}  // namespace
}  // namespace brinkwatch::app
