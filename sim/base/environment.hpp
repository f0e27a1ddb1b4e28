// Reading DETSIM_* environment variables and decimal numbers. Private to sim/.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "detsim/base/errors.hpp"

namespace detsim::detail {

// The variable's value, or null if it is unset or empty.
inline const char* environment(const char* name) noexcept {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

// A whole unsigned decimal number, or nothing.
inline std::optional<std::uint64_t> parse_decimal(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The variable as a decimal number, `fallback` if unset; Error if malformed.
inline std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
  const char* value = environment(name);
  if (!value) return fallback;
  const auto number = parse_decimal(value);
  if (!number) throw Error("detsim.environment", std::string(name) + "='" + value + "' is not a decimal number");
  return *number;
}

}  // namespace detsim::detail
