#include "detsim/asyncio/errors.hpp"

#include <string>
#include <utility>

namespace detsim::asyncio {

namespace {

std::string group_message(std::string_view message, const std::vector<std::exception_ptr>& exceptions) {
  std::string text(message);
  text += " (" + std::to_string(exceptions.size()) + (exceptions.size() == 1 ? " sub-exception)" : " sub-exceptions)");
  for (std::size_t i = 0; i < exceptions.size(); ++i) {
    text += (i == 0 ? ": " : "; ");
    text += std::to_string(i + 1) + ") " + describe(exceptions[i]);
  }
  return text;
}

}  // namespace

TimeoutError::TimeoutError() : Error("detsim.asyncio.timeout", "the operation timed out") {}

ExceptionGroup::ExceptionGroup(std::string_view message, std::vector<std::exception_ptr> exceptions)
    : Error("detsim.asyncio.exception_group", group_message(message, exceptions)), exceptions_(std::move(exceptions)) {}

}  // namespace detsim::asyncio
