#include "detsim/run/failure_signature.hpp"

#include <cctype>

namespace detsim {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first "path.ext:line" in `text` (a path: no spaces or quotes; the
// extension: letters), or empty.
std::string first_site(std::string_view text) {
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    std::size_t end = colon + 1;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end == colon + 1) continue;  // no line number
    std::size_t begin = colon;
    while (begin > 0) {
      const char c = text[begin - 1];
      if (c == ' ' || c == '\'' || c == '"' || c == '(' || c == '\t' || c == '\n') break;
      --begin;
    }
    const std::string_view path = text.substr(begin, colon - begin);
    const std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == path.size()) continue;
    bool extension = true;
    for (char c : path.substr(dot + 1)) extension = extension && std::isalpha(static_cast<unsigned char>(c));
    if (extension) return std::string(text.substr(begin, end - begin));
  }
  return {};
}

std::string mask_digits(std::string_view text) {
  std::string masked;
  masked.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i])) {
      masked += text[i];
      continue;
    }
    masked += '#';
    while (i + 1 < text.size() && is_digit(text[i + 1])) ++i;
  }
  return masked;
}

}  // namespace

std::string FailureSignature::to_string() const {
  return kind + (site.empty() ? std::string() : " at " + site) + ": " + message;
}

FailureSignature signature_of(Outcome outcome, std::string_view message) {
  return FailureSignature{std::string(detsim::to_string(outcome)), first_site(message), mask_digits(message)};
}

}  // namespace detsim
