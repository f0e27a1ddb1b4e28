// Fields: reads one JSON Lines record of a sweep report, naming the source
// and line in every error (detsim.sweep.report). Private to sim/run.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "detsim/base/errors.hpp"

namespace detsim::detail {

using ReportJson = nlohmann::ordered_json;

// Reads one line's fields, naming the line in every error.
class Fields {
 public:
  Fields(const ReportJson& object, std::string where) : object_(object), where_(std::move(where)) {}

  const ReportJson& at(const char* key) const {
    if (!object_.is_object() || !object_.contains(key)) fail(std::string("missing field '") + key + "'");
    return object_.at(key);
  }
  std::uint64_t number(const char* key) const {
    const ReportJson& value = at(key);
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
      fail(std::string("field '") + key + "' must be a whole number >= 0");
    }
    return value.get<std::uint64_t>();
  }
  // A whole number, or null (none).
  std::optional<std::uint64_t> number_or_null(const char* key) const {
    if (at(key).is_null()) return std::nullopt;
    return number(key);
  }
  double real(const char* key) const {
    const ReportJson& value = at(key);
    if (!value.is_number()) fail(std::string("field '") + key + "' must be a number");
    return value.get<double>();
  }
  std::string text(const char* key) const {
    const ReportJson& value = at(key);
    if (!value.is_string()) fail(std::string("field '") + key + "' must be a string");
    return value.get<std::string>();
  }
  bool flag(const char* key) const {
    const ReportJson& value = at(key);
    if (!value.is_boolean()) fail(std::string("field '") + key + "' must be true or false");
    return value.get<bool>();
  }
  std::uint64_t digest(const char* key) const {
    const std::string text = this->text(key);
    std::uint64_t value = 0;
    if (text.size() != 16 || std::sscanf(text.c_str(), "%16" SCNx64, &value) != 1 ||
        text.find_first_not_of("0123456789abcdef") != std::string::npos) {
      fail(std::string("field '") + key + "' must be 16 lowercase hex digits");
    }
    return value;
  }
  [[noreturn]] void fail(const std::string& why) const { throw Error("detsim.sweep.report", where_ + ": " + why); }
  const std::string& where() const noexcept { return where_; }
  bool has(const char* key) const { return object_.is_object() && object_.contains(key); }

 private:
  const ReportJson& object_;
  std::string where_;
};

}  // namespace detsim::detail
