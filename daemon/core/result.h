// Result<T>: the per-message path returns values, never throws (STYLE.md §2).
// std::expected would do, but clang 14 (used for libFuzzer builds) cannot compile
// libstdc++ 12's <expected>, so this is a small stand-in with the same shape.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace brinkwatch {

// An error on the message path: a stable machine-readable code (used as a metric label and as
// the dead-letter header) and a sentence for a person.
struct Error {
  std::string code;
  std::string message;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace brinkwatch
