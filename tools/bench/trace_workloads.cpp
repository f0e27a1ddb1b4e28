// Trace workloads: how fast traces are written and read, and how a replay
// compares with the run it replays.
//   trace/write_jsonl        to_jsonl() of a recorded run; one op = one event
//                            (the trace issue's target: 3M events/s or more)
//   trace/write_file         write_trace() of it to a file under the system's
//                            temporary directory (through a 1 MiB buffer)
//   trace/read_jsonl         parse_trace() of that text, validating everything
//                            and checking the digest; one op = one event
//   trace/run_recorded/...   the lost-update race with 100 tasks, recorded in
//                            memory; one op = one event
//   trace/replay_file/...    the same run replayed from its JSON Lines text
//                            (parse + ReplayScheduler + event-by-event
//                            comparison); compared with run_recorded (the
//                            replay issue: "comparable to the original run")
//   trace/replay_memory/...  the same replay from a Trace already in memory:
//                            what replay itself costs, without parsing
#include <filesystem>
#include <memory>
#include <string>

#include <detsim/detsim.hpp>
#include <detsim/replay/replay.hpp>
#include <detsim/trace/recorder.hpp>

#include "bench_support.hpp"
#include "scenarios/lost_update.hpp"

namespace detsim::bench {
namespace {

constexpr int race_tasks = 100;

// Runs the race recorded in memory; returns the trace.
Trace record_race(int increments) {
  EventLoop loop{RandomScheduler{bench_seed}};
  TraceRecorder recorder{loop, {.program = "lost_update"}};
  scenarios::run_lost_update(loop, race_tasks, increments);
  recorder.finish();
  return recorder.take_trace();
}

void write_jsonl(benchmark::State& state, int increments) {
  const Trace trace = record_race(increments);
  OperationMeter meter(state, "");
  for (auto _ : state) {
    const std::string text = to_jsonl(trace);
    benchmark::DoNotOptimize(text.data());
    meter.add(trace.events.size());
  }
  meter.finish();
}

void write_file(benchmark::State& state, int increments) {
  const Trace trace = record_race(increments);
  const std::string path = (std::filesystem::temp_directory_path() / "detsim-bench-trace.jsonl").string();
  OperationMeter meter(state, "");
  for (auto _ : state) {
    write_trace(trace, path);
    meter.add(trace.events.size());
  }
  meter.finish();
  std::filesystem::remove(path);
}

void read_jsonl(benchmark::State& state, int increments) {
  const std::string text = to_jsonl(record_race(increments));
  OperationMeter meter(state, "");
  for (auto _ : state) {
    const Trace trace = parse_trace(text, "bench.jsonl");
    meter.add(trace.events.size());
  }
  meter.finish();
}

void run_recorded(benchmark::State& state, int increments) {
  OperationMeter meter(state, "");
  for (auto _ : state) meter.add(record_race(increments).events.size());
  meter.finish();
}

// Replays the race under `recorded`'s decisions, comparing every event;
// returns the number of events replayed.
std::uint64_t replay_race(const Trace& recorded, int increments) {
  EventLoop loop{ReplayScheduler{schedule_of(recorded)}};
  Replayer replayer{loop, recorded};
  scenarios::run_lost_update(loop, race_tasks, increments);
  replayer.finish();
  return recorded.events.size();
}

void replay_file(benchmark::State& state, int increments, const std::string& baseline) {
  const std::string text = to_jsonl(record_race(increments));
  OperationMeter meter(state, baseline);
  for (auto _ : state) meter.add(replay_race(parse_trace(text, "bench.jsonl"), increments));
  meter.finish();
}

void replay_memory(benchmark::State& state, int increments, const std::string& baseline) {
  const Trace recorded = record_race(increments);
  OperationMeter meter(state, baseline);
  for (auto _ : state) meter.add(replay_race(recorded, increments));
  meter.finish();
}

}  // namespace

void register_trace_workloads(const Sizes& sizes) {
  // ~20 events per increment of each of the 100 tasks... see events in the
  // output: increments are chosen so the big pair makes ~10 million events.
  const int small = sizes.replay_increments / 10 + 1;
  benchmark::RegisterBenchmark("trace/write_jsonl", write_jsonl, small)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("trace/write_file", write_file, small)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("trace/read_jsonl", read_jsonl, small)->Unit(benchmark::kMillisecond);
  const std::string run_name = "trace/run_recorded/increments:" + std::to_string(sizes.replay_increments);
  benchmark::RegisterBenchmark(run_name.c_str(), run_recorded, sizes.replay_increments)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  const std::string replay_name = "trace/replay_file/increments:" + std::to_string(sizes.replay_increments);
  // Iterations(1) adds "/iterations:1" to the reported name the label must match.
  const std::string run_reported = run_name + "/iterations:1";
  benchmark::RegisterBenchmark(replay_name.c_str(), replay_file, sizes.replay_increments, run_reported)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
  const std::string memory_name = "trace/replay_memory/increments:" + std::to_string(sizes.replay_increments);
  benchmark::RegisterBenchmark(memory_name.c_str(), replay_memory, sizes.replay_increments, run_reported)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
}

}  // namespace detsim::bench
