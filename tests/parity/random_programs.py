"""Random asyncio programs, and what CPython's asyncio logs when it runs them.

check_random_programs.py runs each program here, on CPython's asyncio, and on
detsim's FIFO loop (tests/parity/asyncio_random_parity.cpp, the C++ twin of
Interpreter below), and compares the logs.

A program is JSON. Futures, tasks, coroutines, callbacks and handle slots
are named f0.., t0.., c0.., cb0.., h0..:

  {"futures": 2,                   f0, f1: plain futures of int
   "tasks": [[op, ...], ...],      t0, t1, ...: bodies; "create_task t0" or an
                                   await of tK starts one (once)
   "coroutines": [[op, ...], ...], c0, ...: each "await cK" runs a new copy
   "callbacks": [[op, ...], ...],  cb0, ...: what a scheduled callback does
   "setup": [op, ...],             run before the loop starts
   "locks": N, "events": N,        l0.., e0..: asyncio.Lock, asyncio.Event
   "semaphores": [[V, BOUNDED]],   s0..: Semaphore(V), or BoundedSemaphore(V)
   "queues": [[KIND, MAXSIZE]],    q0..: KIND "fifo", "lifo" or "priority"
   "conditions": N,                n0..: asyncio.Condition (a lock of its own)
   "barriers": [PARTIES]}          b0..: asyncio.Barrier(PARTIES)
                                   the primitives' keys may be left out

An op is a list: its name, then its arguments. Anywhere:
  log TEXT | set_result fK INT | set_exception fK TEXT (a UserError)
  set_result tK INT | set_exception tK TEXT (both raise RuntimeError)
  cancel fK|tK MESSAGE-or-null | add_done_callback fK|tK LABEL
  remove_done_callback fK|tK N (the Nth callback added) | result fK|tK
  exception fK|tK | state fK|tK | create_task tK | call_soon cbK hN
  call_later MS cbK hN | call_at MS cbK hN | cancel_handle hN | stop
  release lK | set_event eK | clear_event eK | sem_release sK
  put_nowait qK INT | get_nowait qK | task_done qK | cond_release nK
  notify nK N | notify_all nK | inspect lK|eK|sK|qK|nK|bK
Callbacks only: throw TEXT. Task and coroutine bodies only:
  yield CATCH | sleep MS CATCH | await fK|tK|cK CATCH | return INT
  raise TEXT | cancel_self | acquire lK CATCH | wait_event eK CATCH
  sem_acquire sK CATCH | put qK INT CATCH | get qK CATCH | join qK CATCH
  cond_acquire nK CATCH | cond_wait nK CATCH | barrier_wait bK CATCH
  barrier_abort bK CATCH | barrier_reset bK CATCH
  timeout MS [op, ...] CATCH: the ops in `async with asyncio.timeout(MS)`
  (no return and no scope among them); logs "done", or what it caught
The combinators, in bodies; a CHILD is fK, tK (created if it was not) or cK
(a new task of it), CHILDREN a list of 1-3, at times one twice, MS-or-null
a timeout or none:
  gather CHILDREN RETURN_EXCEPTIONS CATCH: logs the results, in order
  wait CHILDREN RETURN_WHEN MS-or-null CATCH: logs done=[..] pending=[..]
  wait_for CHILD MS-or-null CATCH | shield CHILD CATCH
  as_completed CHILDREN MS-or-null CATCH: logs, sorted, the outcomes of the
    children done at the call ("ready [..]"), then each other one, #N, as
    its await gives it, with CATCH each
  task_group [cK, ...] [op, ...] CATCH: `async with asyncio.TaskGroup()`
    whose body creates a task of each cK, then runs the ops (no return and
    no scope among them; group_create cK among them creates one more);
    logs "done", or what it caught (an ExceptionGroup lists its errors)
A primitive's error (RuntimeError releasing an unlocked lock, ValueError
over-releasing a BoundedSemaphore or from task_done, QueueFull, QueueEmpty)
is logged by its class only: the messages are worded differently. Out of a
wait, such an error (a Condition's wait without the lock, BrokenBarrierError)
becomes UserError(its class name), for the same reason. The end of
the log has each primitive's state, as inspect logs it.

Half the programs have primitives (and 2-5 tasks), the other half none, so
the older ops keep most of their share; independently, half have the
combinators (and 1-3 coroutines), and timeout scopes come with either. In
bodies a wait on a primitive is often followed by its release (sem_release,
task_done) and at times by a re-acquire, and a wake-up is at times
followed by a cancel of a task that waits on the same primitive: the
anti-barging and pass-the-wake-up-on paths.
CATCH says what an exception out of the suspension does: "none" propagates
it, "all" logs it and goes on, "all_but_cancel" logs it and re-raises it if
it is a CancelledError. Every program ends: a callback schedules only
callbacks after it, a coroutine awaits only coroutines after it.

The loop runs run_forever() until it deadlocks, again after each stop(); one
DSL millisecond is one loop second. (Never run_until_complete(): detsim's
returns one iteration before asyncio's, README.md, "Where detsim differs
from asyncio, on purpose".) Each log line starts with the virtual
time; done callbacks log to a log of their own.

Done callbacks are where detsim differs from asyncio on purpose (README.md,
"Where detsim differs from asyncio, on purpose"): detsim runs them when the
future completes (at once if it is done), asyncio one call_soon later, and
the combinators, built on them, see a child's completion one iteration
sooner in detsim. So asyncio runs here as detsim's documentation says:
with its pure-Python Future and Task (not _asyncio's), whose done
callbacks run at completion, a task's wake-up still going through
call_soon (_run_done_callbacks_now). asyncio's own gather, wait, wait_for,
shield, as_completed, TaskGroup, timeout and primitives then run unchanged
on top, and their logs are compared line by line, with the virtual time.
What else is normalised, each where it is handled: asyncio's sets
(TaskGroup's children in creation order, _OrderedSet; wait's done and
pending logged in argument order; as_completed's children done at the call
logged as a sorted list), two asyncio calls that add callbacks before they
are ready for them (_Deferred), a task's cancel message
(_cancel_keeping_message), and the stale message 3.11 gives a cancelled
gather whose last argument was not cancelled (Interpreter.combinator).

Where detsim and asyncio differ on purpose or CPython 3.11 has a quirk, a
comment says so where it is handled: done callbacks (their own log),
run_until_complete (not used), an awaited coroutine (a task here too),
equal deadlines (_FifoTimerHandle), a task awaiting itself (not generated),
a deadlock (_Deadlock), a cancel() round a ring, through tasks or a gather
(ring_cancelled), a task's cancel message (keep_cancel_message,
_cancel_keeping_message), and
wording: the message of an InvalidStateError from set_result,
set_exception or result (the pure-Python Future's), the callback's repr in
"Exception in callback", the message of a TaskGroup's RuntimeError.
"""
import sys

