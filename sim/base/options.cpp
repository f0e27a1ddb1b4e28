#include "detsim/base/options.hpp"

#include <cstdlib>
#include <utility>

#include "base/decimal.hpp"
#include "detsim/base/errors.hpp"

namespace detsim {

namespace {

// The variable's value, or null if it is unset or empty.
const char* environment(const char* name) noexcept {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

std::optional<std::string> environment_text(const char* name) {
  const char* value = environment(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::optional<std::uint64_t> environment_number(const char* name) {
  const char* value = environment(name);
  if (!value) return std::nullopt;
  const auto number = detail::parse_decimal(value);
  if (!number) throw Error("detsim.environment", std::string(name) + "='" + value + "' is not a decimal number");
  return number;
}

// A check that is on unless turned off: "off" or "0" turn it off.
std::optional<bool> environment_check(const char* name) {
  const char* value = environment(name);
  if (!value) return std::nullopt;
  const std::string text(value);
  return !(text == "0" || text == "off");
}

// A switch: anything but "0" turns it on.
std::optional<bool> environment_switch(const char* name) {
  const char* value = environment(name);
  return value ? std::optional<bool>(std::string(value) != "0") : std::nullopt;
}

template <class T>
void take_if_set(std::optional<T>& below, const std::optional<T>& above) {
  if (above) below = above;
}

Options& override_storage() {
  static Options options;
  return options;
}

// The variables read alone as well as with the rest (current_source_root...).
constexpr const char* trace_dir_variable = "DETSIM_TRACE_DIR";
constexpr const char* source_root_variable = "DETSIM_SOURCE_ROOT";
constexpr const char* lock_order_variable = "DETSIM_LOCK_ORDER";

// One field of current_options(): the override's if it sets it, else its
// variable, read by `read`.
template <class T>
std::optional<T> current_setting(std::optional<T> Options::*field, std::optional<T> (*read)(const char*),
                                 const char* variable) {
  const std::optional<T>& overridden = override_storage().*field;
  return overridden ? overridden : read(variable);
}

}  // namespace

Options options_from_environment() {
  Options options;
  options.seed = environment_number("DETSIM_SEED");
  options.scheduler = environment_text("DETSIM_SCHEDULER");
  options.replay_path = environment_text("DETSIM_REPLAY");
  options.schedule = environment_text("DETSIM_SCHEDULE");
  options.check_determinism = environment_switch("DETSIM_CHECK_DETERMINISM");
  options.debug = environment_switch("DETSIM_DEBUG");
  options.fail_on_leaks = environment_switch("DETSIM_FAIL_ON_LEAKS");
  options.trace_dir = environment_text(trace_dir_variable);
  options.source_root = environment_text(source_root_variable);
  options.seeds = environment_number("DETSIM_SEEDS");
  options.first_seed = environment_number("DETSIM_FIRST_SEED");
  options.lock_order = environment_check(lock_order_variable);
  // Set but empty means "no regression file", so unset and empty differ here.
  if (const char* path = std::getenv("DETSIM_REGRESSIONS")) options.regression_file = path;
  return options;
}

Options overlay(Options below, const Options& above) {
  take_if_set(below.seed, above.seed);
  take_if_set(below.scheduler, above.scheduler);
  take_if_set(below.replay_path, above.replay_path);
  take_if_set(below.schedule, above.schedule);
  take_if_set(below.check_determinism, above.check_determinism);
  take_if_set(below.debug, above.debug);
  take_if_set(below.fail_on_leaks, above.fail_on_leaks);
  take_if_set(below.trace_dir, above.trace_dir);
  take_if_set(below.source_root, above.source_root);
  take_if_set(below.seeds, above.seeds);
  take_if_set(below.first_seed, above.first_seed);
  take_if_set(below.regression_file, above.regression_file);
  take_if_set(below.lock_order, above.lock_order);
  return below;
}

void set_options_override(Options override_options) { override_storage() = std::move(override_options); }

Options current_options() { return overlay(options_from_environment(), override_storage()); }

std::optional<std::string> current_source_root() {
  return current_setting(&Options::source_root, environment_text, source_root_variable);
}

std::optional<std::string> current_trace_dir() {
  return current_setting(&Options::trace_dir, environment_text, trace_dir_variable);
}

std::optional<bool> current_lock_order() {
  return current_setting(&Options::lock_order, environment_check, lock_order_variable);
}

}  // namespace detsim
