// Polling a counter in shared memory before blocking on it. Waking a thread
// blocked in Atomics.wait costs ~60 µs on a VM, a poll well under 1 µs, so a
// thread that has just run a task keeps polling for HOT_MS: long enough to
// bridge every single-threaded stretch of a training step (optimizer, loss,
// TypeScript between kernels), so a step pays at most one wake. Polling pays
// only while each thread has a core of its own. With more busy threads than
// cores the two often share one, and then a thread that polls holds the core
// its partner needs (measured: two threads trained 5× slower polling 2 ms, and
// a call's hand-over took 160 µs polling 0.15 ms, 60 µs polling 0.05 ms, 10 µs
// blocking at once). So a thread that finds it was descheduled while polling
// (the clock jumped) blocks; found so twice in a short while, it takes the
// machine to be busy and blocks at once for a while. A single gap, such as a
// virtual machine's host taking the core for a moment, leaves it polling.

/** Milliseconds a thread polls after its last task, or for its workers to finish, while it has a core to itself. */
export const HOT_MS = 2;
/** A gap this long (ms) between two readings of the clock means the thread lost its core in between. */
const PREEMPTED_MS = 0.2;
/** Two gaps less than this apart (ms) mean a busy machine. */
const BUSY_GAPS_MS = 50;
/** How long (ms) a thread that found the machine busy blocks without polling. */
const CONTENDED_MS = 100;
/** Polls between readings of the clock: a reading costs many polls. */
const POLLS = 256;

/** Polls counters for one thread, remembering whether it has lately been descheduled. */
export class Spinner {
  private contendedUntil = -Infinity;
  private lastGap = -Infinity;

  /**
   * Polls ctl[i] while it holds `value`, for up to `ms` (only a few polls while the machine is seen busy, and
   * no more once the thread was descheduled); returns the value last read, so the caller knows whether to block.
   */
  poll(ctl: Int32Array, i: number, value: number, ms: number): number {
    let v = Atomics.load(ctl, i);
    let now = performance.now();
    const until = now < this.contendedUntil ? now : now + ms;
    while (v === value) {
      for (let p = 0; p < POLLS && v === value; p++) v = Atomics.load(ctl, i);
      const t = performance.now();
      if (t - now > PREEMPTED_MS) {
        if (t - this.lastGap < BUSY_GAPS_MS) this.contendedUntil = t + CONTENDED_MS;
        this.lastGap = t;
        break;
      }
      now = t;
      if (now >= until) break;
    }
    return v;
  }
}
