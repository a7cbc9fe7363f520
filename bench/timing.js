// Shared timing for benchmark sections. V8 compiles wasm lazily (baseline tier
// first), so every case is warmed up before timing; each timed repetition runs
// a case enough times to last at least `minMs`; repetitions of all cases are
// interleaved so a burst of load from other processes costs every case one
// sample instead of skewing one case's median.

/** Median seconds per call of each function in `fns`. */
export function measureAll(fns, { quick = false, minMs = quick ? 20 : 40, repetitions = quick ? 7 : 15, warmupMs = quick ? 40 : 150 } = {}) {
  const inner = fns.map((fn) => {
    let calls = 0;
    const t0 = performance.now();
    do { fn(); calls++; } while (performance.now() - t0 < warmupMs || calls < 3);
    const perCall = (performance.now() - t0) / calls;
    return Math.max(1, Math.ceil(minMs / Math.max(perCall, 1e-6)));
  });
  const times = fns.map(() => []);
  for (let r = 0; r < repetitions; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      for (let j = 0; j < inner[i]; j++) fn();
      times[i].push((performance.now() - t0) / 1000 / inner[i]);
    });
  }
  return times.map(median);
}

/** Median seconds per call of one function. */
export function measure(fn, options) {
  return measureAll([fn], options)[0];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
