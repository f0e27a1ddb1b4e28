"""Runs the asyncio-parity programs on CPython's asyncio and prints what each
logged, as JSON. tests/parity/asyncio_parity_test.cpp runs the same programs on
detsim's FIFO scheduler and compares with reference.json, which this script
must reproduce (checked by the `asyncio_reference` CTest).

The programs avoid the one place where detsim follows its reference loop
instead of asyncio: done callbacks of user code run immediately at completion
in detsim, one loop iteration later in asyncio. Task wake-ups are one
scheduling hop in both."""
import asyncio
import gc
import json
import sys


async def round_robin(log):
    async def worker(name, n):
        for i in range(n):
            log.append(f"{name}{i}")
            await asyncio.sleep(0)
    a = asyncio.create_task(worker("A", 3))
    b = asyncio.create_task(worker("B", 2))
    await a
    await b


async def callbacks_scheduled_during_an_iteration_wait(log):
    loop = asyncio.get_running_loop()
    def first():
        log.append("first")
        loop.call_soon(lambda: log.append("scheduled by first"))
    loop.call_soon(first)
    loop.call_soon(lambda: log.append("second"))
    await asyncio.sleep(0)
    log.append("main after one yield")
    await asyncio.sleep(0)
    log.append("main after two yields")


async def timers_in_deadline_order(log):
    loop = asyncio.get_running_loop()
    loop.call_later(0.003, lambda: log.append("t3"))
    loop.call_later(0.001, lambda: log.append("t1"))
    loop.call_later(0.002, lambda: log.append("t2"))
    await asyncio.sleep(0.004)
    log.append("slept 4ms")


async def waiters_wake_in_await_order(log):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    async def waiter(name):
        log.append(f"{name} waits")
        value = await fut
        log.append(f"{name} got {value}")
    tasks = [asyncio.create_task(waiter(n)) for n in ("w1", "w2", "w3")]
    await asyncio.sleep(0)
    loop.call_soon(fut.set_result, 7)
    for t in tasks:
        await t


async def child_tasks_and_siblings(log):
    async def child(name):
        log.append(f"{name} starts")
        await asyncio.sleep(0)
        log.append(f"{name} ends")
        return name.upper()
    async def sibling():
        for i in range(3):
            log.append(f"sibling {i}")
            await asyncio.sleep(0)
    s = asyncio.create_task(sibling())
    result = await asyncio.create_task(child("c1"))
    log.append(f"parent got {result}")
    result = await asyncio.create_task(child("c2"))
    log.append(f"parent got {result}")
    await s


async def cancel_a_sleeping_task(log):
    async def sleeper():
        try:
            log.append("sleeper sleeps")
            await asyncio.sleep(10)
            log.append("sleeper woke")
        except asyncio.CancelledError:
            log.append("sleeper cancelled")
            raise
    async def bystander():
        for i in range(3):
            log.append(f"bystander {i}")
            await asyncio.sleep(0)
    s = asyncio.create_task(sleeper())
    b = asyncio.create_task(bystander())
    await asyncio.sleep(0)
    log.append(f"cancel returns {s.cancel()}")
    try:
        await s
    except asyncio.CancelledError:
        log.append("main saw cancelled")
    await b


async def a_later_cancel_does_not_rename_a_cancelled_sleep(log):
    # The first cancel() cancels the future the sleep awaits; the second,
    # before the sleeper resumes, finds it done, and its message is not seen.
    async def sleeper(name):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as error:
            log.append(f"{name} caught {error.args[0] if error.args else ''}")
            raise
    loop = asyncio.get_running_loop()
    s = asyncio.create_task(sleeper("sleeper"))
    await asyncio.sleep(0)
    loop.call_soon(lambda: (s.cancel("first"), s.cancel("second")))
    try:
        await s
    except asyncio.CancelledError:
        log.append(f"main saw cancelled: {s.cancelled()}")

    async def cancels_itself_then_sleeps():
        asyncio.current_task().cancel("own")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as error:
            log.append(f"self-cancelled caught {error.args[0] if error.args else ''}")
            raise
    t = asyncio.create_task(cancels_itself_then_sleeps())
    await asyncio.sleep(0)
    t.cancel("later")
    try:
        await t
    except asyncio.CancelledError:
        log.append(f"main saw cancelled: {t.cancelled()}")


