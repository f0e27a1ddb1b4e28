// detsim::SourceLocation: where in user code a call was made (a trace's
// "site"), taken by every API that schedules or completes something, as a
// defaulted last argument.
//
// It is std::source_location wherever the standard library has it. Some
// compilers with a C++20 library still lack it: clang 14 (Debian 12's
// clang) with libstdc++ 12 leaves std::source_location undeclared, since it
// needs a builtin that clang only gained in version 15. There it is a class
// of the same interface, filled by the __builtin_FILE/LINE/COLUMN/FUNCTION
// that both g++ and clang provide; as a default argument it names the
// caller's line, as the standard one does.
//
// Invariant: nothing in detsim decides by a site (a Scheduler that reads its
// candidates may, see scheduler.hpp). Traces keep sites for humans and
// leave them out of the digest, so a run's events and digest are the same
// whichever compiler names its sites. The site tables can differ:
// function_name() is as the compiler spells it, and g++ spells each
// instantiation of a function template apart (with its arguments) where
// the fallback has the bare name, so a site inside a template is one site
// per instantiation in a g++ trace and one in all under the fallback.
//
// detsim and the code using it must be compiled alike: the two forms
// differ in type, so a detsim built with one does not link with code
// compiled with the other (and an observer's Event would differ in size).
#pragma once

#include <cstdint>
#include <version>

// 1 where SourceLocation is std::source_location, 0 where it is the fallback.
#if defined(__cpp_lib_source_location) && __cpp_lib_source_location >= 201907L
#define DETSIM_STD_SOURCE_LOCATION 1
#include <source_location>
#else
#define DETSIM_STD_SOURCE_LOCATION 0
#endif

namespace detsim {

#if DETSIM_STD_SOURCE_LOCATION

using SourceLocation = std::source_location;

#else

class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          const char* function = __builtin_FUNCTION(),
                                          std::uint_least32_t line = __builtin_LINE(),
                                          std::uint_least32_t column = __builtin_COLUMN()) noexcept {
    SourceLocation location;
    location.file_ = file;
    location.function_ = function;
    location.line_ = line;
    location.column_ = column;
    return location;
  }
  // As the standard's: empty names, line and column 0.
  constexpr SourceLocation() noexcept = default;

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
  std::uint_least32_t column_ = 0;
};

#endif

}  // namespace detsim
