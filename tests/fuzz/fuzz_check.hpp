// What a fuzz target asserts beyond "no crash": a broken property prints
// what broke and aborts, which libFuzzer (and the corpus runner) report as a
// crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace detsim_fuzz {

inline void check(bool holds, std::string_view property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz property broken: %.*s\n", static_cast<int>(property.size()), property.data());
  std::abort();
}

}  // namespace detsim_fuzz