# asyncio's pure-Python Future and Task, not _asyncio's C ones: only their
# done callbacks can be made to run as detsim's do (_run_done_callbacks_now
# below). Before the first import of asyncio, or it is too late.
if "asyncio" in sys.modules:
    raise ImportError("random_programs must be imported before asyncio: it runs asyncio without _asyncio")
sys.modules["_asyncio"] = None
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import heapq  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402

REFERENCE = re.compile(r"(f|t|c|cb|h)([0-9]+)")
PRIMITIVE = re.compile(r"(l|e|s|q|n|b)([0-9]+)")
# The ops that suspend a body on a primitive; the last argument is CATCH.
PRIMITIVE_WAITS = ("acquire", "wait_event", "sem_acquire", "put", "get", "join", "cond_acquire", "cond_wait",
                   "barrier_wait", "barrier_abort", "barrier_reset")
# The ops that suspend a body on a combinator (as_completed has a method of
# its own); the last argument is CATCH.
COMBINATORS = ("gather", "wait", "wait_for", "shield")
SUSPENSIONS = ("yield", "sleep", "await") + PRIMITIVE_WAITS + COMBINATORS
HANDLE_SLOTS = 4
# What a suspension catches, drawn uniformly from this list: "all" is in it
# twice, so half of them catch everything.
CATCH = ["none", "all", "all", "all_but_cancel"]
RETURN_WHEN = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"]
# A bound on run_forever() calls; programs stop far fewer times.
MAX_RUNS = 100


def index(name):
    return int(REFERENCE.fullmatch(name).group(2))


def is_task(name):
    match = isinstance(name, str) and REFERENCE.fullmatch(name)
    return bool(match) and match.group(1) == "t"


def generate(seed, number):
    """Program `number` of `seed`: the same on every run and machine."""
    return _Generator(random.Random(f"{seed}/{number}")).program()