async def a_refused_await_raises_at_the_next_step(log):
    # Awaiting itself or another loop's future: the RuntimeError comes at the
    # task's next step, so a callback scheduled before the await runs first;
    # a cancel() pending then replaces it.
    loop = asyncio.get_running_loop()
    def schedule_a_callback():
        loop.call_soon(lambda: log.append("callback"))
    async def awaits_itself():
        schedule_a_callback()
        try:
            await asyncio.current_task()
        except RuntimeError:
            log.append("caught RuntimeError (itself)")
    await asyncio.create_task(awaits_itself())
    other = asyncio.new_event_loop()
    foreign = other.create_future()
    async def awaits_another_loops_future():
        schedule_a_callback()
        try:
            await foreign
        except RuntimeError:
            log.append("caught RuntimeError (another loop)")
    await asyncio.create_task(awaits_another_loops_future())
    refused = other.create_future()
    async def cancelled_while_refused():
        # Before the step that raises runs, the other loop's future and the
        # task are cancelled: the task's cancellation is what is raised.
        def cancel_both():
            refused.cancel("other")
            t.cancel("task")
        loop.call_soon(cancel_both)
        try:
            await refused
        except asyncio.CancelledError as error:
            log.append(f"caught CancelledError {error.args[0] if error.args else ''}")
    t = asyncio.create_task(cancelled_while_refused())
    await t
    other.close()
    async def cancels_itself_then_awaits_itself():
        asyncio.current_task().cancel()
        try:
            await asyncio.current_task()
        except RuntimeError:
            log.append("caught RuntimeError")
        except asyncio.CancelledError:
            log.append("caught CancelledError")
    await asyncio.create_task(cancels_itself_then_awaits_itself())


async def awaiting_a_done_future_does_not_yield(log):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    done.set_result(1)
    async def other():
        log.append("other runs")
    t = asyncio.create_task(other())
    await done
    log.append("main continued without yielding")
    await t


async def exception_propagates_to_awaiter(log):
    async def failing():
        await asyncio.sleep(0)
        raise ValueError("boom")
    async def bystander():
        log.append("bystander 0")
        await asyncio.sleep(0)
        log.append("bystander 1")
    b = asyncio.create_task(bystander())
    try:
        await asyncio.create_task(failing())
    except ValueError as error:
        log.append(f"main caught {error}")
    await b


async def cancelling_counts_each_cancel_until_uncancelled(log):
    # Every cancel() on a pending task counts, the repeated one too; catching
    # the CancelledError or ending keeps the count; uncancel() withdraws one
    # request, never going below 0; cancel() on a done task does not count.
    async def sleeper():
        me = asyncio.current_task()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append(f"sleeper caught, cancelling {me.cancelling()}")
            log.append(f"sleeper uncancel returns {me.uncancel()}")
        await asyncio.sleep(0)
        log.append(f"sleeper goes on, cancelling {me.cancelling()}")
        return "done"
    t = asyncio.create_task(sleeper())
    log.append(f"new task, cancelling {t.cancelling()}")
    await asyncio.sleep(0)
    log.append(f"cancel returns {t.cancel()}, cancelling {t.cancelling()}")
    log.append(f"cancel returns {t.cancel()}, cancelling {t.cancelling()}")
    log.append(f"result {await t}, cancelling {t.cancelling()}")
    log.append(f"cancel returns {t.cancel()}, cancelling {t.cancelling()}")
    log.append(f"uncancel returns {t.uncancel()}")
    log.append(f"uncancel returns {t.uncancel()}")


