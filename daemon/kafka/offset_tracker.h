// Which input offsets may be stored: per partition, the offsets handed to workers and not yet
// finished, in arrival order. The offset to store is the lowest one not yet completed (or one
// past the highest when all are), so a restart re-reads exactly what was unfinished and nothing
// finished before it (at-least-once; duplicates only among the in-flight window).
//
// Owned by the consumer's poll thread: no locking. No librdkafka here, so it is unit-tested alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace brinkwatch::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

class OffsetTracker {
 public:
  // `capacity`: offsets in flight per partition before it is full (and paused); a paused
  // partition is resumed once no more than `resume_at` remain (default: half the capacity).
  explicit OffsetTracker(size_t capacity, size_t resume_at = SIZE_MAX);

  // Starts tracking a newly assigned partition and returns its epoch. Completions carrying an
  // older epoch (work started before a revocation) are ignored.
  uint64_t assign(const TopicPartition& tp);
  // Forgets a revoked partition: its pending offsets are never stored.
  void revoke(const TopicPartition& tp);
  bool assigned(const TopicPartition& tp) const { return parts_.count(tp) != 0; }
  // The epoch of an assigned partition (0 when not assigned).
  uint64_t epoch(const TopicPartition& tp) const;

  enum class Add {
    added,       // in flight
    now_full,    // in flight, and the partition has reached capacity: pause it
    duplicate,   // at or below an offset already taken in this epoch: do not process again
    unassigned,  // not ours (any more): do not process
  };
  Add add(const TopicPartition& tp, int64_t offset);

  enum class Complete {
    done,        // recorded
    resume,      // recorded, and the partition was full and has drained: resume it
    stale,       // from an older epoch or an unknown offset: ignored
  };
  Complete complete(const TopicPartition& tp, uint64_t epoch, int64_t offset);

  // For each partition whose storable offset moved since the last call: the offset to store
  // (the next one to read after a restart).
  std::vector<std::pair<TopicPartition, int64_t>> take_stores();

  // The storable offset of a partition now (-1 when nothing has completed yet).
  int64_t storable(const TopicPartition& tp) const;
  size_t in_flight(const TopicPartition& tp) const;
  size_t in_flight() const;  // all partitions
  bool full(const TopicPartition& tp) const;
  std::vector<TopicPartition> partitions() const;

 private:
  struct Entry {
    int64_t offset;
    bool done;
  };
  struct State {
    uint64_t epoch = 0;
    std::deque<Entry> entries;  // ascending offsets
    size_t pending = 0;         // entries not yet done
    int64_t last_added = -1;
    int64_t next_store = -1;    // -1: nothing completed yet
    bool dirty = false;
    bool full = false;
  };
  size_t capacity_;
  size_t resume_at_;
  uint64_t next_epoch_ = 1;
  std::map<TopicPartition, State> parts_;
  size_t pending_ = 0;  // over all partitions: asked after every poll, so kept, not counted
};

}  // namespace brinkwatch::kafka