class _Generator:
    def __init__(self, rng):
        self.rng = rng
        self.futures = rng.randint(0, 3)
        self.tasks = rng.randint(1, 4)
        self.coroutines = rng.randint(0, 2)
        self.callbacks = rng.randint(1, 4)
        # Half the programs have primitives; the other half are the
        # futures, tasks and callbacks only, as before the primitives. With
        # primitives, at least two tasks more often contend for one.
        with_primitives = rng.random() < 0.5
        self.toolkit = with_primitives  # timeout scopes too
        if with_primitives:
            self.tasks = rng.randint(2, 5)
        self.locks = rng.choice([0, 1, 1, 2]) if with_primitives else 0
        self.events = rng.randint(0, 2) if with_primitives else 0
        self.semaphores = [[rng.randint(0, 2), rng.random() < 0.5] for _ in range(rng.randint(0, 2))] \
            if with_primitives else []
        self.queues = [[rng.choice(["fifo", "fifo", "lifo", "priority"]), rng.randint(0, 2)]
                       for _ in range(rng.choice([0, 1, 1, 2]))] if with_primitives else []
        self.conditions = rng.choice([0, 0, 1]) if with_primitives else 0
        self.barriers = [rng.randint(1, 3) for _ in range(rng.choice([0, 0, 1]))] if with_primitives else []
        # Half the programs, with primitives or not, have the combinators
        # (gather, wait, wait_for, shield, as_completed, TaskGroup), and
        # then coroutines for TaskGroup's children.
        self.combinators = rng.random() < 0.5
        if self.combinators:
            self.coroutines = rng.randint(1, 3)

    def program(self):
        program = self.draft()
        waiters = {}  # "q0": the tasks whose bodies wait on q0
        for k, body in enumerate(program["tasks"]):
            for op in body:
                if op[0] in PRIMITIVE_WAITS:
                    waiters.setdefault(op[1], []).append(k)
        for key in ("tasks", "coroutines", "callbacks"):
            program[key] = [self.with_cancels(body, waiters) for body in program[key]]
        return program

    def draft(self):
        r = self.rng
        return {
            "futures": self.futures,
            "tasks": [self.body(r.randint(1, 6), task=k) for k in range(self.tasks)],
            "coroutines": [self.body(r.randint(1, 4), coroutine=k) for k in range(self.coroutines)],
            "callbacks": [[self.op(callback=k) for _ in range(r.randint(0, 3))] for k in range(self.callbacks)],
            "setup": [["create_task", f"t{k}"] for k in range(self.tasks) if k == 0 or r.random() < 0.5]
                     + [self.op() for _ in range(r.randint(0, 4))],
            "locks": self.locks,
            "events": self.events,
            "semaphores": self.semaphores,
            "queues": self.queues,
            "conditions": self.conditions,
            "barriers": self.barriers,
        }

    # What often follows a wait on a primitive, a few ops later: its
    # release, so that waiters get woken and not only time out the program.
    FOLLOW_UPS = {"acquire": "release", "sem_acquire": "sem_release", "get": "task_done",
                  "cond_acquire": "cond_release"}
    AGAIN = {"release": "acquire", "sem_release": "sem_acquire", "cond_release": "cond_acquire"}

    def body(self, length, **who):
        """`length` ops of a body, and the follow-ups of its waits."""
        ops, follow_ups = [], []  # follow_ups: [ops to wait, op]
        for _ in range(length):
            op = self.body_op(**who)
            if op[0] == "cond_wait" and self.rng.random() < 0.7:
                ops.append(["cond_acquire", op[1], self.rng.choice(CATCH)])  # wait() needs the lock
            ops.append(op)
            if op[0] in self.FOLLOW_UPS and self.rng.random() < 0.7:
                follow_ups.append([self.rng.randint(0, 2), [self.FOLLOW_UPS[op[0]], op[1]]])
            for follow_up in list(follow_ups):
                follow_up[0] -= 1
                if follow_up[0] < 0:
                    if follow_up[1][0] == "cond_release" and self.rng.random() < 0.6:
                        ops.append(self.rng.choice([["notify", follow_up[1][1], self.rng.randint(1, 2)],
                                                    ["notify_all", follow_up[1][1]]]))
                    ops.append(follow_up[1])
                    follow_ups.remove(follow_up)
                    # At times the task takes it again at once: a newcomer
                    # racing the waiter just woken (asyncio's no-barging rule).
                    if follow_up[1][0] in self.AGAIN and self.rng.random() < 0.4:
                        ops.append([self.AGAIN[follow_up[1][0]], follow_up[1][1], self.rng.choice(CATCH)])
        return ops + [op for _, op in follow_ups]

    WAKE_UPS = ("release", "sem_release", "set_event", "put_nowait", "get_nowait", "put", "get", "cond_release",
                "notify", "notify_all")

    def with_cancels(self, ops, waiters):
        """`ops`, and at times a cancel of a task right after an op that
        wakes a waiter, mostly of a task that waits on the same primitive:
        the waiter woken, then cancelled before its step, must pass its
        wake-up on."""
        result = []
        for op in ops:
            result.append(op)
            if op[0] in self.WAKE_UPS and self.rng.random() < 0.4:
                candidates = waiters.get(op[1]) or range(self.tasks)
                result.append(["cancel", f"t{self.rng.choice(candidates)}", None])
        return result

    def pick(self, options):
        weights, makers = zip(*options)
        return self.rng.choices(makers, weights)[0]()

    def op(self, callback=None):
        """An op for anywhere; in callback cbK, it schedules only later callbacks."""
        r = self.rng
        task = lambda: f"t{r.randrange(self.tasks)}"
        future = lambda: f"f{r.randrange(self.futures)}"
        slot = lambda: f"h{r.randrange(HANDLE_SLOTS)}"
        message = lambda: r.choice([None, None, "m1", "m2"])
        options = [
            (1, lambda: ["log", f"L{r.randint(0, 9)}"]),
            (3, lambda: ["cancel", task(), message()]),
            (1, lambda: ["add_done_callback", task(), f"D{r.randint(0, 9)}"]),
            (1, lambda: ["remove_done_callback", task(), r.randint(0, 2)]),
            (1, lambda: [r.choice(["result", "exception", "state"]), task()]),
            (3, lambda: ["create_task", task()]),
            (0.2, lambda: ["set_result", task(), r.randint(0, 9)]),
            (0.2, lambda: ["set_exception", task(), f"e{r.randint(0, 3)}"]),
            (2, lambda: ["cancel_handle", slot()]),
            (0.3, lambda: ["stop"]),
        ]
        if self.futures:
            options += [
                (3, lambda: ["set_result", future(), r.randint(0, 9)]),
                (2, lambda: ["set_exception", future(), f"e{r.randint(0, 3)}"]),
                (2, lambda: ["cancel", future(), message()]),
                (2, lambda: ["add_done_callback", future(), f"D{r.randint(0, 9)}"]),
                (1, lambda: ["remove_done_callback", future(), r.randint(0, 2)]),
                (2, lambda: [r.choice(["result", "exception", "state"]), future()]),
            ]
        options += self.primitive_ops()
        first = 0 if callback is None else callback + 1
        if first < self.callbacks:
            later = lambda: f"cb{r.randint(first, self.callbacks - 1)}"
            options += [
                (3, lambda: ["call_soon", later(), slot()]),
                (2, lambda: ["call_later", r.choice([-1, 0, 0, 1, 2, 3, 5]), later(), slot()]),
                (1, lambda: ["call_at", r.choice([0, 1, 2, 3, 5, 8]), later(), slot()]),
            ]
        if callback is not None:
            options.append((0.3, lambda: ["throw", f"x{r.randint(0, 3)}"]))
        return self.pick(options)

    def primitive_ops(self):
        """The ops on primitives that do not suspend."""
        r = self.rng
        lock = lambda: f"l{r.randrange(self.locks)}"
        event = lambda: f"e{r.randrange(self.events)}"
        semaphore = lambda: f"s{r.randrange(len(self.semaphores))}"
        queue = lambda: f"q{r.randrange(len(self.queues))}"
        options = []
        if self.locks:
            options += [(1.5, lambda: ["release", lock()]), (0.3, lambda: ["inspect", lock()])]
        if self.events:
            options += [(1, lambda: ["set_event", event()]), (0.5, lambda: ["clear_event", event()]),
                        (0.3, lambda: ["inspect", event()])]
        if self.semaphores:
            options += [(1.5, lambda: ["sem_release", semaphore()]), (0.3, lambda: ["inspect", semaphore()])]
        if self.queues:
            options += [(1, lambda: ["put_nowait", queue(), r.randint(0, 9)]), (1, lambda: ["get_nowait", queue()]),
                        (0.5, lambda: ["task_done", queue()]), (0.3, lambda: ["inspect", queue()])]
        if self.conditions:
            condition = lambda: f"n{r.randrange(self.conditions)}"
            options += [(1, lambda: ["cond_release", condition()]), (1, lambda: ["notify", condition(), r.randint(1, 2)]),
                        (0.5, lambda: ["notify_all", condition()]), (0.3, lambda: ["inspect", condition()])]
        if self.barriers:
            options.append((0.3, lambda: ["inspect", f"b{r.randrange(len(self.barriers))}"]))
        return options

    def primitive_waits(self):
        """The ops that suspend a body on a primitive."""
        r = self.rng
        catch = lambda: r.choice(CATCH)
        options = []
        if self.locks:
            options.append((5, lambda: ["acquire", f"l{r.randrange(self.locks)}", catch()]))
        if self.events:
            options.append((2.5, lambda: ["wait_event", f"e{r.randrange(self.events)}", catch()]))
        if self.semaphores:
            options.append((4, lambda: ["sem_acquire", f"s{r.randrange(len(self.semaphores))}", catch()]))
        if self.queues:
            queue = lambda: f"q{r.randrange(len(self.queues))}"
            options += [(3, lambda: ["put", queue(), r.randint(0, 9), catch()]),
                        (3, lambda: ["get", queue(), catch()]), (0.5, lambda: ["join", queue(), catch()])]
        if self.conditions:
            condition = lambda: f"n{r.randrange(self.conditions)}"
            options += [(3, lambda: ["cond_acquire", condition(), catch()]),
                        (3, lambda: ["cond_wait", condition(), catch()])]
        if self.barriers:
            barrier = lambda: f"b{r.randrange(len(self.barriers))}"
            options += [(3, lambda: ["barrier_wait", barrier(), catch()]),
                        (0.5, lambda: ["barrier_abort", barrier(), catch()]),
                        (0.5, lambda: ["barrier_reset", barrier(), catch()])]
        return options

    def combinator_ops(self, task, coroutine, scoped, group):
        """The ops on combinators, in task tK's body or coroutine cK's;
        `group` in a TaskGroup's scope. Their children are other tasks,
        futures and later coroutines (each a new task), at times one twice."""
        r = self.rng
        catch = lambda: r.choice(CATCH)
        first = 0 if coroutine is None else coroutine + 1
        names = ([f"t{k}" for k in range(self.tasks) if k != task] + [f"f{k}" for k in range(self.futures)]
                 + [f"c{k}" for k in range(first, self.coroutines)])
        if not names:
            return []
        child = lambda: r.choice(names)
        children = lambda: [child() for _ in range(r.randint(1, 3))]
        options = [
            (2, lambda: ["gather", children(), r.random() < 0.4, catch()]),
            (2, lambda: ["wait", children(), r.choice(RETURN_WHEN), r.choice([None, None, 0, 1, 2, 3]), catch()]),
            (2, lambda: ["wait_for", child(), r.choice([None, -1, 0, 1, 2, 3]), catch()]),
            (1.5, lambda: ["shield", child(), catch()]),
            (1.5, lambda: ["as_completed", children(), r.choice([None, None, 0, 1, 2, 3]), catch()]),
        ]
        coroutines = [f"c{k}" for k in range(first, self.coroutines)]
        if coroutines and group:
            options.append((2, lambda: ["group_create", r.choice(coroutines)]))
        if coroutines and not scoped:
            options.append((2, lambda: ["task_group", [r.choice(coroutines) for _ in range(r.randint(1, 3))],
                                        [self.body_op(task, coroutine, scoped=True, group=True)
                                         for _ in range(r.randint(0, 3))], catch()]))
        return options

    def body_op(self, task=None, coroutine=None, scoped=False, group=False):
        """An op of task tK's body or of coroutine cK's; `scoped` in a
        timeout or TaskGroup scope (no return, no scope), `group` in a
        TaskGroup's."""
        r = self.rng
        catch = lambda: r.choice(CATCH)
        options = [
            (6, self.op),
            (3, lambda: ["yield", catch()]),
            (2, lambda: ["sleep", r.choice([-1, 0, 1, 2, 3, 5]), catch()]),
            (0 if scoped else 0.5, lambda: ["return", r.randint(0, 9)]),
            (0.5, lambda: ["raise", f"r{r.randint(0, 3)}"]),
            (0.4, lambda: ["cancel_self"]),
        ] + self.primitive_waits()
        if self.combinators:
            options += self.combinator_ops(task, coroutine, scoped, group)
        if (self.toolkit or self.combinators) and not scoped:
            options.append((1.5, lambda: ["timeout", r.choice([-1, 0, 1, 2, 3]),
                                          [self.body_op(task, coroutine, scoped=True) for _ in range(r.randint(1, 3))],
                                          catch()]))
        # No task awaits itself: after the RuntimeError, CPython 3.11 leaves
        # the task's _asyncio_future_blocking set, and another task's await
        # of it then fails with "await wasn't used with future".
        others = [k for k in range(self.tasks) if k != task]
        if others:
            options.append((1.5, lambda: ["await", f"t{r.choice(others)}", catch()]))
        if self.futures:
            options.append((3, lambda: ["await", f"f{r.randrange(self.futures)}", catch()]))
        first = 0 if coroutine is None else coroutine + 1
        if first < self.coroutines:
            options.append((1.5, lambda: ["await", f"c{r.randint(first, self.coroutines - 1)}", catch()]))
        return self.pick(options)


