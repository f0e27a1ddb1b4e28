#include "detsim/scheduling/schedule.hpp"

#include <string>
#include <vector>

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

// Messages quote the string, but not a megabyte of it.
constexpr std::size_t max_quoted_chars = 120;

[[noreturn]] void fail(std::string_view text, const std::string& problem) {
  const std::string quoted = text.size() <= max_quoted_chars
                                 ? std::string(text)
                                 : std::string(text.substr(0, max_quoted_chars)) + "... (" + std::to_string(text.size()) + " characters)";
  throw ScheduleError("detsim.schedule.malformed", "schedule string '" + quoted + "': " + problem);
}

std::uint64_t parse_number(std::string_view text, std::string_view field, const char* name) {
  const auto value = detail::parse_decimal(field);
  if (!value) fail(text, std::string(name) + " '" + std::string(field) + "' is not a decimal number");
  if (field.size() > 1 && field[0] == '0') fail(text, std::string(name) + " '" + std::string(field) + "' has a leading zero");
  return *value;
}

bool is_spec_character(char c) {
  // A registry spec (registry.hpp): a name, maybe ':' and parameters.
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' || c == ',' || c == '=';
}

// The payload's bytes; refuses a length no encoding has (one character
// short of a byte) and bits set past the last byte (ignored, they would let
// two strings mean one schedule).
std::string decode_base64url(std::string_view text, std::string_view payload) {
  std::string bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : payload) {
    const int value = base64url_value(c);
    if (value < 0) fail(text, std::string("character '") + c + "' is not base64url");
    buffer = ((buffer << 6) | static_cast<std::uint32_t>(value)) & 0xfff;  // at most 8 + 6 bits matter
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (bits == 6) fail(text, "the payload's length " + std::to_string(payload.size()) + " is not a base64url length (a character too many or too few)");
  if ((buffer & ((1u << bits) - 1)) != 0) fail(text, "the payload's last character has bits set past its last byte");
  return bytes;
}

// The payload's tokens (encode_schedule's varints), checked: each within 64
// bits and without a redundant byte, each choice within 32 bits, and as many
// decisions in all as `count`, which is summed before anything is allocated.
std::vector<std::uint64_t> decode_tokens(std::string_view text, const std::string& bytes, std::uint64_t count) {
  std::vector<std::uint64_t> tokens;
  std::uint64_t decisions = 0;
  std::uint64_t token = 0;
  int shift = 0;
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (shift == 63 && byte > 1) fail(text, "a varint is longer than 64 bits");
    token |= std::uint64_t{byte & 0x7fu} << shift;
    shift += 7;
    if (byte & 0x80) continue;
    if (byte == 0 && shift > 7) fail(text, "a varint ends in a redundant zero byte");
    // An even token is a run of token/2 + 1 zero choices, an odd one a choice
    // of token/2 + 1 (not (token + 1)/2: that overflows for 2^64 - 1).
    const std::uint64_t adds = token % 2 == 0 ? token / 2 + 1 : 1;
    if (token % 2 == 1 && token / 2 + 1 > UINT32_MAX) fail(text, "choice " + std::to_string(token / 2 + 1) + " is out of range (at most 4294967295)");
    if (adds > count - decisions) fail(text, "more decisions than its count " + std::to_string(count));
    decisions += adds;
    tokens.push_back(token);
    token = 0;
    shift = 0;
  }
  if (shift != 0) fail(text, "the payload ends inside a varint (cut short?)");
  if (decisions != count) {
    fail(text, "holds " + std::to_string(decisions) + " decisions, its count says " + std::to_string(count) + " (cut short?)");
  }
  return tokens;
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

Schedule decode_schedule(std::string_view text, std::uint64_t max_decisions) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0; fields.size() <= 5;) {
    const std::size_t dot = text.find('.', start);
    fields.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (fields.size() != 5) {
    fail(text, "expected 5 fields 's1.<scheduler>.<seed>.<count>.<payload>', found " +
                   (fields.size() > 5 ? std::string("more") : std::to_string(fields.size())));
  }
  if (fields[0] != "s1") fail(text, "unknown format '" + std::string(fields[0]) + "' (this reader reads s1)");
  Schedule schedule;
  schedule.scheduler = fields[1];
  if (schedule.scheduler.empty()) fail(text, "the scheduler name is empty");
  for (char c : schedule.scheduler) {
    if (!is_spec_character(c)) fail(text, std::string("bad scheduler name: character '") + c + "' is not one of [a-z0-9_,=:-]");
  }
  schedule.seed = parse_number(text, fields[2], "seed");
  const std::uint64_t count = parse_number(text, fields[3], "decision count");
  if (count > max_decisions) {
    fail(text, "claims " + std::to_string(count) + " decisions, more than the limit of " + std::to_string(max_decisions) +
                   " (max_schedule_decisions)");
  }
  const std::vector<std::uint64_t> tokens = decode_tokens(text, decode_base64url(text, fields[4]), count);
  schedule.decisions.reserve(count);
  for (std::uint64_t token : tokens) {
    if (token % 2 == 0) {
      schedule.decisions.resize(schedule.decisions.size() + token / 2 + 1, Decision{0, 0});
    } else {
      schedule.decisions.push_back(Decision{static_cast<std::uint32_t>(token / 2 + 1), 0});
    }
  }
  // Whatever else encode_schedule would have written differently (two runs
  // of zeros in a row, say): one schedule, one string.
  if (const std::string canonical = encode_schedule(schedule); canonical != text) {
    fail(text, "not in canonical form (encode_schedule writes this schedule as '" + canonical.substr(0, max_quoted_chars) + "')");
  }
  return schedule;
}

}  // namespace detsim