async def cancelling_a_task_counts_in_the_task_it_awaits(log):
    # cancel() passes on to the awaited task, which counts a request too; the
    # child swallows it, and the parent goes on with the count still 1.
    async def child():
        me = asyncio.current_task()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append(f"child caught, cancelling {me.cancelling()}")
            log.append(f"child uncancel returns {me.uncancel()}")
        return "child result"
    async def parent(c):
        result = await c
        log.append(f"parent got {result}, cancelling {asyncio.current_task().cancelling()}")
    c = asyncio.create_task(child())
    p = asyncio.create_task(parent(c))
    await asyncio.sleep(0)
    log.append(f"cancel returns {p.cancel()}")
    log.append(f"parent cancelling {p.cancelling()}, child cancelling {c.cancelling()}")
    await p
    log.append(f"parent cancelling {p.cancelling()}, child cancelling {c.cancelling()}")

    # A task that cancelled itself passes the cancellation on to the task it
    # then awaits, which counts it (and ends before its first line).
    async def starts_late():
        log.append("starts_late runs")
    async def cancels_itself_then_awaits():
        me = asyncio.current_task()
        me.cancel()
        log.append(f"cancelled itself, cancelling {me.cancelling()}")
        late = asyncio.create_task(starts_late())
        try:
            await late
        except asyncio.CancelledError:
            log.append(f"caught, cancelling {me.cancelling()}, awaited task's {late.cancelling()}")
            raise
    t = asyncio.create_task(cancels_itself_then_awaits())
    try:
        await t
    except asyncio.CancelledError:
        log.append(f"cancelled {t.cancelled()}, cancelling {t.cancelling()}")


async def uncancel_does_not_stop_a_cancellation_on_its_way(log):
    # In Python 3.11 uncancel() only changes the count.
    async def body():
        log.append("body runs")
    t = asyncio.create_task(body())
    log.append(f"cancel returns {t.cancel()}, cancel returns {t.cancel()}, cancelling {t.cancelling()}")
    log.append(f"uncancel returns {t.uncancel()}, uncancel returns {t.uncancel()}")
    try:
        await t
    except asyncio.CancelledError:
        log.append(f"cancelled before its first step: {t.cancelled()}, cancelling {t.cancelling()}")

    async def sleeper():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            log.append("sleeper caught CancelledError")
            raise
    s = asyncio.create_task(sleeper())
    await asyncio.sleep(0)
    s.cancel()
    log.append(f"uncancel returns {s.uncancel()}")
    try:
        await s
    except asyncio.CancelledError:
        log.append(f"sleeper cancelled: {s.cancelled()}, cancelling {s.cancelling()}")

    async def cancels_and_uncancels_itself():
        me = asyncio.current_task()
        me.cancel()
        log.append(f"own uncancel returns {me.uncancel()}")
        try:
            await asyncio.sleep(0)
            log.append("yield went through")
        except asyncio.CancelledError:
            log.append("caught CancelledError at the yield")
        log.append(f"goes on, cancelling {me.cancelling()}")
    await asyncio.create_task(cancels_and_uncancels_itself())


# ---- cancel() after a failure, get_event_loop() after set_event_loop(None),
# ---- call_soon/call_later/call_at with arguments

async def cancel_clears_the_never_retrieved_report(log):
    # cancel() of a future or task that already failed returns False, and its
    # exception is no longer reported as never retrieved when it is dropped.
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda loop, context: log.append(f"handler: {context['message']}: {context['exception']}"))
    for cancel in (True, False):
        future = loop.create_future()
        future.set_exception(ValueError(f"future, cancel {cancel}"))
        if cancel:
            log.append(f"future cancel returns {future.cancel()}")
        del future
        gc.collect()
        log.append("future dropped")
    async def fail(message):
        raise ValueError(message)
    for cancel in (True, False):
        task = asyncio.create_task(fail(f"task, cancel {cancel}"))
        await asyncio.sleep(0)
        if cancel:
            log.append(f"task cancel returns {task.cancel()}")
        del task
        gc.collect()
        log.append("task dropped")


