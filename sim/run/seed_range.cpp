#include "detsim/run/seed_range.hpp"

#include "base/decimal.hpp"
#include "detsim/base/errors.hpp"

namespace detsim {

std::string SeedRange::to_string() const {
  return count == 0 ? std::string("empty") : std::to_string(first) + ".." + std::to_string(last());
}

std::string Shard::to_string() const { return std::to_string(index) + "/" + std::to_string(count); }

SeedRange parse_seed_range(std::string_view text) {
  const auto fail = [&](const std::string& why) -> SeedRange {
    throw Error("detsim.sweep.seeds", "seed range '" + std::string(text) + "': " + why);
  };
  const std::size_t dots = text.find("..");
  const auto first = detail::parse_decimal(text.substr(0, dots));
  if (!first) return fail("expected A..B with whole numbers A <= B, e.g. 1..1000");
  if (dots == std::string_view::npos) return SeedRange{*first, 1};
  const auto last = detail::parse_decimal(text.substr(dots + 2));
  if (!last) return fail("expected A..B with whole numbers A <= B, e.g. 1..1000");
  if (*last < *first) return fail("the last seed is below the first");
  if (*first == 0 && *last == UINT64_MAX) return fail("more than 2^64-1 seeds");
  return SeedRange{*first, *last - *first + 1};
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  const auto index = detail::parse_decimal(text.substr(0, slash));
  const auto count = slash == std::string_view::npos ? std::nullopt : detail::parse_decimal(text.substr(slash + 1));
  if (!index || !count) throw Error("detsim.sweep.shard", "shard '" + std::string(text) + "': expected I/N, e.g. 0/4");
  if (*count == 0 || *index >= *count) {
    throw Error("detsim.sweep.shard", "shard '" + std::string(text) + "': the index must be below the count (0 <= I < N)");
  }
  return Shard{*index, *count};
}

SeedRange shard_of(SeedRange range, Shard shard) {
  // 128-bit products: count * index overflows 64 bits for large ranges.
  __extension__ using Wide = unsigned __int128;
  const auto start = [&](std::uint64_t index) {
    return static_cast<std::uint64_t>(static_cast<Wide>(range.count) * index / shard.count);
  };
  const std::uint64_t begin = start(shard.index);
  const std::uint64_t end = start(shard.index + 1);
  return SeedRange{range.first + begin, end - begin};
}

std::optional<Shard> shard_from_environment(const std::function<std::optional<std::string>(const char*)>& lookup,
                                            std::optional<std::uint64_t> count_hint) {
  const auto number = [&](const char* name) -> std::optional<std::uint64_t> {
    const auto text = lookup(name);
    if (!text) return std::nullopt;
    const auto value = detail::parse_decimal(*text);
    if (!value) throw Error("detsim.sweep.shard", std::string(name) + "='" + *text + "': not a whole number");
    return value;
  };
  const auto checked = [](std::uint64_t index, std::uint64_t count, const std::string& source) {
    if (count == 0 || index >= count) {
      throw Error("detsim.sweep.shard", source + ": shard " + std::to_string(index) + " of " + std::to_string(count) +
                                            " (the index must be below the count)");
    }
    return Shard{index, count};
  };
  if (const auto index = number("SLURM_ARRAY_TASK_ID")) {
    const auto count = number("SLURM_ARRAY_TASK_COUNT");
    if (!count) throw Error("detsim.sweep.shard", "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    // An array --array=1-4 numbers tasks from 1: SLURM_ARRAY_TASK_MIN says where they start.
    const std::uint64_t min = number("SLURM_ARRAY_TASK_MIN").value_or(0);
    if (*index < min) throw Error("detsim.sweep.shard", "SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN");
    return checked(*index - min, *count, "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT");
  }
  if (const auto index = number("JOB_COMPLETION_INDEX")) {
    if (!count_hint) {
      throw Error("detsim.sweep.shard", "JOB_COMPLETION_INDEX is set: give the job's completions as --shard-count N");
    }
    return checked(*index, *count_hint, "JOB_COMPLETION_INDEX");
  }
  return std::nullopt;
}

}  // namespace detsim
