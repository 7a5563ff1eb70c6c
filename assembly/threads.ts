// Work splitting for the threaded build. Every instance of the module (the main thread's and one
// per worker) shares one linear memory; each has its own globals, so `thread_index` and
// `thread_count` say which share of a kernel this instance computes. A kernel that supports
// threads splits its loops with `share` and meets the other threads at `barrier` where one
// thread's output becomes another's input. With thread_count = 1 (the default, and always in the
// single-threaded builds) `share` is the whole range and `barrier` does nothing, so the same code
// is the single-threaded kernel.
//
// The barrier lives in the module's static data: with an imported shared memory every instance
// sees the same bytes there. Counter at +0 (threads arrived), generation at +4.

/** This instance's index among the threads running the current kernel (0 = the caller's thread). */
let thread_index: i32 = 0;
/** Threads running the current kernel (1 = single-threaded). */
let thread_count: i32 = 1;
/** Whether this thread may block in memory.atomic.wait (not a browser's main thread). */
let thread_can_wait: bool = false;

/** Spins at a barrier before a thread that may block goes to sleep (about 10–50 µs). */
const SPIN_LIMIT: i32 = 20000;

/**
 * The shared barrier: arrivals at +0, generation at +4, the spin-limit override at +8 (0 = the
 * default, else limit + 1; see set_spin_limit), then, from +64, one word per thread slot (16 of
 * them): the generation that thread waits to see change (see barrier_wait for why it lives in
 * memory). Shared by every instance, so one store from any thread sets the override for all.
 */
const BARRIER: usize = memory.data(128, 64);

/**
 * How long threads spin at a barrier before they may sleep: `limit` spins (0 = sleep at once),
 * or the default (about 10–50 µs of spinning) when `limit` < 0. For all threads of this memory.
 * Tests use 0 so that every barrier takes the sleeping path.
 */
export function set_spin_limit(limit: i32): void {
  store<i32>(BARRIER, limit < 0 ? 0 : limit + 1, 8);
}

/** The current spin limit (see set_spin_limit). */
@inline function spin_limit(): i32 {
  const stored = load<i32>(BARRIER, 8);
  return stored > 0 ? stored - 1 : SPIN_LIMIT;
}

/**
 * Sets which share of the following kernel calls this instance computes: thread `index` of `count`.
 * The caller's thread is index 0; set count back to 1 for single-threaded calls. `canWait` = 1
 * lets the thread sleep at a barrier after spinning a while (which frees its core when another
 * process competes for it); a browser's main thread may not block and passes 0.
 */
export function set_thread(index: i32, count: i32, canWait: i32): void {
  thread_index = index;
  thread_can_wait = canWait != 0;
  thread_count = min(MAX_THREADS, max(1, count));
}

/** Threads running the current kernel. */
@inline export function threads(): i32 {
  return thread_count;
}

/** Most threads a kernel may be split over (per-thread scratch is sized for this many). */
export const MAX_THREADS: i32 = 16;

/** This instance's slot for per-thread scratch in static memory, in [0, MAX_THREADS). */
@inline export function thread_slot(): i32 {
  return thread_index & (MAX_THREADS - 1);
}

/** Whether this instance is thread 0 (does the parts that are not split). */
@inline export function is_first_thread(): bool {
  return thread_index == 0;
}

/**
 * Start of this thread's share of [0, n), in multiples of `align` (the end is the next thread's
 * start, or n). Shares differ by at most one `align` unit.
 */
@inline export function share_start(n: i32, align: i32): i32 {
  return share_bound(n, align, thread_index);
}

/** End of this thread's share of [0, n) (see share_start). */
@inline export function share_end(n: i32, align: i32): i32 {
  return share_bound(n, align, thread_index + 1);
}

/** Boundary `k` of [0, n) split into thread_count shares of whole `align` units. */
function share_bound(n: i32, align: i32, k: i32): i32 {
  if (k >= thread_count) return n;
  const units = (n + align - 1) / align;
  return min(n, <i32>((<i64>units * k) / thread_count) * align);
}

/**
 * Waits until every thread of the current kernel has arrived (a generation-counting barrier on
 * shared memory: spin, then sleep where the thread may block). No-op single-threaded.
 */
export function barrier(): void {
  if (ASC_FEATURE_THREADS) {
    if (thread_count <= 1) return;
    store<i32>(waiting_slot(), atomic.load<i32>(BARRIER, 4));
    if (atomic.add<i32>(BARRIER, 1) == thread_count - 1) {
      atomic.store<i32>(BARRIER, 0);
      atomic.add<i32>(BARRIER, 1, 4);
      atomic.notify(BARRIER + 4, MAX_THREADS);
    } else {
      barrier_wait();
    }
  }
}

/** This thread's word in the barrier block: the generation it waits to see change. */
@inline function waiting_slot(): usize {
  return BARRIER + 64 + (<usize>thread_slot() << 2);
}

/**
 * Spins until the barrier's generation moves past the one in this thread's waiting slot, then,
 * where the thread may block, sleeps in memory.atomic.wait32 until notified.
 * A call of its own that keeps nothing in locals across the wait: Node 20's baseline compiler
 * (V8's Liftoff) can hand back a clobbered local after memory.atomic.wait32 returns, which let a
 * thread leave the barrier early and read a panel its partner had not packed yet (the threads
 * tests caught it once kernels ran long enough in baseline code to sleep). So the expected
 * generation is re-read from memory on every check, and the kernels' own locals stay in the
 * caller's frame, which an ordinary call preserves.
 */
function barrier_wait(): void {
  let spins = 0;
  while (atomic.load<i32>(BARRIER, 4) == load<i32>(waiting_slot())) {
    if (thread_can_wait && ++spins > spin_limit()) atomic.wait<i32>(BARRIER + 4, load<i32>(waiting_slot()), -1);
  }
}