def get_event_loop_after_set_event_loop_none_raises(log):
    # No loop running, in a thread whose policy state is fresh: get_event_loop
    # creates a loop only while set_event_loop was never called (creating one
    # counts as a call).
    asyncio.set_event_loop_policy(None)
    def get():
        try:
            return asyncio.get_event_loop()
        except RuntimeError:
            log.append("get_event_loop raises RuntimeError")
            return None
    created = get()
    log.append(f"created a loop: {created is not None}")
    log.append(f"the same loop again: {get() is created}")
    asyncio.set_event_loop(None)
    get()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    log.append(f"after set_event_loop(loop): {get() is loop}")
    asyncio.set_event_loop(None)
    get()
    loop.close()
    created.close()
    asyncio.set_event_loop_policy(None)


async def call_soon_passes_extra_arguments(log):
    loop = asyncio.get_running_loop()
    def record(what, n):
        log.append(f"{what} {n}")
    loop.call_later(0.002, record, "call_later", 2)
    loop.call_at(loop.time() + 0.001, record, "call_at", 1)
    loop.call_soon(record, "call_soon", 0)
    n = 5
    loop.call_soon(record, "argument as it was", n)
    n = 6
    future = loop.create_future()
    loop.call_soon(future.set_result, "set by call_soon")
    log.append(await future)
    await asyncio.sleep(0.003)
    log.append("slept 3ms")


# The asyncio toolkit's primitives (detsim/asyncio/): wake-up order,
# fairness and cancellation as CPython 3.11 has them.
async def lock_serves_waiters_in_order_without_barging(log):
    lock = asyncio.Lock()
    async def take(name):
        await lock.acquire()
        log.append(f"{name} got it")
        await asyncio.sleep(0)
        lock.release()
    await lock.acquire()
    first = asyncio.create_task(take("first"))
    second = asyncio.create_task(take("second"))
    third = asyncio.create_task(take("third"))
    await asyncio.sleep(0)
    newcomer = asyncio.create_task(take("newcomer"))  # runs before the woken waiter
    lock.release()
    log.append(f"released, locked {lock.locked()}")
    first.cancel()
    try:
        await first
    except asyncio.CancelledError:
        log.append("first cancelled after its wake-up")
    await second
    await third
    await newcomer
    log.append(f"locked {lock.locked()}")


async def semaphore_hands_permits_on_and_back(log):
    semaphore = asyncio.Semaphore(2)
    async def take(name):
        await semaphore.acquire()
        log.append(f"{name} in")
        await asyncio.sleep(0)
        log.append(f"{name} out")
        semaphore.release()
    tasks = [asyncio.create_task(take(name)) for name in ("a", "b", "c", "d", "e")]
    await asyncio.sleep(0)
    log.append(f"locked {semaphore.locked()}")
    tasks[2].cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            log.append("c cancelled")
    bounded = asyncio.BoundedSemaphore(1)
    try:
        bounded.release()
    except ValueError:
        log.append("over-release refused")


async def event_wakes_every_waiter(log):
    event = asyncio.Event()
    async def waiter(name):
        await event.wait()
        log.append(f"{name} woke")
    tasks = [asyncio.create_task(waiter(name)) for name in ("a", "b", "c")]
    await asyncio.sleep(0)
    tasks[1].cancel()
    event.set()
    event.clear()
    log.append(f"set then cleared: {event.is_set()}")
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            log.append("b cancelled")


async def condition_notifies_in_order(log):
    condition = asyncio.Condition()
    state = {"count": 0}
    async def waiter(name):
        async with condition:
            await condition.wait()
            log.append(f"{name} notified")
    async def until_three(name):
        async with condition:
            value = await condition.wait_for(lambda: state["count"] >= 3 and state["count"])
            log.append(f"{name} saw {value}")
    tasks = [asyncio.create_task(waiter(name)) for name in ("a", "b", "c")]
    watcher = asyncio.create_task(until_three("w"))
    await asyncio.sleep(0)
    async with condition:
        condition.notify(2)
        log.append("notified 2")
    await asyncio.sleep(0)
    for _ in range(3):
        async with condition:
            state["count"] += 1
            condition.notify_all()
        log.append(f"count {state['count']}")
        await asyncio.sleep(0)
    for task in tasks:
        await task
    await watcher