def _is_wakeup(callback):
    """Whether a done callback is a task's wake-up (Task.__wakeup)."""
    return getattr(callback, "__func__", None) is asyncio.Task._Task__wakeup


def _run_done_callback(future, callback):
    """A done callback as detsim runs it: now, unless it wakes a task up,
    which goes through the ready queue (call_soon) in both."""
    if _is_wakeup(callback):
        future._loop.call_soon(callback, future)
        return
    try:
        callback(future)
    except Exception as error:  # noqa: BLE001 -- as asyncio's Handle._run
        future._loop.call_exception_handler({"message": "Exception in callback", "exception": error})


class _Deferred:
    """Done callbacks added to done futures while gather() or as_completed()
    sets up, run right after it, in the order added; None: none are
    deferred. Both add their callbacks before they are ready for them (3.11's
    gather before it makes its outer future, as_completed while it iterates
    the set the callback removes from), relying on call_soon; detsim's
    register theirs when ready, and a done child's runs at once, before
    anything else does. So do these, deferred to the end of the call."""
    callbacks = None


@contextlib.contextmanager
def _callbacks_deferred():
    _Deferred.callbacks = []
    try:
        yield
    finally:
        deferred, _Deferred.callbacks = _Deferred.callbacks, None
        for future, callback in deferred:
            _run_done_callback(future, callback)


def _add_done_callback(future, callback, *, context=None):  # noqa: ARG001 -- no context variables here
    if future.done() and _Deferred.callbacks is not None:
        _Deferred.callbacks.append((future, callback))
    elif future.done():
        _run_done_callback(future, callback)
    else:
        future._callbacks.append((callback, None))


