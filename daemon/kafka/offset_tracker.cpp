#include "kafka/offset_tracker.h"

#include <algorithm>

namespace brinkwatch::kafka {

OffsetTracker::OffsetTracker(size_t capacity, size_t resume_at)
    : capacity_(std::max<size_t>(capacity, 1)),
      resume_at_(resume_at == SIZE_MAX ? capacity_ / 2 : std::min(resume_at, capacity_ - 1)) {}

uint64_t OffsetTracker::assign(const TopicPartition& tp) {
  State& s = parts_[tp];
  pending_ -= s.pending;
  s = State{};
  s.epoch = next_epoch_++;
  return s.epoch;
}

void OffsetTracker::revoke(const TopicPartition& tp) {
  const auto it = parts_.find(tp);
  if (it == parts_.end()) return;
  pending_ -= it->second.pending;
  parts_.erase(it);
}

uint64_t OffsetTracker::epoch(const TopicPartition& tp) const {
  const auto it = parts_.find(tp);
  return it == parts_.end() ? 0 : it->second.epoch;
}

OffsetTracker::Add OffsetTracker::add(const TopicPartition& tp, int64_t offset) {
  const auto it = parts_.find(tp);
  if (it == parts_.end()) return Add::unassigned;
  State& s = it->second;
  if (offset <= s.last_added) return Add::duplicate;
  s.last_added = offset;
  s.entries.push_back({offset, false});
  ++s.pending;
  ++pending_;
  if (!s.full && s.entries.size() >= capacity_) {
    s.full = true;
    return Add::now_full;
  }
  return Add::added;
}

OffsetTracker::Complete OffsetTracker::complete(const TopicPartition& tp, uint64_t epoch, int64_t offset) {
  const auto it = parts_.find(tp);
  if (it == parts_.end() || it->second.epoch != epoch) return Complete::stale;
  State& s = it->second;
  const auto e = std::lower_bound(s.entries.begin(), s.entries.end(), offset,
                                  [](const Entry& a, int64_t o) { return a.offset < o; });
  if (e == s.entries.end() || e->offset != offset || e->done) return Complete::stale;
  e->done = true;
  --s.pending;
  --pending_;
  while (!s.entries.empty() && s.entries.front().done) {
    s.next_store = s.entries.front().offset + 1;
    s.dirty = true;
    s.entries.pop_front();
  }
  // Offsets skipped by the broker (compaction, transaction markers) leave no entry; the store
  // is the next entry still pending, so a gap never holds the offset back.
  if (!s.entries.empty() && s.dirty) s.next_store = s.entries.front().offset;
  if (s.full && s.entries.size() <= resume_at_) {
    s.full = false;
    return Complete::resume;
  }
  return Complete::done;
}

std::vector<std::pair<TopicPartition, int64_t>> OffsetTracker::take_stores() {
  std::vector<std::pair<TopicPartition, int64_t>> out;
  for (auto& [tp, s] : parts_) {
    if (!s.dirty) continue;
    s.dirty = false;
    out.emplace_back(tp, s.next_store);
  }
  return out;
}

int64_t OffsetTracker::storable(const TopicPartition& tp) const {
  const auto it = parts_.find(tp);
  return it == parts_.end() ? -1 : it->second.next_store;
}

size_t OffsetTracker::in_flight(const TopicPartition& tp) const {
  const auto it = parts_.find(tp);
  return it == parts_.end() ? 0 : it->second.pending;
}

size_t OffsetTracker::in_flight() const { return pending_; }

bool OffsetTracker::full(const TopicPartition& tp) const {
  const auto it = parts_.find(tp);
  return it != parts_.end() && it->second.full;
}

std::vector<TopicPartition> OffsetTracker::partitions() const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, s] : parts_) out.push_back(tp);
  return out;
}

}  // namespace brinkwatch::kafka