async def barrier_releases_generations(log):
    barrier = asyncio.Barrier(2)
    async def party(name):
        try:
            index = await barrier.wait()
            log.append(f"{name} {index}")
        except asyncio.BrokenBarrierError:
            log.append(f"{name} broken")
    tasks = [asyncio.create_task(party(name)) for name in ("a", "b", "c", "d", "e")]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    log.append(f"waiting {barrier.n_waiting}")
    await barrier.abort()
    for task in tasks:
        await task
    await party("late")
    await barrier.reset()
    tasks = [asyncio.create_task(party(name)) for name in ("x", "y")]
    for task in tasks:
        await task
    log.append(f"broken {barrier.broken}")


async def queues_hand_items_over(log):
    queue = asyncio.Queue(2)
    async def producer(name, items):
        for item in items:
            await queue.put(item)
            log.append(f"{name} put {item}")
    async def consumer(name):
        while True:
            item = await queue.get()
            log.append(f"{name} got {item}")
            await asyncio.sleep(0)
            queue.task_done()
    consumers = [asyncio.create_task(consumer(name)) for name in ("c1", "c2")]
    producers = [asyncio.create_task(producer("p1", [1, 2, 3])), asyncio.create_task(producer("p2", [4, 5]))]
    for task in producers:
        await task
    await queue.join()
    log.append("joined")
    consumers[0].cancel()
    queue.put_nowait(6)
    consumers[1].cancel()
    for task in consumers:
        try:
            await task
        except asyncio.CancelledError:
            pass
    log.append(f"left {queue.qsize()}")
    lifo = asyncio.LifoQueue()
    for item in (1, 2, 3):
        lifo.put_nowait(item)
    log.append(f"lifo {[lifo.get_nowait() for _ in range(3)]}")
    priority = asyncio.PriorityQueue()
    for item in ((2, 0, "b"), (1, 1, "a"), (3, 2, "c"), (1, 3, "a2")):
        priority.put_nowait(item)
    log.append(f"priority {[priority.get_nowait()[2] for _ in range(4)]}")
    try:
        queue.get_nowait()
    except asyncio.QueueEmpty:
        log.append("empty")


# --- Combinators (detsim::asyncio: gather, wait_for, timeout, TaskGroup,
# shield). Delays are tens of milliseconds apart: CPython runs them in real
# time, and 1ms apart they swapped under load. Kept to programs whose log does not depend on when done callbacks
# run (detsim: at completion; asyncio: one iteration later).

async def gather_results_in_argument_order(log):
    async def child(name, delay):
        await asyncio.sleep(delay)
        log.append(f"{name} done")
        return name.upper()
    async def failing():
        await asyncio.sleep(0.04)
        raise RuntimeError("boom")
    results = await asyncio.gather(child("a", 0.06), child("b", 0.02), child("c", 0.04))
    log.append(f"results {' '.join(results)}")
    outcomes = await asyncio.gather(child("d", 0.02), failing(), return_exceptions=True)
    log.append(f"outcomes {outcomes[0]} {type(outcomes[1]).__name__}")
    try:
        await asyncio.gather(child("e", 0.2), failing())
    except RuntimeError as error:
        log.append(f"gather raised {error}")
    await asyncio.sleep(0.2)


async def wait_for_times_out_and_waits_for_the_cancelled_task(log):
    async def slow():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append("slow cancelled")
            await asyncio.sleep(0.001)
            log.append("slow cleaned up")
            raise
    try:
        await asyncio.wait_for(slow(), 0.04)
    except TimeoutError:
        log.append("timeout")
    log.append(f"cancelling {asyncio.current_task().cancelling()}")


async def timeout_scope_expires_into_timeout_error(log):
    try:
        async with asyncio.timeout(0.04) as scope:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                log.append(f"body cancelled, expired {scope.expired()}")
                raise
    except TimeoutError:
        log.append(f"TimeoutError, expired {scope.expired()}")
    log.append(f"cancelling {asyncio.current_task().cancelling()}")
    async with asyncio.timeout(0.1) as scope:
        await asyncio.sleep(0.02)
    log.append(f"in time, expired {scope.expired()}")


