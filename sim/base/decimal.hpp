// Whole unsigned decimal numbers in text (seeds, counts). Private to sim/.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace detsim::detail {

// A whole unsigned decimal number, or nothing.
inline std::optional<std::uint64_t> parse_decimal(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace detsim::detail
