// The hand-offs between the stages' threads, apart from Kafka so that they are tested alone,
// from several real threads, and under ThreadSanitizer in CI (tests/threads, docs/reliability.md):
//
// - WorkQueue: the poll thread hands input records to the worker pool.
// - Published: a reload publishes a new ruleset from any thread; each worker takes it between two
//   items of work, so every item is handled by exactly one version.
// - Mailbox: the latest value put by any thread, taken by one owner (the aggregate stage's
//   policies, applied on its poll thread).
// - Countdown: the records derived from one input, delivered on librdkafka's threads; the last
//   one to arrive finishes the input, exactly once.
// - CompletionQueue: finished inputs, pushed from any thread, taken by the poll thread, which
//   alone owns the offset bookkeeping (kafka::OffsetTracker).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace brinkwatch::app {

template <class T>
class WorkQueue {
 public:
  // Any thread.
  void push(T item) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
  }
  // Blocks until an item is there (first in, first out) or the queue is closed (nullopt).
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (closed_) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  // Wakes every waiting pop (they return nullopt, as does every pop from now on) and drops the
  // items not taken; returns how many.
  size_t close() {
    size_t left = 0;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      left = items_.size();
      items_.clear();
    }
    cv_.notify_all();
    return left;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

template <class T>
class Published {
 public:
  explicit Published(std::shared_ptr<const T> first) : value_(std::move(first)) {}

  // Any thread. Readers take `next` at their next refresh(); the previous value is freed when
  // the last reader lets go of it.
  void publish(std::shared_ptr<const T> next) {
    std::lock_guard lock(mu_);
    value_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }

  // One per reader thread: the value it works with, changed only by its own refresh().
  class Reader {
   public:
    explicit Reader(const Published& source) : source_(&source) {}
    // Takes the newest value if it is not the one held (one atomic load when nothing changed).
    // True when it took one.
    bool refresh() {
      if (value_ && source_->generation_.load(std::memory_order_acquire) == generation_) return false;
      std::lock_guard lock(source_->mu_);
      value_ = source_->value_;
      generation_ = source_->generation_.load(std::memory_order_relaxed);
      return true;
    }
    const T& get() const { return *value_; }
    // How many publish() calls preceded the value held (0: the first value).
    uint64_t generation() const { return generation_; }

   private:
    const Published* source_;
    std::shared_ptr<const T> value_;
    uint64_t generation_ = 0;
  };

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;           // under mu_
  std::atomic<uint64_t> generation_{0};      // bumped under mu_ with each publish
};

template <class T>
class Mailbox {
 public:
  // Any thread: replaces a value not yet taken.
  void put(T value) {
    std::lock_guard lock(mu_);
    value_ = std::move(value);
    pending_.store(true, std::memory_order_release);
  }
  // The owner: the latest value put since the last take, or nullopt (one atomic load then).
  std::optional<T> take() {
    if (!pending_.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard lock(mu_);
    pending_.store(false, std::memory_order_relaxed);
    std::optional<T> out = std::move(value_);
    value_.reset();
    return out;
  }

 private:
  std::mutex mu_;
  std::optional<T> value_;  // under mu_
  std::atomic<bool> pending_{false};
};

class Countdown {
 public:
  // Before the count is shared with other threads.
  void reset(int n) { remaining_.store(n, std::memory_order_relaxed); }
  // `n` of the remaining arrive; true for exactly one caller: the one that brought the count to
  // zero (everything else it counted for happened before its return, in every thread).
  bool arrive(int n = 1) { return remaining_.fetch_sub(n, std::memory_order_acq_rel) == n; }

 private:
  std::atomic<int> remaining_{0};
};

template <class T>
class CompletionQueue {
 public:
  // Any thread.
  void push(T item) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(item));
    size_.store(items_.size(), std::memory_order_relaxed);
  }
  // Everything pushed so far, in push order.
  std::vector<T> take_all() {
    std::vector<T> out;
    std::lock_guard lock(mu_);
    out.swap(items_);
    size_.store(0, std::memory_order_relaxed);
    return out;
  }
  // A hint without the lock (for a poll timeout): may lag a concurrent push or take.
  bool maybe_pending() const { return size_.load(std::memory_order_relaxed) != 0; }

 private:
  std::mutex mu_;
  std::vector<T> items_;  // under mu_
  std::atomic<size_t> size_{0};
};

}  // namespace brinkwatch::app
