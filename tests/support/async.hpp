#pragma once

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace brigade::test {

/// Runs `op` on a fresh io_context until it finishes (bounded by `limit`); rethrows its exception.
template <class T>
T run_async(asio::awaitable<T> op, std::chrono::seconds limit = std::chrono::seconds(60)) {
  asio::io_context context(1);
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(context, std::move(op), [&](std::exception_ptr e, T value) {
    done = true;
    error = e;
    if (!e) {
      result.emplace(std::move(value));
    }
  });
  context.run_for(limit);
  if (!done) {
    throw std::runtime_error("run_async: the operation did not finish in time");
  }
  if (error) {
    std::rethrow_exception(error);
  }
  return std::move(*result);
}

/// The same for an operation without a result.
inline void run_async(asio::awaitable<void> op,
                      std::chrono::seconds limit = std::chrono::seconds(60)) {
  asio::io_context context(1);
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(context, std::move(op), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  context.run_for(limit);
  if (!done) {
    throw std::runtime_error("run_async: the operation did not finish in time");
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

}  // namespace brigade::test
