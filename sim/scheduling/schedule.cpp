#include "detsim/scheduling/schedule.hpp"

#include <string>

#include "base/decimal.hpp"

namespace detsim {

namespace {

constexpr char base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

void append_varint(std::string& bytes, std::uint64_t value) {
  while (value >= 0x80) {
    bytes += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes += static_cast<char>(value);
}

std::string encode_base64url(const std::string& bytes) {
  std::string text;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      text += base64url[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) text += base64url[(buffer << (6 - bits)) & 0x3f];
  return text;
}

[[noreturn]] void fail(std::string_view text, const std::string& problem) {
  throw ScheduleError("detsim.schedule.malformed", "schedule string '" + std::string(text) + "': " + problem);
}

std::uint64_t parse_number(std::string_view text, std::string_view field, const char* name) {
  const auto value = detail::parse_decimal(field);
  if (!value) fail(text, std::string(name) + " '" + std::string(field) + "' is not a decimal number");
  return *value;
}

}  // namespace

std::string encode_schedule(const Schedule& schedule) {
  std::string bytes;
  std::uint64_t zeros = 0;
  auto flush_zeros = [&] {
    if (zeros > 0) append_varint(bytes, (zeros - 1) * 2);
    zeros = 0;
  };
  for (const Decision& decision : schedule.decisions) {
    if (decision.choice == 0) {
      ++zeros;
      continue;
    }
    flush_zeros();
    append_varint(bytes, std::uint64_t{decision.choice} * 2 - 1);
  }
  flush_zeros();
  return "s1." + (schedule.scheduler.empty() ? std::string("replay") : schedule.scheduler) + "." +
         std::to_string(schedule.seed) + "." + std::to_string(schedule.decisions.size()) + "." +
         encode_base64url(bytes);
}

Schedule decode_schedule(std::string_view text) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t dot = text.find('.', start);
    fields.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (fields.size() != 5) fail(text, "expected 5 fields 's1.<scheduler>.<seed>.<count>.<payload>', found " + std::to_string(fields.size()));
  if (fields[0] != "s1") fail(text, "unknown format '" + std::string(fields[0]) + "' (this reader reads s1)");
  Schedule schedule;
  schedule.scheduler = fields[1];
  for (char c : schedule.scheduler) {
    // A registry spec (registry.hpp): a name, maybe ':' and parameters.
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' || c == ',' ||
          c == '=')) {
      fail(text, "bad scheduler name");
    }
  }
  schedule.seed = parse_number(text, fields[2], "seed");
  const std::uint64_t count = parse_number(text, fields[3], "decision count");
  std::string bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : fields[4]) {
    const int value = base64url_value(c);
    if (value < 0) fail(text, std::string("character '") + c + "' is not base64url");
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  std::uint64_t token = 0;
  int shift = 0;
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (shift > 63) fail(text, "a varint is too long");
    token |= std::uint64_t{byte & 0x7fu} << shift;
    shift += 7;
    if (byte & 0x80) continue;
    if (token % 2 == 0) {
      const std::uint64_t run = token / 2 + 1;
      if (schedule.decisions.size() + run > count) fail(text, "more decisions than its count " + std::to_string(count));
      schedule.decisions.resize(schedule.decisions.size() + run, Decision{0, 0});
    } else {
      const std::uint64_t choice = (token + 1) / 2;
      if (choice > UINT32_MAX) fail(text, "a choice is out of range");
      if (schedule.decisions.size() + 1 > count) fail(text, "more decisions than its count " + std::to_string(count));
      schedule.decisions.push_back(Decision{static_cast<std::uint32_t>(choice), 0});
    }
    token = 0;
    shift = 0;
  }
  if (shift != 0) fail(text, "the payload ends inside a varint (cut short?)");
  if (schedule.decisions.size() != count) {
    fail(text, "holds " + std::to_string(schedule.decisions.size()) + " decisions, its count says " + std::to_string(count) + " (cut short?)");
  }
  return schedule;
}

}  // namespace detsim
