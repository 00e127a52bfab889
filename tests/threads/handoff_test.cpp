// The hand-offs of app/handoff.h, each driven from several real threads at once. Every test
// checks a property of the result (nothing lost, nothing twice, order kept), so it fails without
// a sanitizer too; under ThreadSanitizer (scripts/test.sh, thread_tests) a missing
// happens-before between the threads is reported even when the result comes out right.
#include "app/handoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace brinkwatch::app {
namespace {

// Waits (yielding) until `done` holds; false after a minute, a bound for a lost item, not a
// timing assertion.
template <class F>
bool wait_for(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WorkQueueThreads, EveryItemTakenExactlyOnceInOrderPerConsumer) {
  constexpr int kProducers = 2;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 5000;
  WorkQueue<std::pair<int, int>> q;  // (producer, sequence)
  std::vector<std::vector<std::pair<int, int>>> taken(kConsumers);  // each consumer's own
  std::atomic<int> taken_count{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      while (auto item = q.pop()) {
        taken[static_cast<size_t>(c)].push_back(*item);
        ++taken_count;
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) q.push({p, i});
    });
  }
  for (auto& t : producers) t.join();
  // Wait until the consumers took everything, then close: nothing is left to drop.
  const bool drained = wait_for([&] { return taken_count.load() == kProducers * kPerProducer; });
  EXPECT_EQ(q.close(), 0u);
  for (auto& t : consumers) t.join();
  ASSERT_TRUE(drained);

  std::vector<std::vector<int>> seen(kProducers);
  for (const auto& v : taken) {
    std::vector<int> last(kProducers, -1);
    for (const auto& [p, i] : v) {
      // One consumer takes the items of one producer in the order they were pushed.
      EXPECT_GT(i, last[static_cast<size_t>(p)]);
      last[static_cast<size_t>(p)] = i;
      seen[static_cast<size_t>(p)].push_back(i);
    }
  }
  // Nothing taken twice, nothing lost.
  for (auto& s : seen) {
    std::sort(s.begin(), s.end());
    std::vector<int> all(kPerProducer);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(s, all);
  }
}

TEST(WorkQueueThreads, CloseWakesEveryWaitingConsumerAndDropsTheRest) {
  WorkQueue<int> q;
  std::atomic<int> ended{0};
  std::vector<std::thread> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.emplace_back([&] {
      while (q.pop()) {
      }
      ++ended;
    });
  }
  EXPECT_EQ(q.close(), 0u);
  for (auto& t : waiting) t.join();  // hangs (ctest's timeout) if a waiter is not woken
  EXPECT_EQ(ended.load(), 4);
  q.push(1);
  EXPECT_FALSE(q.pop().has_value());  // closed: nothing more is handed out
  WorkQueue<int> q2;
  for (int i = 0; i < 5; ++i) q2.push(i);
  EXPECT_EQ(q2.close(), 5u);
}

// A ruleset-like value: a payload derived from its version, checked by every reader, and a count
// of live instances (the old ones must be freed once no reader holds them).
std::atomic<int> g_live_versions{0};
struct Version {
  explicit Version(uint64_t v) : id(v), payload(64, v * 7 + 1) { ++g_live_versions; }
  ~Version() { --g_live_versions; }
  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;
  uint64_t id;
  std::vector<uint64_t> payload;
};

TEST(PublishedThreads, ReadersSeeEachVersionWholeAndNeverGoBack) {
  constexpr int kReaders = 3;
  constexpr uint64_t kVersions = 300;
  constexpr int kItems = 20000;
  {
    Published<Version> published(std::make_shared<const Version>(0));
    WorkQueue<int> work;
    struct Seen {
      int item;
      uint64_t id;
      uint64_t generation;
      bool payload_ok;
    };
    std::vector<std::vector<Seen>> seen(kReaders);  // each reader's own
    std::atomic<int> taken{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
      readers.emplace_back([&, r] {
        Published<Version>::Reader reader(published);
        while (auto item = work.pop()) {
          reader.refresh();  // between two items, as a detect worker does
          const Version& v = reader.get();
          const bool ok = std::all_of(v.payload.begin(), v.payload.end(), [&](uint64_t x) { return x == v.id * 7 + 1; });
          seen[static_cast<size_t>(r)].push_back({*item, v.id, reader.generation(), ok});
          ++taken;
        }
      });
    }
    std::thread publisher([&] {
      for (uint64_t v = 1; v <= kVersions; ++v) {
        published.publish(std::make_shared<const Version>(v));
        std::this_thread::yield();
      }
    });
    for (int i = 0; i < kItems; ++i) work.push(i);
    publisher.join();
    // Published before these were pushed: every reader that takes one must hold the last version.
    constexpr int kAfter = 300;
    for (int i = kItems; i < kItems + kAfter; ++i) work.push(i);
    const bool drained = wait_for([&] { return taken.load() == kItems + kAfter; });
    EXPECT_EQ(work.close(), 0u);
    for (auto& t : readers) t.join();
    ASSERT_TRUE(drained);

    std::vector<int> items;
    for (int r = 0; r < kReaders; ++r) {
      uint64_t last_generation = 0;
      for (const auto& s : seen[static_cast<size_t>(r)]) {
        EXPECT_TRUE(s.payload_ok) << "item " << s.item;
        EXPECT_EQ(s.id, s.generation) << "item " << s.item << ": value and generation read apart";
        EXPECT_GE(s.generation, last_generation) << "item " << s.item << ": a reader went back";
        last_generation = s.generation;
        if (s.item >= kItems) {
          EXPECT_EQ(s.id, kVersions) << "item " << s.item;
        }
        items.push_back(s.item);
      }
    }
    std::sort(items.begin(), items.end());
    std::vector<int> all(kItems + kAfter);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(items, all);  // each item taken exactly once
    // Every version but the last was let go of by every reader: freed.
    EXPECT_EQ(g_live_versions.load(), 1);
  }
  EXPECT_EQ(g_live_versions.load(), 0);
}

