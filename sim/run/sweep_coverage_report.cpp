#include "run/sweep_coverage_report.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "detsim/trace/trace.hpp"

namespace detsim::detail {

namespace {

// Digests per "schedules" line: a million-seed shard's file stays a file
// of lines a reader can hold one at a time.
constexpr std::size_t digests_per_line = 1000;

ReportJson seed_or_null(std::optional<std::uint64_t> seed) { return seed ? ReportJson(*seed) : ReportJson(nullptr); }

const char* kind_name(CoverageKind kind) { return kind == CoverageKind::sometimes ? "sometimes" : "reachable"; }

void write_schedules(std::ostream& out, const SweepCoverage& coverage) {
  ReportJson digests = ReportJson::array();
  ReportJson first_seeds = ReportJson::array();
  auto flush = [&] {
    out << ReportJson{{"type", "schedules"}, {"digests", digests}, {"first_seeds", first_seeds}}.dump() << '\n';
    digests = ReportJson::array();
    first_seeds = ReportJson::array();
  };
  for (const auto& [digest, first_seed] : coverage.schedules()) {
    digests.push_back(format_digest(digest));
    first_seeds.push_back(first_seed);
    if (digests.size() == digests_per_line) flush();
  }
  if (!digests.empty()) flush();
}

std::uint64_t parse_digest(const ReportJson& value, const Fields& fields) {
  std::uint64_t digest = 0;
  const std::string text = value.is_string() ? value.get<std::string>() : std::string();
  if (text.size() != 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos ||
      std::sscanf(text.c_str(), "%16" SCNx64, &digest) != 1) {
    fields.fail("field 'digests' must hold strings of 16 lowercase hex digits");
  }
  return digest;
}

}  // namespace

void write_coverage_lines(std::ostream& out, const SweepCoverage& coverage) {
  const auto replace = ReportJson::error_handler_t::replace;  // names and sites are the program's text
  out << ReportJson{{"type", "coverage"},
                    {"seeds", coverage.seeds()},
                    {"schedules", coverage.distinct_schedules()},
                    {"orderings", coverage.orderings_recorded() ? ReportJson(coverage.distinct_orderings())
                                                                : ReportJson(nullptr)},
                    {"points", coverage.points().size()},
                    {"unreached", coverage.unreached()},
                    {"last_new_schedule", seed_or_null(coverage.last_new_schedule())},
                    {"last_new_ordering", seed_or_null(coverage.last_new_ordering())},
                    {"last_new_point", seed_or_null(coverage.last_new_point())}}
             .dump(-1, ' ', false, replace)
      << '\n';
  for (const auto& [name, point] : coverage.points()) {
    out << ReportJson{{"type", "point"},
                      {"name", name},
                      {"kind", kind_name(point.kind)},
                      {"site", point.site},
                      {"first_seed", point.first_seed},
                      {"seeds_evaluated", point.seeds_evaluated},
                      {"seeds_held", point.seeds_held},
                      {"first_held_seed", seed_or_null(point.first_held_seed)},
                      {"evaluations", point.evaluations},
                      {"held", point.held}}
               .dump(-1, ' ', false, replace)
        << '\n';
  }
  for (const auto& [ordering, first_seed] : coverage.orderings()) {
    out << ReportJson{{"type", "ordering"}, {"earlier", ordering.first}, {"later", ordering.second},
                      {"first_seed", first_seed}}
               .dump(-1, ' ', false, replace)
        << '\n';
  }
  write_schedules(out, coverage);
}

bool CoverageLinesReader::read(const std::string& type, const Fields& fields) {
  if (type == "coverage") {
    if (announced_) fields.fail("a second \"coverage\" line");
    announced_ = Announced{.seeds = fields.number("seeds"),
                           .schedules = fields.number("schedules"),
                           .orderings = fields.number_or_null("orderings"),
                           .points = fields.number("points"),
                           .last_new_schedule = fields.number_or_null("last_new_schedule"),
                           .last_new_ordering = fields.number_or_null("last_new_ordering"),
                           .last_new_point = fields.number_or_null("last_new_point"),
                           .where = fields.where()};
    coverage_.add_seeds(announced_->seeds);
    coverage_.set_orderings_recorded(announced_->orderings.has_value());
    return true;
  }
  if (type != "point" && type != "ordering" && type != "schedules") return false;
  if (!announced_) fields.fail("a \"" + type + "\" line before the \"coverage\" line");
  if (type == "point") {
    const std::string name = fields.text("name");
    if (coverage_.points().count(name) != 0) fields.fail("point \"" + name + "\" is listed twice");
    const std::string kind = fields.text("kind");
    if (kind != "sometimes" && kind != "reachable") fields.fail("field 'kind' must be \"sometimes\" or \"reachable\"");
    SweepCoveragePoint point{.kind = kind == "sometimes" ? CoverageKind::sometimes : CoverageKind::reachable,
                             .site = fields.text("site"),
                             .first_seed = fields.number("first_seed"),
                             .seeds_evaluated = fields.number("seeds_evaluated"),
                             .seeds_held = fields.number("seeds_held"),
                             .first_held_seed = fields.number_or_null("first_held_seed"),
                             .evaluations = fields.number("evaluations"),
                             .held = fields.number("held")};
    if (point.seeds_held > point.seeds_evaluated || point.held > point.evaluations ||
        (point.seeds_held > 0) != point.first_held_seed.has_value()) {
      fields.fail("point \"" + name + "\": held more often than evaluated, or a first held seed that disagrees");
    }
    coverage_.add_point(name, point);
  } else if (type == "ordering") {
    if (!announced_->orderings) fields.fail("an \"ordering\" line, but the \"coverage\" line says none were recorded");
    SitePair ordering{fields.text("earlier"), fields.text("later")};
    if (last_ordering_ && ordering <= *last_ordering_) fields.fail("orderings must come sorted, each once");
    coverage_.add_ordering(ordering, fields.number("first_seed"));
    last_ordering_ = std::move(ordering);
  } else {
    const ReportJson& digests = fields.at("digests");
    const ReportJson& first_seeds = fields.at("first_seeds");
    if (!digests.is_array() || !first_seeds.is_array() || digests.size() != first_seeds.size()) {
      fields.fail("fields 'digests' and 'first_seeds' must be arrays of one length");
    }
    for (std::size_t i = 0; i < digests.size(); ++i) {
      const std::uint64_t digest = parse_digest(digests[i], fields);
      if (last_digest_ && digest <= *last_digest_) fields.fail("digests must come sorted, each once");
      if (!first_seeds[i].is_number_unsigned()) fields.fail("field 'first_seeds' must hold whole numbers >= 0");
      coverage_.add_schedule(digest, first_seeds[i].get<std::uint64_t>());
      last_digest_ = digest;
    }
  }
  return true;
}

SweepCoverage CoverageLinesReader::finish(const std::string& source, std::uint64_t seeds_run) const {
  auto fail = [&](const std::string& why) { throw Error("detsim.sweep.report", source + ": " + why); };
  if (!announced_) fail("no \"coverage\" line (cut short, or written by a detsim without coverage)");
  const Announced& said = *announced_;
  const std::string at = " (announced at " + said.where + ")";
  if (said.seeds != seeds_run) fail("the coverage is of " + std::to_string(said.seeds) + " seeds, the sweep ran " +
                                    std::to_string(seeds_run) + at);
  if (coverage_.distinct_schedules() != said.schedules || coverage_.points().size() != said.points ||
      coverage_.distinct_orderings() != said.orderings.value_or(0)) {
    fail("truncated: the coverage line announces " + std::to_string(said.schedules) + " schedules, " +
         std::to_string(said.orderings.value_or(0)) + " orderings and " + std::to_string(said.points) +
         " points, the file has " + std::to_string(coverage_.distinct_schedules()) + ", " +
         std::to_string(coverage_.distinct_orderings()) + " and " + std::to_string(coverage_.points().size()) + at);
  }
  if (coverage_.last_new_schedule() != said.last_new_schedule ||
      coverage_.last_new_ordering() != said.last_new_ordering || coverage_.last_new_point() != said.last_new_point) {
    fail("the coverage line's last new schedule, ordering or point disagrees with the first seeds listed" + at);
  }
  return coverage_;
}

std::string format_coverage_block(const SweepCoverage& coverage, std::optional<std::uint64_t> last_seed) {
  std::string text = "coverage: " + std::to_string(coverage.seeds()) + " seeds, " +
                     std::to_string(coverage.distinct_schedules()) + " distinct schedules, ";
  text += coverage.orderings_recorded()
              ? std::to_string(coverage.distinct_orderings()) + " orderings of conflicting steps (by site pair), "
              : std::string("orderings not recorded, ");
  const std::size_t unreached = coverage.unreached().size();
  text += std::to_string(coverage.points().size()) + " point(s)" +
          (unreached > 0 ? ", " + std::to_string(unreached) + " never held" : std::string()) + "\n";
  // The plateau: when each last grew, and how many seeds ago (how long
  // more seeds have not helped). Schedules rarely stop growing; orderings
  // and points are what plateau.
  auto when = [&](std::optional<std::uint64_t> seed) {
    std::string at = "seed " + std::to_string(*seed);
    if (last_seed && *last_seed >= *seed) at += " (" + std::to_string(*last_seed - *seed) + " seeds ago)";
    return at;
  };
  std::vector<std::string> parts;
  if (const auto seed = coverage.last_new_schedule()) parts.push_back("last new schedule at " + when(seed));
  if (const auto seed = coverage.last_new_ordering()) parts.push_back("last new ordering at " + when(seed));
  if (const auto seed = coverage.last_new_point()) parts.push_back("last new point held at " + when(seed));
  if (!coverage.points().empty() && !coverage.last_new_point()) parts.push_back("no point ever held");
  if (!parts.empty()) {
    text += "  plateau: ";
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : ", ") + parts[i];
    text += "\n";
  }
  if (coverage.points().empty()) {
    text += "  no DETSIM_SOMETIMES or DETSIM_REACHABLE point was evaluated\n";
    return text;
  }
  // Columns: the point, whether and in how many seeds it held, its site.
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t widths[2] = {0, 0};
  for (const auto& [name, point] : coverage.points()) {
    std::string label = std::string(coverage_macro_name(point.kind)) + " \"" + name + "\"";
    // A REACHABLE holds wherever it is evaluated: its share is of all the
    // seeds. A SOMETIMES's is of the seeds that evaluated it.
    const std::string of = point.kind == CoverageKind::reachable || point.seeds_evaluated == coverage.seeds()
                               ? std::to_string(coverage.seeds()) + " seeds"
                               : "the " + std::to_string(point.seeds_evaluated) + " seeds that evaluated it";
    std::string held = point.seeds_held == 0 ? "NEVER HELD in " + of
                       : point.kind == CoverageKind::reachable
                           ? "reached in " + std::to_string(point.seeds_held) + " of " + of
                           : "held in " + std::to_string(point.seeds_held) + " of " + of;
    widths[0] = std::max(widths[0], label.size());
    widths[1] = std::max(widths[1], held.size());
    rows.emplace_back(std::move(label), std::move(held));
  }
  auto site = coverage.points().begin();
  for (const auto& [label, held] : rows) {
    text += "  " + label + std::string(widths[0] - label.size() + 2, ' ') + held +
            std::string(widths[1] - held.size() + 2, ' ') + (site++)->second.site + "\n";
  }
  return text;
}

}  // namespace detsim::detail
