// libFuzzer target: the command line's argument parsing (detsim::main over
// the bundled scenarios). The input is the arguments, separated by NUL bytes;
// whatever they are, detsim::main returns one of its documented exit codes
// (0, 1, 2) and throws nothing.
//
// The runs it starts are the bundled scenarios' (milliseconds each). Their
// files stay in a directory of the target's own, emptied after each input
// but for one trace, t.jsonl (lost-update, seed 1), for replay, show, diff
// and export to read: an input with an argument with a '/' (a path
// elsewhere, "--trace /etc/x") is skipped, so the fuzzer writes nowhere else,
// and so is one naming sweep or merge (a sweep of 2^64 seeds, in worker
// processes, is no input to fuzz a parser with). Output goes nowhere.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <detsim/base/options.hpp>
#include <detsim/cli/main.hpp>

#include "fuzz_check.hpp"
#include "scenarios/bundled.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_arguments = 16;
constexpr const char* kept_trace = "t.jsonl";

fs::path& sandbox() {
  static fs::path path;
  return path;
}

std::string& kept_trace_text() {
  static std::string text;
  return text;
}

class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  detsim::scenarios::register_bundled_scenarios();
  sandbox() = fs::temp_directory_path() / ("detsim-args-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(sandbox());
  fs::current_path(sandbox());
  {
    std::vector<std::string> arguments{"detsim", "run", "lost-update", "--seed", "1", "--trace", kept_trace};
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    detsim::main(static_cast<int>(argv.size()), argv.data());
    std::ifstream file(sandbox() / kept_trace, std::ios::binary);
    kept_trace_text().assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  static NullBuffer null_buffer;
  static std::streambuf* const stdout_buffer = std::cout.rdbuf(&null_buffer);
  static std::streambuf* const stderr_buffer = std::cerr.rdbuf(&null_buffer);
  // (Registered after null_buffer was made, so run before it is destroyed:
  // the streams flush at exit, through their own buffers again.)
  std::atexit([] {
    std::cout.rdbuf(stdout_buffer);
    std::cerr.rdbuf(stderr_buffer);
    std::error_code ignored;
    fs::current_path(fs::temp_directory_path(), ignored);
    fs::remove_all(sandbox(), ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> arguments{"detsim"};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0; start <= text.size() && arguments.size() <= max_arguments;) {
    const std::size_t end = std::min(text.find('\0', start), text.size());
    arguments.emplace_back(text.substr(start, end - start));
    const std::string& argument = arguments.back();
    if (argument.find('/') != std::string::npos || argument == "sweep" || argument == "merge") return 0;
    start = end + 1;
  }
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const int code = detsim::main(static_cast<int>(arguments.size()), argv.data());
  detsim_fuzz::check(code == detsim::exit_ok || code == detsim::exit_failed || code == detsim::exit_bad_input,
                     "detsim::main returns a documented exit code");
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(sandbox(), ignored)) fs::remove_all(entry.path(), ignored);
  std::ofstream(sandbox() / kept_trace, std::ios::binary) << kept_trace_text();
  return 0;
}