def _schedule_callbacks(future):
    callbacks, future._callbacks[:] = future._callbacks[:], []
    for callback, _ in callbacks:
        _run_done_callback(future, callback)


def _cancel_keeping_message(future, msg=None):
    """Future.cancel, which a task's step calls when its coroutine raised
    CancelledError: here the task keeps that error's message, as in detsim
    (README.md, "Where detsim differs from asyncio, on purpose"). 3.11's
    task keeps it for the first reader of its CancelledError only, and
    gather (return_exceptions) reads the cancel message instead."""
    error = future._cancelled_exc
    if msg is None and isinstance(future, asyncio.Task) and error is not None and error.args:
        msg = error.args[0]
    return _future_cancel(future, msg=msg)


_future_cancel = asyncio.Future.cancel


def _run_done_callbacks_now():
    """Done callbacks run when the future completes (or at once if it is
    done), as detsim runs them (README.md, "Where detsim differs from
    asyncio, on purpose"); asyncio schedules each with call_soon. A task's
    wake-up is scheduled in both. asyncio's own combinators (gather, wait,
    wait_for, shield, as_completed, TaskGroup) then run unchanged on top,
    seeing a child's completion in the child's step, as detsim's do."""
    asyncio.Future.add_done_callback = _add_done_callback
    asyncio.Future._Future__schedule_callbacks = _schedule_callbacks
    asyncio.Future.cancel = _cancel_keeping_message


_run_done_callbacks_now()


class _OrderedSet:
    """What TaskGroup keeps its children in, here: a set that iterates in
    insertion order, detsim's creation order (README.md, "Where detsim
    differs from asyncio, on purpose"); asyncio's set iterates in hash
    order, which is the address's, so its abort() cancels in an order that
    changes from run to run."""

    def __init__(self):
        self.items = {}

    def add(self, item):
        self.items[item] = None

    def discard(self, item):
        self.items.pop(item, None)

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self):
        return len(self.items)


def words(op):
    """An op's parts as the log shows them (as the C++ twin's json dump)."""
    return " ".join(part if isinstance(part, str) else json.dumps(part, separators=(",", ":")) for part in op)


class UserError(Exception):
    """What set_exception, raise and throw raise."""


class _Deadlock(Exception):
    """Nothing is ready and no timer is pending: asyncio would wait forever,
    detsim raises DeadlockError."""


class _VirtualClock:
    """The loop's selector: with no I/O to wait for, a wait is a clock jump."""

    def __init__(self):
        self.now = 0.0

    def select(self, timeout):
        if timeout is None:
            raise _Deadlock()
        self.now += timeout
        return []


class _FifoTimerHandle(asyncio.TimerHandle):
    """Equal deadlines fire in scheduling order, as in detsim; asyncio's heap
    leaves their order unspecified (README.md, "Where detsim differs from
    asyncio, on purpose"). heapq compares with < only."""

    __slots__ = ("_sequence",)

    def __init__(self, when, callback, args, loop, context, sequence):
        super().__init__(when, callback, args, loop, context)
        self._sequence = sequence

    def __lt__(self, other):
        return (self._when, self._sequence) < (other._when, other._sequence)


class _VirtualTimeLoop(asyncio.BaseEventLoop):
    def __init__(self):
        super().__init__()
        self._selector = _VirtualClock()  # what BaseEventLoop._run_once waits on
        self._timer_sequence = itertools.count()

    def time(self):
        return self._selector.now

    def _process_events(self, event_list):
        pass

    def call_at(self, when, callback, *args, context=None):
        # BaseEventLoop.call_at, with _FifoTimerHandle.
        self._check_closed()
        timer = _FifoTimerHandle(when, callback, args, self, context, next(self._timer_sequence))
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer


def run_on_asyncio(program):
    """{"log": [...], "done_callbacks": [...]}, and "ring_cancelled": true if
    the logs stop where a cancel() went round a ring (see
    Interpreter.ring_cancelled)."""
    return Interpreter(program).run()