TEST(MailboxThreads, OwnerTakesOnlyNewerValuesAndEndsWithTheLast) {
  constexpr int kValues = 20000;
  Mailbox<std::shared_ptr<const Version>> box;
  std::thread putter([&] {
    for (int v = 1; v <= kValues; ++v) box.put(std::make_shared<const Version>(static_cast<uint64_t>(v)));
  });
  std::vector<uint64_t> taken;
  bool payloads_ok = true;
  auto take = [&] {
    if (auto v = box.take()) {
      const Version& version = **v;
      payloads_ok = payloads_ok && std::all_of(version.payload.begin(), version.payload.end(),
                                               [&](uint64_t x) { return x == version.id * 7 + 1; });
      taken.push_back(version.id);
    }
  };
  // The owner polls as the aggregate stage's poll thread does, before each record.
  while (taken.empty() || taken.back() != static_cast<uint64_t>(kValues)) {
    take();
    std::this_thread::yield();
  }
  putter.join();
  take();  // nothing is left once the last was taken
  EXPECT_TRUE(payloads_ok);
  EXPECT_EQ(taken.back(), static_cast<uint64_t>(kValues));
  EXPECT_TRUE(std::is_sorted(taken.begin(), taken.end()));
  EXPECT_TRUE(std::adjacent_find(taken.begin(), taken.end()) == taken.end()) << "a value taken twice";
  EXPECT_EQ(g_live_versions.load(), 0);  // the values replaced before they were taken are freed
}

TEST(CountdownThreads, ExactlyOneArrivalFinishesEachCount) {
  constexpr int kCounts = 2000;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 3;  // arrivals per thread and count
  std::vector<Countdown> counts(kCounts);
  for (auto& c : counts) c.reset(kThreads * kPerThread);
  std::vector<int> data(kCounts, 0);                   // written by every arriving thread before it arrives
  std::vector<std::atomic<int>> contributions(kCounts);  // the same, counted
  std::vector<std::vector<int>> finished(kThreads);      // counts each thread finished, and what it saw
  std::vector<std::vector<int>> seen_contributions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kPerThread; ++round) {
        for (int i = 0; i < kCounts; ++i) {
          const auto k = static_cast<size_t>(i);
          ++contributions[k];
          if (counts[k].arrive()) {
            // Everything the other arrivals did before arriving is visible here.
            finished[static_cast<size_t>(t)].push_back(i);
            seen_contributions[static_cast<size_t>(t)].push_back(contributions[k].load(std::memory_order_relaxed));
            data[k] = 1;  // only the finisher writes: a second finisher would race (TSan) and be counted below
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int> all;
  for (int t = 0; t < kThreads; ++t) {
    all.insert(all.end(), finished[static_cast<size_t>(t)].begin(), finished[static_cast<size_t>(t)].end());
    for (const int n : seen_contributions[static_cast<size_t>(t)]) EXPECT_EQ(n, kThreads * kPerThread);
  }
  std::sort(all.begin(), all.end());
  std::vector<int> expected(kCounts);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);  // each count finished exactly once
  EXPECT_EQ(std::count(data.begin(), data.end(), 1), kCounts);
}

TEST(CountdownThreads, ArrivingForSeveralAtOnceFinishesOnce) {
  // A produce that fails part-way arrives for the records it could not queue, all at once, while
  // the delivery reports of the ones it did queue arrive on another thread.
  constexpr int kRounds = 5000;
  int finished_by_bulk = 0, finished_by_reports = 0;
  for (int r = 0; r < kRounds; ++r) {
    Countdown c;
    const int n = 2 + r % 5, queued = 1 + r % (n - 1);
    c.reset(n);
    std::atomic<int> finishes{0};
    std::thread reports([&] {
      for (int i = 0; i < queued; ++i) {
        if (c.arrive()) ++finishes, ++finished_by_reports;
      }
    });
    if (c.arrive(n - queued)) ++finishes, ++finished_by_bulk;
    reports.join();
    ASSERT_EQ(finishes.load(), 1) << "round " << r;
  }
  EXPECT_EQ(finished_by_bulk + finished_by_reports, kRounds);
}

TEST(CompletionQueueThreads, EveryPushTakenOnceInPushOrderPerThread) {
  constexpr int kPushers = 3;
  constexpr int kPerPusher = 20000;
  CompletionQueue<std::pair<int, int>> q;
  std::vector<std::thread> pushers;
  for (int p = 0; p < kPushers; ++p) {
    pushers.emplace_back([&, p] {
      for (int i = 0; i < kPerPusher; ++i) q.push({p, i});
    });
  }
  std::vector<std::pair<int, int>> taken;
  auto take = [&] {
    for (auto& item : q.take_all()) taken.push_back(item);
  };
  const bool all = wait_for([&] {
    if (!q.maybe_pending()) std::this_thread::yield();
    take();
    return taken.size() >= static_cast<size_t>(kPushers * kPerPusher);
  });
  for (auto& t : pushers) t.join();
  take();
  ASSERT_TRUE(all);
  ASSERT_EQ(taken.size(), static_cast<size_t>(kPushers * kPerPusher));
  std::vector<int> next(kPushers, 0);
  for (const auto& [p, i] : taken) {
    // In push order per pusher, so each pusher's items come out as 0, 1, 2, ... with none lost.
    EXPECT_EQ(i, next[static_cast<size_t>(p)]);
    next[static_cast<size_t>(p)] = i + 1;
  }
  EXPECT_FALSE(q.maybe_pending());
}

}  // namespace
}  // namespace brinkwatch::app