async def task_group_failure_cancels_sibling_and_body(log):
    async def sibling():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append("sibling cancelled")
            raise
    async def bad():
        await asyncio.sleep(0.02)
        log.append("bad raises")
        raise RuntimeError("bad")
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(sibling())
            group.create_task(bad())
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                log.append("body cancelled")
                raise
    except BaseExceptionGroup as errors:
        log.append(f"group of {len(errors.exceptions)}: {errors.exceptions[0]}")
    log.append(f"cancelling {asyncio.current_task().cancelling()}")


async def shield_protects_the_inner_task(log):
    async def inner():
        await asyncio.sleep(0.1)
        log.append("inner done")
        return 5
    inner_task = asyncio.create_task(inner())
    async def waiter():
        try:
            await asyncio.shield(inner_task)
        except asyncio.CancelledError:
            log.append("waiter cancelled")
            raise
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0.02)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        pass
    log.append(f"inner result {await inner_task}")


async def gather_cancelled_raises_its_last_arguments_cancel_message(log):
    # Cancelled while a child runs, a gather ends, once every child has, with
    # its *last argument's* CancelledError (3.11's _done_callback reads the
    # loop variable after its loop), not the last child to finish.
    loop = asyncio.get_running_loop()
    last = loop.create_future()
    last.cancel("the last argument's")
    async def swallower():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append("swallower caught CancelledError")
        await asyncio.sleep(0)
        log.append("swallower returns")
        return 1
    async def waiter():
        try:
            await asyncio.gather(swallower(), last, return_exceptions=True)
        except asyncio.CancelledError as error:
            log.append(f"gather raised CancelledError({error})")
    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel("the waiter's")
    await task


async def a_cancel_after_the_awaited_future_failed(log):
    # The future a task awaits fails, and the task is cancelled before its
    # step: the task gets the cancellation, unless the future's error is a
    # CancelledError itself, which it gets instead; either way the future's
    # exception was read, and is not reported as never retrieved.
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda loop, context: log.append(f"handler: {context['message']}"))
    async def waiter(future):
        try:
            await future
        except (ValueError, asyncio.CancelledError) as error:
            log.append(f"waiter caught {type(error).__name__}({error})")
    for error in (ValueError("failed"), asyncio.CancelledError("its own")):
        future = loop.create_future()
        task = asyncio.create_task(waiter(future))
        await asyncio.sleep(0)
        future.set_exception(error)
        task.cancel("the task's")
        await task
        del future, task
        gc.collect()
        log.append("future dropped")


PROGRAMS = [
    round_robin,
    callbacks_scheduled_during_an_iteration_wait,
    timers_in_deadline_order,
    waiters_wake_in_await_order,
    child_tasks_and_siblings,
    cancel_a_sleeping_task,
    a_later_cancel_does_not_rename_a_cancelled_sleep,
    a_refused_await_raises_at_the_next_step,
    awaiting_a_done_future_does_not_yield,
    exception_propagates_to_awaiter,
    cancelling_counts_each_cancel_until_uncancelled,
    cancelling_a_task_counts_in_the_task_it_awaits,
    uncancel_does_not_stop_a_cancellation_on_its_way,
    cancel_clears_the_never_retrieved_report,
    get_event_loop_after_set_event_loop_none_raises,
    call_soon_passes_extra_arguments,
    lock_serves_waiters_in_order_without_barging,
    semaphore_hands_permits_on_and_back,
    event_wakes_every_waiter,
    condition_notifies_in_order,
    barrier_releases_generations,
    queues_hand_items_over,
    # --- Combinators (detsim::asyncio)
    gather_results_in_argument_order,
    wait_for_times_out_and_waits_for_the_cancelled_task,
    timeout_scope_expires_into_timeout_error,
    task_group_failure_cancels_sibling_and_body,
    shield_protects_the_inner_task,
    gather_cancelled_raises_its_last_arguments_cancel_message,
    a_cancel_after_the_awaited_future_failed,
]


def main():
    results = {}
    for program in PROGRAMS:
        log = []
        if asyncio.iscoroutinefunction(program):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(program(log))
            loop.close()
        else:
            program(log)  # runs with no loop running
        results[program.__name__] = log
    json.dump(results, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
