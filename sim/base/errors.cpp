#include "detsim/base/errors.hpp"

#include <string>

namespace detsim {

namespace {
std::string format_message(std::string_view id, std::string_view message) {
  std::string text;
  text.reserve(id.size() + message.size() + 3);
  text += '[';
  text += id;
  text += "] ";
  // what() is read as a C string, which a NUL byte (a trace's key, a cancel
  // message) would end: it is shown as \u0000 instead.
  for (char c : message) {
    if (c == '\0') {
      text += "\\u0000";
    } else {
      text += c;
    }
  }
  return text;
}
}  // namespace

Error::Error(std::string_view id, std::string_view message)
    : std::runtime_error(format_message(id, message)), id_(id) {}

std::string_view Error::message() const noexcept {
  std::string_view text = what();
  return text.substr(id_.size() + 3);
}

std::string describe(const std::exception_ptr& exception) {
  if (!exception) return "(no exception)";
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "(not a std::exception)";
  }
}

CancelledError::CancelledError(std::string_view cancel_message)
    : Error("detsim.cancelled", cancel_message.empty() ? std::string("cancelled")
                                                       : "cancelled: " + std::string(cancel_message)),
      cancel_message_(cancel_message) {}

}  // namespace detsim