class Interpreter:
    """Runs one program on a loop of its own."""

    def __init__(self, program):
        self.program = program
        self.loop = _VirtualTimeLoop()
        self.loop.set_exception_handler(self.on_exception)
        self.log = []
        self.done_log = []
        self.futures = [self.loop.create_future() for _ in range(program["futures"])]
        self.tasks = [None] * len(program["tasks"])
        self.handles = {}  # "h1": the handle last stored there
        self.done_callbacks = {}  # "f0": the callbacks added, in order
        self.first_cancel_messages = {}  # see keep_cancel_message()
        self.ring_cancelled_at = None  # (log length, done log length)
        # Tasks of coroutines given to combinators, kept to the end as the
        # C++ twin keeps them: a task whose exception nobody read reports it
        # when collected, which would be mid-run here and at the end there.
        self.instances = []
        queue_classes = {"fifo": asyncio.Queue, "lifo": asyncio.LifoQueue, "priority": asyncio.PriorityQueue}
        self.primitives = {
            **{f"l{k}": asyncio.Lock() for k in range(program.get("locks", 0))},
            **{f"e{k}": asyncio.Event() for k in range(program.get("events", 0))},
            **{f"s{k}": (asyncio.BoundedSemaphore if bounded else asyncio.Semaphore)(value)
               for k, (value, bounded) in enumerate(program.get("semaphores", []))},
            **{f"q{k}": queue_classes[kind](maxsize) for k, (kind, maxsize) in enumerate(program.get("queues", []))},
            **{f"n{k}": asyncio.Condition() for k in range(program.get("conditions", 0))},
            **{f"b{k}": asyncio.Barrier(parties) for k, parties in enumerate(program.get("barriers", []))},
        }

    def run(self):
        for op in self.program["setup"]:
            self.run_op(op)
        for _ in range(MAX_RUNS):
            try:
                self.loop.run_forever()
            except _Deadlock:
                self.note("deadlock")
                break
            self.note("run returned")
        named = [(f"f{k}", f) for k, f in enumerate(self.futures)] + [(f"t{k}", t) for k, t in enumerate(self.tasks)]
        for name, future in named:
            self.log.append(f"end {name} {self.outcome(future)}")
        for name in self.primitives:
            self.log.append(f"end {name} {self.inspect(name)}")
        self.loop.set_exception_handler(lambda loop, context: None)
        # A body still waiting in a Queue's get() or put() cancels its waiter
        # future when its coroutine is closed: close them while the loop can
        # take that call_soon, not when they are collected after close().
        # (A Condition's wait() re-acquires its lock as it closes, which
        # fails outside a running loop: the frame has ended all the same.
        # What the bodies log meanwhile is dropped.)
        log, done_log = self.log, self.done_log
        self.log, self.done_log = [], []
        for task in asyncio.all_tasks(self.loop):
            try:
                task.get_coro().close()
            except BaseException:  # noqa: BLE001 -- a TaskGroup's scope raises its GeneratorExit in a group
                pass
        self.log, self.done_log = log, done_log
        self.loop.close()
        if self.ring_cancelled_at is None:
            return {"log": self.log, "done_callbacks": self.done_log}
        log_length, done_length = self.ring_cancelled_at
        return {"log": self.log[:log_length], "done_callbacks": self.done_log[:done_length], "ring_cancelled": True}

    def note(self, text):
        self.log.append(f"{int(self.loop.time())} {text}")

    def on_exception(self, loop, context):
        if isinstance(context.get("exception"), RecursionError):
            self.ring_cancelled()  # in a task's step: it awaits into a ring with a cancel() pending
            return
        message = context["message"]
        # asyncio appends the callback's repr (its source file and line).
        if message.startswith("Exception in callback "):
            message = "Exception in callback"
        self.note(f"handler {message} {self.describe(context.get('exception'))}")

    def describe(self, error):
        if error is None:
            return "no exception"
        if isinstance(error, RecursionError):
            self.ring_cancelled()  # caught by a body: a cancel() went round a ring of awaits
        if isinstance(error, BaseExceptionGroup):
            return f"ExceptionGroup({', '.join(self.describe(inner) for inner in error.exceptions)})"
        if isinstance(error, asyncio.CancelledError):
            return f"CancelledError({error.args[0] if error.args else ''})"
        if isinstance(error, TimeoutError):
            return "TimeoutError()"
        if isinstance(error, asyncio.InvalidStateError) and str(error) == "Result is not ready.":
            return "InvalidStateError(Result is not set.)"  # the pure-Python Future's wording, the C one's
        if isinstance(error, (asyncio.InvalidStateError, UserError, RuntimeError)):
            return f"{type(error).__name__}({error})"
        return f"unexpected {type(error).__name__}({error})"

    def keep_cancel_message(self, task, error):
        """CPython 3.11 gives a cancelled task's message to its first reader
        only (Task.__step keeps the CancelledError for one read and cancels
        with no message); later readers get CancelledError(). detsim gives
        it to all (README.md, "Where detsim differs from asyncio, on
        purpose"), so a later reader here gets the first one's message put
        back, before the error goes on. Every read of a task calls this: the
        ops result, exception and await, and the end of the log."""
        if isinstance(error, asyncio.CancelledError) and isinstance(task, asyncio.Task) and task.cancelled():
            first = self.first_cancel_messages.setdefault(task, error.args)
            error.args = error.args or first

    def outcome(self, future):
        if future is None:
            return "not created"
        if not future.done():
            return "pending"
        try:
            return f"result {future.result()}"
        except (asyncio.CancelledError, Exception) as error:
            self.keep_cancel_message(future, error)
            return f"raised {self.describe(error)}"

    def state(self, future):
        if not future.done():
            return "pending"
        if future.cancelled():
            return "cancelled"
        error = future.exception()
        return f"result {future.result()}" if error is None else f"exception {self.describe(error)}"

    def target(self, name):
        kind = REFERENCE.fullmatch(name).group(1)
        return self.futures[index(name)] if kind == "f" else self.tasks[index(name)]

    def task(self, name):
        """Task tK, created if it was not."""
        k = index(name)
        if self.tasks[k] is None:
            self.tasks[k] = self.loop.create_task(self.body(name, self.program["tasks"][k]))
        return self.tasks[k]

    def run_op(self, op):
        name, *args = op
        if args and is_task(args[0]) and name != "create_task" and self.target(args[0]) is None:
            self.note(f"{name} {args[0]}: not created")
            return
        getattr(self, "op_" + name)(*args)

    def op_log(self, text):
        self.note(text)

    def op_set_result(self, name, value):
        self.settle("set_result", name, lambda future: future.set_result(value))

    def op_set_exception(self, name, text):
        self.settle("set_exception", name, lambda future: future.set_exception(UserError(text)))

    def settle(self, op, name, settle):
        try:
            settle(self.target(name))
            self.note(f"{op} {name} ok")
        except asyncio.InvalidStateError:
            # The class is the contract: asyncio says "invalid state", detsim
            # names the future and its state.
            self.note(f"{op} {name} raised InvalidStateError")
        except RuntimeError as error:
            self.note(f"{op} {name} raised {self.describe(error)}")

    def op_cancel(self, name, message):
        try:
            self.note(f"cancel {name} -> {self.target(name).cancel(message)}")
        except RecursionError:
            self.ring_cancelled()

    def ring_cancelled(self):
        """A cancel() reached a ring of tasks awaiting each other: asyncio's
        goes round it until RecursionError, detsim's cancels them (README.md,
        "Where detsim differs from asyncio, on purpose"). The logs are
        comparable up to here only."""
        if self.ring_cancelled_at is None:
            self.ring_cancelled_at = (len(self.log), len(self.done_log))

    def op_add_done_callback(self, name, label):
        def done(future):
            self.done_log.append(f"{name} {label} {self.state(future)}")
        self.note(f"add_done_callback {name} {label}")
        self.target(name).add_done_callback(done)
        self.done_callbacks.setdefault(name, []).append(done)

    def op_remove_done_callback(self, name, number):
        added = self.done_callbacks.get(name, [])
        if number >= len(added):
            self.note(f"remove_done_callback {name} #{number}: none")
        else:
            removed = self.target(name).remove_done_callback(added[number])
            self.note(f"remove_done_callback {name} #{number} -> {removed}")

    def op_result(self, name):
        self.read("result", name, lambda future: future.result())

    def op_exception(self, name):
        def exception(future):
            error = future.exception()
            return "None" if error is None else self.describe(error)
        self.read("exception", name, exception)

    def read(self, op, name, read):
        future = self.target(name)
        try:
            self.note(f"{op} {name} = {read(future)}")
        except (asyncio.CancelledError, Exception) as error:
            self.keep_cancel_message(future, error)
            self.note(f"{op} {name} raised {self.describe(error)}")

    def op_state(self, name):
        future = self.target(name)
        self.note(f"state {name} done={future.done()} cancelled={future.cancelled()}")

    def op_create_task(self, name):
        if self.target(name) is not None:
            self.note(f"create_task {name}: already created")
        else:
            self.task(name)
            self.note(f"create_task {name}")

    def op_call_soon(self, callback, slot):
        self.handles[slot] = self.loop.call_soon(self.callback(callback))

    def op_call_later(self, delay, callback, slot):
        self.handles[slot] = self.loop.call_later(delay, self.callback(callback))

    def op_call_at(self, when, callback, slot):
        self.handles[slot] = self.loop.call_at(when, self.callback(callback))

    def callback(self, name):
        def run():
            self.note(name)
            for op in self.program["callbacks"][index(name)]:
                self.run_op(op)
        return run

    def op_cancel_handle(self, slot):
        handle = self.handles.get(slot)
        if handle is None:
            self.note(f"cancel_handle {slot}: none")
        else:
            handle.cancel()
            self.note(f"cancel_handle {slot} -> {handle.cancelled()}")

    def op_stop(self):
        self.loop.stop()
        self.note("stop")

    def primitive_op(self, op, act):
        """A primitive's op that does not suspend: its errors by class only."""
        what = " ".join(str(part) for part in op)
        try:
            value = act()
            self.note(what + ("" if value is None else f" = {value}"))
        except (RuntimeError, ValueError, asyncio.QueueFull, asyncio.QueueEmpty) as error:
            self.note(f"{what} raised {type(error).__name__}")

    def op_release(self, name):
        self.primitive_op(["release", name], self.primitives[name].release)

    def op_set_event(self, name):
        self.primitive_op(["set_event", name], self.primitives[name].set)

    def op_clear_event(self, name):
        self.primitive_op(["clear_event", name], self.primitives[name].clear)

    def op_sem_release(self, name):
        self.primitive_op(["sem_release", name], self.primitives[name].release)

    def op_put_nowait(self, name, item):
        self.primitive_op(["put_nowait", name, item], lambda: self.primitives[name].put_nowait(item))

    def op_get_nowait(self, name):
        self.primitive_op(["get_nowait", name], self.primitives[name].get_nowait)

    def op_task_done(self, name):
        self.primitive_op(["task_done", name], self.primitives[name].task_done)

    def op_cond_release(self, name):
        self.primitive_op(["cond_release", name], self.primitives[name].release)

    def op_notify(self, name, n):
        self.primitive_op(["notify", name, n], lambda: self.primitives[name].notify(n))

    def op_notify_all(self, name):
        self.primitive_op(["notify_all", name], self.primitives[name].notify_all)

    def op_inspect(self, name):
        self.note(f"inspect {name} {self.inspect(name)}")

    def inspect(self, name):
        primitive = self.primitives[name]
        kind = PRIMITIVE.fullmatch(name).group(1)
        if kind == "l":
            return f"locked={primitive.locked()}"
        if kind == "e":
            return f"is_set={primitive.is_set()}"
        if kind == "s":
            return f"locked={primitive.locked()} value={primitive._value}"
        if kind == "n":
            return f"locked={primitive.locked()}"
        if kind == "b":
            return f"n_waiting={primitive.n_waiting} broken={primitive.broken}"
        return (f"qsize={primitive.qsize()} empty={primitive.empty()} full={primitive.full()} "
                f"unfinished={primitive._unfinished_tasks}")

    def op_throw(self, text):
        self.note(f"throw {text}")
        raise UserError(text)

    async def body(self, who, ops):
        try:
            return await self.body_ops(who, ops)
        except RecursionError:
            self.ring_cancelled()  # out of a task: a cancel() went round a ring of awaits
            raise

    async def body_ops(self, who, ops):
        self.note(f"{who} start")
        for op in ops:
            name, *args = op
            if name == "return":
                self.note(f"{who} return {args[0]}")
                return args[0]
            if name == "timeout":
                await self.timeout_scope(who, op)
            elif name == "task_group":
                await self.task_group_scope(who, op)
            else:
                await self.body_op(who, op)
        self.note(f"{who} end")
        return -1

    async def body_op(self, who, op, group=None):
        """An op of a body that is not return and opens no scope; `group`:
        the TaskGroup whose scope it is in."""
        if op[0] in SUSPENSIONS:
            await self.suspend(who, op)
        elif op[0] == "as_completed":
            await self.as_completed(who, op)
        elif op[0] == "group_create":
            self.group_create(who, op, group)
        else:
            self.step(who, op)

    def step(self, who, op):
        """An op of a body that does not suspend and is not return."""
        name, *args = op
        if name == "raise":
            self.note(f"{who} raise {args[0]}")
            raise UserError(args[0])
        if name == "cancel_self":
            self.note(f"{who} cancel_self -> {asyncio.current_task().cancel()}")
        else:
            self.run_op(op)

    async def timeout_scope(self, who, op):
        _, delay, ops, catch = op
        try:
            async with asyncio.timeout(delay):
                for inner in ops:
                    await self.body_op(who, inner)
        except (asyncio.CancelledError, Exception) as error:
            if not self.goes_on_after(f"{who} timeout {delay}", catch, error):
                raise
        else:
            self.note(f"{who} timeout {delay} done")

    async def task_group_scope(self, who, op):
        _, children, ops, catch = op
        try:
            async with asyncio.TaskGroup() as group:
                group._tasks = _OrderedSet()  # noqa: SLF001 -- see _OrderedSet
                for name in children:
                    self.group_create(who, ["group_create", name], group)
                for inner in ops:
                    await self.body_op(who, inner, group)
        except (asyncio.CancelledError, Exception) as error:
            if not self.goes_on_after(f"{who} task_group", catch, error):
                raise
        else:
            self.note(f"{who} task_group done")

    def group_create(self, who, op, group):
        name = op[1]
        body = self.body(name, self.program["coroutines"][index(name)])
        try:
            self.instances.append(group.create_task(body))
            self.note(f"{who} {words(op)}")
        except RuntimeError:
            body.close()
            self.note(f"{who} {words(op)} raised RuntimeError")  # by class: the messages are worded differently

    def child(self, name):
        """A combinator's child: fK, tK (created if it was not) or a new task of cK."""
        child = self.awaitable(name)
        self.instances.append(child)
        return child

    async def combinator(self, name, args):
        """What a combinator's await gives, as the log shows it."""
        if name == "gather":
            children, return_exceptions = args
            futures = [self.child(c) for c in children]
            with _callbacks_deferred():
                gathering = asyncio.gather(*futures, return_exceptions=return_exceptions)
            try:
                results = await gathering
            except asyncio.CancelledError as error:
                # A gather cancelled raises its last argument's cancel message
                # once all are done (3.11). A 3.11 task keeps the message of a
                # cancel() that came when its waiter was done even if it then
                # finished normally; a detsim task not cancelled has none.
                mine = gathering.done() and not gathering.cancelled() and gathering.exception() is error
                finished = return_exceptions or not any(f.cancelled() for f in futures)
                if mine and finished and not futures[-1].cancelled():
                    error.args = ()
                raise
            return "[" + ", ".join(self.describe(r) if isinstance(r, BaseException) else str(r) for r in results) + "]"
        if name == "wait":
            names, return_when, timeout = args
            children = [self.child(c) for c in names]
            done, pending = await asyncio.wait(children, return_when=getattr(asyncio, return_when), timeout=timeout)
            # By argument order, each child once (asyncio returns sets).
            unique = [(c, f) for n, (c, f) in enumerate(zip(names, children)) if f not in children[:n]]
            listed = lambda which: " ".join(c for c, f in unique if f in which)  # noqa: E731
            assert len(done) + len(pending) == len(unique)
            return f"done=[{listed(done)}] pending=[{listed(pending)}]"
        if name == "wait_for":
            return await asyncio.wait_for(self.child(args[0]), args[1])
        return await asyncio.shield(self.child(args[0]))

    async def as_completed(self, who, op):
        """The children's outcomes as they complete. Those already done when
        as_completed() is called come first, in asyncio in its set's (hash)
        order, in detsim in argument order: they are logged as one sorted
        list. The later ones are logged one by one, each with CATCH."""
        _, names, timeout, catch = op
        what = f"{who} {words(op[:-1])}"
        children = [self.child(c) for c in names]
        ready = len({id(f) for f in children if f.done()})
        with _callbacks_deferred():
            nexts = list(asyncio.as_completed(children, timeout=timeout))
        outcomes = []
        for coroutine in nexts[:ready]:  # none suspends: each is done
            try:
                outcomes.append(str(await coroutine))
            except (asyncio.CancelledError, Exception) as error:
                outcomes.append(self.describe(error))
        self.note(f"{what} ready [{', '.join(sorted(outcomes))}]")
        try:
            for n, coroutine in enumerate(nexts[ready:], ready):
                await self.suspend(who, ["as_completed_next", coroutine, n, catch], f"{what} #{n}")
        finally:
            for coroutine in nexts:
                coroutine.close()  # the ones not awaited, if an error went out

    async def suspend(self, who, op, what=None):
        name, *args, catch = op
        what = what or f"{who} {words(op[:-1])}"
        awaited = None
        try:
            if name == "yield":
                value = await asyncio.sleep(0)
            elif name == "sleep":
                value = await asyncio.sleep(args[0])
            elif name == "acquire":
                value = await self.primitives[args[0]].acquire()
            elif name == "wait_event":
                value = await self.primitives[args[0]].wait()
            elif name == "sem_acquire":
                value = await self.primitives[args[0]].acquire()
            elif name == "put":
                value = await self.primitives[args[0]].put(args[1])
            elif name == "get":
                value = await self.primitives[args[0]].get()
            elif name == "join":
                value = await self.primitives[args[0]].join()
            elif name in PRIMITIVE_WAITS:
                value = await self.wait_on_condition_or_barrier(name, self.primitives[args[0]])
            elif name in COMBINATORS:
                value = await self.combinator(name, args)
            elif name == "as_completed_next":
                value = await args[0]
            else:
                awaited = self.awaitable(args[0])
                value = await awaited
        except (asyncio.CancelledError, Exception) as error:
            self.keep_cancel_message(awaited, error)
            if not self.goes_on_after(what, catch, error):
                raise
        else:
            self.note(f"{what} got {value}")

    def goes_on_after(self, what, catch, error):
        """`error` came out of a suspension or a scope: logged as caught
        unless CATCH is "none"; whether the body goes on (else it re-raises)."""
        if catch == "none":
            return False
        self.note(f"{what} caught {self.describe(error)}")
        return not (catch == "all_but_cancel" and isinstance(error, asyncio.CancelledError))

    async def wait_on_condition_or_barrier(self, name, primitive):
        try:
            if name == "cond_acquire":
                return await primitive.acquire()
            if name == "cond_wait":
                return await primitive.wait()
            if name == "barrier_wait":
                return await primitive.wait()
            if name == "barrier_abort":
                return await primitive.abort()
            return await primitive.reset()
        except RuntimeError as error:
            # RuntimeError (a wait without the lock), BrokenBarrierError:
            # by class only, the messages are worded differently.
            raise UserError(type(error).__name__) from None

    def awaitable(self, name):
        kind = REFERENCE.fullmatch(name).group(1)
        if kind == "f":
            return self.futures[index(name)]
        if kind == "t":
            return self.task(name)
        # detsim runs an awaited coroutine as a task of its own, asyncio
        # inline (README.md, "Where detsim differs from asyncio, on purpose"):
        # here it is a task too.
        return self.loop.create_task(self.body(name, self.program["coroutines"][index(name)]))
