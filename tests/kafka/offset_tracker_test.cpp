#include "kafka/offset_tracker.h"

#include <gtest/gtest.h>

namespace brinkwatch::kafka {
namespace {

using Add = OffsetTracker::Add;
using Complete = OffsetTracker::Complete;

const TopicPartition p0{"articles", 0};
const TopicPartition p1{"articles", 1};

TEST(OffsetTracker, StoresLowestUncompletedOffset) {
  OffsetTracker t(100);
  const auto e = t.assign(p0);
  for (int64_t o = 10; o < 15; ++o) EXPECT_EQ(t.add(p0, o), Add::added);
  EXPECT_EQ(t.storable(p0), -1);
  EXPECT_EQ(t.complete(p0, e, 12), Complete::done);  // out of order: nothing storable yet
  EXPECT_TRUE(t.take_stores().empty());
  EXPECT_EQ(t.complete(p0, e, 10), Complete::done);
  auto s = t.take_stores();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].second, 11);  // 11 is the lowest not completed
  EXPECT_EQ(t.complete(p0, e, 11), Complete::done);
  s = t.take_stores();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].second, 13);  // 12 was already done
  EXPECT_EQ(t.complete(p0, e, 14), Complete::done);
  EXPECT_EQ(t.complete(p0, e, 13), Complete::done);
  s = t.take_stores();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].second, 15);  // all done: one past the highest
  EXPECT_EQ(t.in_flight(p0), 0u);
  EXPECT_TRUE(t.take_stores().empty());  // reported once
}

TEST(OffsetTracker, GapsInOffsetsDoNotHoldTheStoreBack) {
  OffsetTracker t(100);
  const auto e = t.assign(p0);
  t.add(p0, 5);
  t.add(p0, 9);  // 6-8 compacted away or transaction markers
  t.complete(p0, e, 5);
  auto s = t.take_stores();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].second, 9);
}

TEST(OffsetTracker, PausesWhenFullAndResumesWhenDrained) {
  OffsetTracker t(4);  // resume at 2
  const auto e = t.assign(p0);
  EXPECT_EQ(t.add(p0, 0), Add::added);
  EXPECT_EQ(t.add(p0, 1), Add::added);
  EXPECT_EQ(t.add(p0, 2), Add::added);
  EXPECT_EQ(t.add(p0, 3), Add::now_full);
  EXPECT_TRUE(t.full(p0));
  EXPECT_EQ(t.complete(p0, e, 3), Complete::done);  // not contiguous: still 4 entries held
  EXPECT_EQ(t.complete(p0, e, 0), Complete::done);  // 3 held
  EXPECT_EQ(t.complete(p0, e, 1), Complete::resume);  // 2 held (2 pending, 3 done)
  EXPECT_FALSE(t.full(p0));
  EXPECT_EQ(t.add(p0, 4), Add::added);
}

TEST(OffsetTracker, PartitionsAreIndependent) {
  OffsetTracker t(2);
  const auto e0 = t.assign(p0);
  const auto e1 = t.assign(p1);
  t.add(p0, 0);
  EXPECT_EQ(t.add(p0, 1), Add::now_full);
  EXPECT_EQ(t.add(p1, 7), Add::added);
  EXPECT_FALSE(t.full(p1));
  t.complete(p1, e1, 7);
  auto s = t.take_stores();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].first, p1);
  EXPECT_EQ(s[0].second, 8);
  EXPECT_EQ(t.in_flight(), 2u);
  (void)e0;
}

TEST(OffsetTracker, RevokedPartitionsNeverStore) {
  OffsetTracker t(10);
  const auto e = t.assign(p0);
  t.add(p0, 0);
  t.add(p0, 1);
  t.revoke(p0);
  EXPECT_FALSE(t.assigned(p0));
  EXPECT_EQ(t.complete(p0, e, 0), Complete::stale);
  EXPECT_TRUE(t.take_stores().empty());
  EXPECT_EQ(t.add(p0, 2), Add::unassigned);
}

// The totals are kept as work comes and goes (the poll loop asks after every poll), so every
// path that adds or drops work must keep them true.
TEST(OffsetTracker, InFlightCountsFollowEveryChange) {
  OffsetTracker t(10);
  const auto e0 = t.assign(p0);
  const auto e1 = t.assign(p1);
  for (int64_t o = 0; o < 4; ++o) t.add(p0, o);
  t.add(p1, 0);
  t.add(p1, 1);
  EXPECT_EQ(t.in_flight(), 6u);
  EXPECT_EQ(t.add(p0, 2), Add::duplicate);           // not counted again
  EXPECT_EQ(t.complete(p0, e0, 2), Complete::done);  // out of order: stays in the deque, not in flight
  EXPECT_EQ(t.complete(p0, e0, 2), Complete::stale); // not uncounted twice
  EXPECT_EQ(t.in_flight(p0), 3u);
  EXPECT_EQ(t.in_flight(), 5u);
  t.revoke(p1);                                      // its two are dropped
  EXPECT_EQ(t.in_flight(), 3u);
  EXPECT_EQ(t.complete(p1, e1, 0), Complete::stale);
  EXPECT_EQ(t.in_flight(), 3u);
  t.assign(p0);                                      // assigned again: the old work is forgotten
  EXPECT_EQ(t.in_flight(), 0u);
  t.add(p0, 9);
  EXPECT_EQ(t.in_flight(), 1u);
  t.revoke(TopicPartition{"articles", 7});           // never assigned: nothing changes
  EXPECT_EQ(t.in_flight(), 1u);
}

TEST(OffsetTracker, CompletionsFromAnEarlierAssignmentAreIgnored) {
  OffsetTracker t(10);
  const auto old_epoch = t.assign(p0);
  t.add(p0, 0);
  t.revoke(p0);
  const auto e = t.assign(p0);  // assigned back (another rebalance)
  EXPECT_NE(e, old_epoch);
  t.add(p0, 0);                 // re-read from the committed offset
  EXPECT_EQ(t.complete(p0, old_epoch, 0), Complete::stale);
  EXPECT_EQ(t.in_flight(p0), 1u);
  EXPECT_EQ(t.complete(p0, e, 0), Complete::done);
  EXPECT_EQ(t.storable(p0), 1);
}

TEST(OffsetTracker, DuplicatesAndUnknownOffsetsAreRefused) {
  OffsetTracker t(10);
  const auto e = t.assign(p0);
  t.add(p0, 3);
  EXPECT_EQ(t.add(p0, 3), Add::duplicate);
  EXPECT_EQ(t.add(p0, 2), Add::duplicate);
  EXPECT_EQ(t.complete(p0, e, 4), Complete::stale);  // never added
  EXPECT_EQ(t.complete(p0, e, 3), Complete::done);
  EXPECT_EQ(t.complete(p0, e, 3), Complete::stale);  // twice
  EXPECT_EQ(t.add(p1, 0), Add::unassigned);
}

TEST(OffsetTracker, BoundedUnderLoad) {
  OffsetTracker t(1000);
  const auto e = t.assign(p0);
  int64_t next = 0;
  int64_t completed_upto = 0;
  for (int round = 0; round < 100; ++round) {
    while (t.add(p0, next++) != Add::now_full) {
    }
    EXPECT_EQ(t.in_flight(p0), 1000u);
    // Complete in reverse: nothing storable until the lowest is done, then all at once.
    for (int64_t o = next - 1; o >= completed_upto; --o) t.complete(p0, e, o);
    completed_upto = next;
    EXPECT_EQ(t.storable(p0), next);
    EXPECT_EQ(t.in_flight(p0), 0u);
  }
}

}  // namespace
}  // namespace brinkwatch::kafka
