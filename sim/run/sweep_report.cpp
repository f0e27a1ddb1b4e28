#include "detsim/run/sweep_report.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "detsim/base/errors.hpp"
#include "run/report_fields.hpp"
#include "run/sweep_coverage_report.hpp"

namespace detsim {

namespace {

using Json = nlohmann::ordered_json;
using detail::Fields;

Json shrunk_json(const std::optional<ShrunkReproducer>& shrunk) {
  if (!shrunk) return nullptr;
  return Json{{"from_seed", shrunk->from_seed}, {"choices", shrunk->choices},   {"schedule", shrunk->schedule},
              {"deviations", shrunk->deviations}, {"steps", shrunk->steps},    {"runs", shrunk->runs},
              {"trace", shrunk->trace_path},     {"command", shrunk->command}};
}

std::optional<ShrunkReproducer> read_shrunk(const Json& value, const std::string& where) {
  if (value.is_null()) return std::nullopt;
  const Fields fields(value, where + " (shrunk)");
  ShrunkReproducer shrunk;
  shrunk.from_seed = fields.number("from_seed");
  const Json& choices = fields.at("choices");
  if (!choices.is_array()) fields.fail("field 'choices' must be an array");
  for (const Json& choice : choices) {
    if (!choice.is_number_unsigned() || choice.get<std::uint64_t>() > UINT32_MAX) {
      fields.fail("field 'choices' must hold whole numbers below 2^32");
    }
    shrunk.choices.push_back(choice.get<std::uint32_t>());
  }
  shrunk.schedule = fields.text("schedule");
  shrunk.deviations = fields.number("deviations");
  shrunk.steps = fields.number("steps");
  shrunk.runs = fields.number("runs");
  shrunk.trace_path = fields.text("trace");
  shrunk.command = fields.text("command");
  return shrunk;
}

// A report of another format cannot be merged with this build's (see
// sweep_report_format).
void check_format(const Fields& fields) {
  if (!fields.has("format")) {
    fields.fail("written by an older detsim (no \"format\": its digests are trace digests, not schedule digests); "
                "sweep that shard again with this one");
  }
  if (const std::uint64_t format = fields.number("format"); format != sweep_report_format) {
    fields.fail("report format " + std::to_string(format) + ", but this detsim reads format " +
                std::to_string(sweep_report_format) + "; sweep that shard again with this one");
  }
}

}  // namespace

void write_sweep_report(std::ostream& out, const SeedSweepReport& report) {
  Json sweep{{"type", "sweep"},
             {"format", sweep_report_format},
             {"name", report.name},
             {"scheduler", report.scheduler},
             {"first", report.range.first},
             {"count", report.range.count},
             {"shard", report.shard ? Json(report.shard->to_string()) : Json(nullptr)},
             {"seeds_run", report.seeds_run},
             {"digest", format_digest(report.digest)},
             {"elapsed_seconds", report.elapsed_seconds},
             {"worker_seconds", report.worker_seconds},
             {"jobs", report.jobs},
             {"isolate", report.isolate},
             {"failures", report.failures.size()},
             {"groups", report.groups.size()}};
  out << sweep.dump() << '\n';
  for (std::size_t index = 0; index < report.groups.size(); ++index) {
    const FailureGroup& group = report.groups[index];
    Json line{{"type", "group"},
              {"index", index},
              {"kind", group.signature.kind},
              {"site", group.signature.site},
              {"message", group.signature.message},
              {"count", group.count},
              {"first_seed", group.first_seed},
              {"first_message", group.first_message},
              {"first_trace", group.first_trace},
              {"shortest_seed", group.shortest_seed},
              {"shortest_steps", group.shortest_steps},
              {"schedule", group.shortest_schedule},
              {"trace", group.shortest_trace},
              {"command", group.shortest_command},
              {"shrunk", shrunk_json(group.shrunk)}};
    out << line.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  for (const SeedFailure& failure : report.failures) {
    out << Json{{"type", "failure"}, {"seed", failure.seed}, {"digest", format_digest(failure.digest)},
                {"steps", failure.steps}, {"group", failure.group}}
               .dump()
        << '\n';
  }
  for (const DeterminismLeak& leak : report.leaks) {
    out << Json{{"type", "leak"}, {"seed", leak.seed}, {"in_sweep", leak.in_sweep}, {"alone", leak.alone}}.dump(
               -1, ' ', false, Json::error_handler_t::replace)
        << '\n';
  }
  detail::write_coverage_lines(out, report.coverage);
}

SeedSweepReport read_sweep_report(std::istream& in, const std::string& source) {
  SeedSweepReport report;
  std::vector<FailureGroup> groups;
  std::string line;
  std::uint64_t number = 0;
  bool header = false;
  std::uint64_t declared_failures = 0;
  std::uint64_t declared_groups = 0;
  detail::CoverageLinesReader coverage;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::string where = source + ":" + std::to_string(number);
    Json object;
    try {
      object = Json::parse(line);
    } catch (const Json::parse_error& error) {
      throw Error("detsim.sweep.report", where + ": not JSON: " + error.what());
    }
    const Fields fields(object, where);
    const std::string type = fields.text("type");
    if (!header && type != "sweep") fields.fail("the first line must be the \"sweep\" line, not \"" + type + "\"");
    if (type == "sweep") {
      if (header) fields.fail("a second \"sweep\" line (one report per file; merge several with detsim merge)");
      header = true;
      check_format(fields);
      report.name = fields.text("name");
      report.scheduler = fields.text("scheduler");
      report.range = SeedRange{fields.number("first"), fields.number("count")};
      if (const Json& shard = fields.at("shard"); !shard.is_null()) {
        if (!shard.is_string()) fields.fail("field 'shard' must be \"I/N\" or null");
        report.shard = parse_shard(shard.get<std::string>());
      }
      report.seeds_run = fields.number("seeds_run");
      if (report.seeds_run > report.range.count) fields.fail("seeds_run is more than count");
      report.digest = fields.digest("digest");
      report.elapsed_seconds = fields.real("elapsed_seconds");
      report.worker_seconds = fields.real("worker_seconds");
      report.jobs = static_cast<unsigned>(fields.number("jobs"));
      report.isolate = fields.flag("isolate");
      declared_failures = fields.number("failures");
      declared_groups = fields.number("groups");
    } else if (type == "group") {
      if (fields.number("index") != groups.size()) fields.fail("groups must come in index order from 0");
      FailureGroup group;
      group.signature = FailureSignature{fields.text("kind"), fields.text("site"), fields.text("message")};
      group.count = fields.number("count");
      group.first_seed = fields.number("first_seed");
      group.first_message = fields.text("first_message");
      group.first_trace = fields.text("first_trace");
      group.shortest_seed = fields.number("shortest_seed");
      group.shortest_steps = fields.number("shortest_steps");
      group.shortest_schedule = fields.text("schedule");
      group.shortest_trace = fields.text("trace");
      group.shortest_command = fields.text("command");
      group.shrunk = read_shrunk(fields.at("shrunk"), where);
      groups.push_back(std::move(group));
    } else if (type == "failure") {
      SeedFailure failure{fields.number("seed"), fields.digest("digest"), fields.number("steps"),
                          static_cast<std::uint32_t>(fields.number("group"))};
      if (failure.group >= groups.size()) fields.fail("field 'group' names no group listed before it");
      if (failure.seed < report.range.first || failure.seed - report.range.first >= report.seeds_run) {
        fields.fail("seed " + std::to_string(failure.seed) + " is outside the seeds this sweep ran");
      }
      if (!report.failures.empty() && failure.seed <= report.failures.back().seed) {
        fields.fail("failures must come in increasing seed order");
      }
      report.failures.push_back(failure);
    } else if (type == "leak") {
      report.leaks.push_back(DeterminismLeak{fields.number("seed"), fields.text("in_sweep"), fields.text("alone")});
    } else if (!coverage.read(type, fields)) {
      fields.fail("unknown line type \"" + type + "\"");
    }
  }
  if (!header) throw Error("detsim.sweep.report", source + ": empty: no \"sweep\" line");
  if (report.failures.size() != declared_failures || groups.size() != declared_groups) {
    throw Error("detsim.sweep.report", source + ": truncated: the sweep line announces " +
                                           std::to_string(declared_failures) + " failures in " +
                                           std::to_string(declared_groups) + " groups, the file has " +
                                           std::to_string(report.failures.size()) + " in " +
                                           std::to_string(groups.size()));
  }
  report.groups = std::move(groups);
  report.coverage = coverage.finish(source, report.seeds_run);
  return report;
}

SeedSweepReport merge_reports(const std::vector<SeedSweepReport>& reports) {
  if (reports.empty()) throw Error("detsim.sweep.merge", "nothing to merge");
  std::vector<const SeedSweepReport*> sorted;
  for (const SeedSweepReport& report : reports) sorted.push_back(&report);
  std::sort(sorted.begin(), sorted.end(),
            [](const SeedSweepReport* a, const SeedSweepReport* b) { return a->range.first < b->range.first; });
  SeedSweepReport merged;
  const SeedSweepReport& first = *sorted.front();
  merged.name = first.name;
  merged.scheduler = first.scheduler;
  merged.range = SeedRange{first.range.first, 0};
  merged.jobs = 0;
  merged.isolate = true;
  FailureGroups groups;
  std::uint64_t next = first.range.first;
  bool contiguous = true;
  for (const SeedSweepReport* report : sorted) {
    if (report->name != merged.name || report->scheduler != merged.scheduler) {
      throw Error("detsim.sweep.merge", "shards of different sweeps: '" + merged.name + "' (" + merged.scheduler +
                                            ") and '" + report->name + "' (" + report->scheduler + ")");
    }
    if (report->range.count == 0) continue;
    if (report->range.first < next) {
      throw Error("detsim.sweep.merge", "seed ranges overlap: " + report->range.to_string() + " starts before seed " +
                                            std::to_string(next) + ", where the previous shard ended");
    }
    // A shard that stopped early (time budget) leaves a gap after it.
    contiguous = contiguous && report->range.first == next && merged.seeds_run == next - merged.range.first;
    next = report->range.first + report->range.count;
    merged.seeds_run += report->seeds_run;
    merged.digest += report->digest;
    merged.elapsed_seconds = std::max(merged.elapsed_seconds, report->elapsed_seconds);
    merged.worker_seconds += report->worker_seconds;
    merged.jobs += report->jobs;
    merged.isolate = merged.isolate && report->isolate;
    for (std::size_t index = 0; index < report->groups.size(); ++index) {
      std::vector<SeedFailure> failures;
      for (const SeedFailure& failure : report->failures) {
        if (failure.group == index) failures.push_back(failure);
      }
      groups.add_group(report->groups[index], failures);
    }
    merged.leaks.insert(merged.leaks.end(), report->leaks.begin(), report->leaks.end());
    merged.coverage.merge(report->coverage);  // a union: the shards' seeds are disjoint
  }
  // Seeds that did not run (a shard cut short, a shard missing) are not
  // claimed as run: count is the span, seeds_run what ran.
  merged.range.count = next - merged.range.first;
  if (!contiguous && merged.seeds_run == merged.range.count) merged.seeds_run = merged.range.count;
  groups.finish();
  merged.failures = groups.failures();
  merged.groups = groups.groups();
  std::sort(merged.leaks.begin(), merged.leaks.end(),
            [](const DeterminismLeak& a, const DeterminismLeak& b) { return a.seed < b.seed; });
  return merged;
}

std::string format_sweep_table(const SeedSweepReport& report) {
  char line[512];
  std::string text;
  const double per_second = report.elapsed_seconds > 0 ? static_cast<double>(report.seeds_run) / report.elapsed_seconds : 0;
  std::snprintf(line, sizeof line, "%s: %" PRIu64 " of %" PRIu64 " seeds (%s%s) in %.2f s, %.0f seeds/s, %u job(s)%s\n",
                report.name.c_str(), report.seeds_run, report.range.count, report.range.to_string().c_str(),
                report.shard ? (", shard " + report.shard->to_string()).c_str() : "", report.elapsed_seconds,
                per_second, report.jobs, report.isolate ? ", isolated" : "");
  text += line;
  std::snprintf(line, sizeof line, "%zu failing seed(s) in %zu group(s); sweep digest %s\n", report.failures.size(),
                report.groups.size(), format_digest(report.digest).c_str());
  text += line;
  for (std::size_t index = 0; index < report.groups.size(); ++index) {
    const FailureGroup& group = report.groups[index];
    std::snprintf(line, sizeof line, "\n#%zu  ", index + 1);
    text += line;
    text += group.signature.to_string();
    text += "\n";
    std::snprintf(line, sizeof line, "    seeds:     %" PRIu64 " failing, first %" PRIu64 "\n", group.count,
                  group.first_seed);
    text += line;
    text += "    example:   " + group.first_message + "\n";
    std::snprintf(line, sizeof line, "    shortest:  seed %" PRIu64 ", %" PRIu64 " steps, schedule %s\n",
                  group.shortest_seed, group.shortest_steps, group.shortest_schedule.c_str());
    text += line;
    if (!group.shortest_trace.empty()) text += "    trace:     " + group.shortest_trace + "\n";
    if (!group.shortest_command.empty()) text += "    rerun:     " + group.shortest_command + "\n";
    if (group.shrunk) {
      std::snprintf(line, sizeof line, "    shrunk:    %" PRIu64 " deviation(s) from FIFO, %" PRIu64
                    " steps (from seed %" PRIu64 ", %" PRIu64 " runs), schedule %s\n",
                    group.shrunk->deviations, group.shrunk->steps, group.shrunk->from_seed, group.shrunk->runs,
                    group.shrunk->schedule.c_str());
      text += line;
      if (!group.shrunk->trace_path.empty()) text += "    its trace: " + group.shrunk->trace_path + "\n";
      text += "    rerun it:  " + group.shrunk->command + "\n";
    }
  }
  if (!report.leaks.empty()) {
    std::snprintf(line, sizeof line, "\n%zu determinism leak(s):\n", report.leaks.size());
    text += line;
    for (const DeterminismLeak& leak : report.leaks) text += "  " + leak.describe() + "\n";
  }
  // Seeds range.first .. range.first + seeds_run - 1 ran (seed_sweep.hpp).
  const auto last_seed = report.seeds_run > 0 ? std::optional(report.range.first + report.seeds_run - 1) : std::nullopt;
  text += '\n';
  text += detail::format_coverage_block(report.coverage, last_seed);
  return text;
}

}  // namespace detsim
