// detsim's asyncio toolkit, all of it: the primitives and combinators of
// Python's asyncio on detsim's loop (namespace detsim::asyncio), one header
// per concept in include/detsim/asyncio/.
#pragma once

#include "detsim/asyncio/as_completed.hpp"
#include "detsim/asyncio/barrier.hpp"
#include "detsim/asyncio/condition.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/asyncio/event.hpp"
#include "detsim/asyncio/gather.hpp"
#include "detsim/asyncio/held.hpp"
#include "detsim/asyncio/lock.hpp"
#include "detsim/asyncio/lock_order.hpp"
#include "detsim/asyncio/queue.hpp"
#include "detsim/asyncio/semaphore.hpp"
#include "detsim/asyncio/shield.hpp"
#include "detsim/asyncio/task_group.hpp"
#include "detsim/asyncio/task_info.hpp"
#include "detsim/asyncio/timeout.hpp"
#include "detsim/asyncio/wait.hpp"
#include "detsim/asyncio/wait_for.hpp"
