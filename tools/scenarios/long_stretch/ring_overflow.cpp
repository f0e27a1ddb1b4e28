// ring_overflow: a producer hands log records to a consumer through a ring
// of `capacity` slots under one lock, with a Condition for each direction.
// The producer's full check is off by one (`count > capacity` where it
// means `count == capacity`), so a ring that is exactly full takes one more
// record, written over the oldest unread one, and the consumer then reads a
// record out of sequence.
//
// The ring is full only when the consumer has fallen a whole ring behind:
// it must stay off the processor while the producer makes capacity + 1 puts
// of five scheduling points each. Random rarely keeps it off that long;
// PCT does whenever the producer has the higher priority (a depth-1 bug).
//
//   invariant: DETSIM_CHECK_EQ(record, expected): records arrive in order
#include <vector>

#include "scenarios/long_stretch/long_stretch.hpp"
#include "scenarios/sctbench/sctbench.hpp"

namespace detsim::long_stretch {

namespace {

struct Ring {
  int capacity = 0;
  int records = 0;
  std::vector<int> slots;
  int head = 0;   // the oldest unread record's slot
  int count = 0;  // records written and not yet read
  asyncio::Lock lock{"ring"};
  asyncio::Condition not_empty{lock, "not_empty"};
  asyncio::Condition not_full{lock, "not_full"};
};

Task<void> producer(Ring& ring) {
  for (int sequence = 0; sequence < ring.records; ++sequence) {
    SCT_LOCK(ring.lock, "ring");
    SCT_ACCESS("count", read);
    while (ring.count > ring.capacity) {  // the bug: full is count == capacity
      co_await ring.not_full.wait();
      SCT_ACCESS("count", read);
    }
    SCT_ACCESS("slots", write);
    ring.slots[static_cast<std::size_t>((ring.head + ring.count) % ring.capacity)] = sequence;
    SCT_ACCESS("count", write);
    ++ring.count;
    ring.not_empty.notify();
    SCT_UNLOCK(ring.lock, "ring");
  }
}

Task<void> consumer(Ring& ring) {
  for (int expected = 0; expected < ring.records; ++expected) {
    SCT_LOCK(ring.lock, "ring");
    SCT_ACCESS("count", read);
    while (ring.count == 0) {
      co_await ring.not_empty.wait();
      SCT_ACCESS("count", read);
    }
    SCT_ACCESS("slots", read);
    const int record = ring.slots[static_cast<std::size_t>(ring.head)];
    ring.head = (ring.head + 1) % ring.capacity;
    SCT_ACCESS("count", write);
    --ring.count;
    ring.not_full.notify();
    SCT_UNLOCK(ring.lock, "ring");
    DETSIM_CHECK_EQ(record, expected);
  }
}

std::vector<Task<void>> spawn(void* state) {
  auto& ring = *static_cast<Ring*>(state);
  std::vector<Task<void>> tasks;
  tasks.push_back(get_running_loop().create_task(producer(ring), "producer"));
  tasks.push_back(get_running_loop().create_task(consumer(ring), "consumer"));
  return tasks;
}

}  // namespace

Program ring_overflow(int capacity) {
  return Program([capacity](EventLoop& loop) {
    // Two rings' worth of records: the consumer can fall behind at the start
    // or after it has caught up once.
    Ring ring{.capacity = capacity, .records = 2 * (capacity + 1), .slots = std::vector<int>(static_cast<std::size_t>(capacity))};
    sctbench::run_all(loop, &spawn, &ring);
  });
}

}  // namespace detsim::long_stretch
