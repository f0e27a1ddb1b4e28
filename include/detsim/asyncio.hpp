// The asyncio toolkit (namespace detsim::asyncio): everything in
// include/detsim/asyncio/.
#pragma once

#include "detsim/asyncio/as_completed.hpp"
#include "detsim/asyncio/errors.hpp"
#include "detsim/asyncio/gather.hpp"
#include "detsim/asyncio/shield.hpp"
#include "detsim/asyncio/task_group.hpp"
#include "detsim/asyncio/timeout.hpp"
#include "detsim/asyncio/wait.hpp"
#include "detsim/asyncio/wait_for.hpp"
