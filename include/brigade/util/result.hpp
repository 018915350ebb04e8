#pragma once

#include <brigade/util/diagnostic.hpp>

#include <stdexcept>
#include <utility>
#include <variant>

namespace brigade {

/// A value or the diagnostic that explains why there is none (g++ 12 has no std::expected).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Diagnostic error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return value(); }

  const Diagnostic& error() const {
    if (ok()) {
      throw std::logic_error("Result::error() called on a value");
    }
    return std::get<1>(state_);
  }

 private:
  T& checked() {
    if (!ok()) {
      throw std::logic_error("Result::value() called on an error: " + std::get<1>(state_).message);
    }
    return std::get<0>(state_);
  }

  std::variant<T, Diagnostic> state_;
};

/// Success without a value.
struct Ok {};

}  // namespace brigade
