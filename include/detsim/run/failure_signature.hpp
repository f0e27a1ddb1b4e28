// detsim::FailureSignature: which bug a failing run hit, so that 5,000
// failing seeds that found two bugs read as two groups.
//
// A signature is the failure's kind (its Outcome: failed, deadlock,
// budget_exceeded), its site (the first "file:line" in the message: the
// DETSIM_CHECK or assertion that failed), and its message with every run of
// digits masked as "#": the same check failing with other values, in a task
// with another auto-name ("Task-7" vs "Task-9"), at another virtual time, has
// the same signature.
//
// Determinism contract: a pure function of the outcome and message.
//
// Example:
//   auto s = detsim::signature_of(detsim::Outcome::failed,
//                                 "bank.cpp:31: check failed: balance == 100 (40 vs 100)");
//   // s.kind "failed", s.site "bank.cpp:31", s.message "bank.cpp:#: check failed: balance == # (# vs #)"
#pragma once

#include <string>
#include <string_view>

#include "detsim/trace/trace.hpp"

namespace detsim {

struct FailureSignature {
  std::string kind;     // to_string(Outcome)
  std::string site;     // "file:line", or empty when the message names none
  std::string message;  // digits masked
  std::string to_string() const;  // "kind at site: message"
  friend bool operator==(const FailureSignature&, const FailureSignature&) = default;
  friend auto operator<=>(const FailureSignature&, const FailureSignature&) = default;
};

FailureSignature signature_of(Outcome outcome, std::string_view message);

}  // namespace detsim
