// Polling a counter in shared memory before blocking on it. Waking a thread
// blocked in Atomics.wait costs ~60 µs on a VM, a poll well under 1 µs, so a
// thread that has just run a task keeps polling for HOT_MS: long enough to
// bridge every single-threaded stretch of a training step (optimizer, loss,
// TypeScript between kernels), so a step pays at most one wake. A thread that
// finds it was descheduled while polling (the clock jumped) stops at once and
// polls only SPIN_MS for a while: with more busy threads than cores, a thread
// that polls for long uses up its turn, and the scheduler then starts its next
// share late (two threads trained 3–7× slower with 0.2–3 ms of polling than
// with 0.05 ms under such load), where a thread woken from a wait runs at once.

/** Milliseconds a thread polls after its last task, or for its workers to finish, while it runs undisturbed. */
export const HOT_MS = 2;
/** Milliseconds it polls for a while after it was seen descheduled. */
export const SPIN_MS = 0.05;
/** A gap this long (ms) between two readings of the clock means the thread lost its core in between. */
const PREEMPTED_MS = 0.2;
/** How long (ms) a thread seen descheduled keeps to SPIN_MS. */
const CONTENDED_MS = 100;
/** Polls between readings of the clock: a reading costs many polls. */
const POLLS = 256;

/** Polls counters for one thread, remembering whether it has lately been descheduled. */
export class Spinner {
  private contendedUntil = -Infinity;

  /**
   * Polls ctl[i] while it holds `value`, for up to `ms` (SPIN_MS while the thread is seen to share its
   * core); returns the value last read, so the caller knows whether to block.
   */
  poll(ctl: Int32Array, i: number, value: number, ms: number): number {
    let v = Atomics.load(ctl, i);
    if (v !== value) return v;
    let now = performance.now();
    const until = now + (now < this.contendedUntil ? SPIN_MS : ms);
    while (v === value) {
      for (let p = 0; p < POLLS && v === value; p++) v = Atomics.load(ctl, i);
      const t = performance.now();
      if (t - now > PREEMPTED_MS) {
        this.contendedUntil = t + CONTENDED_MS;
        break;
      }
      now = t;
      if (now >= until) break;
    }
    return v;
  }
}
