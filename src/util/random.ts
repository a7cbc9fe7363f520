// Seeded randomness on the host, independent of the core's RNG: toy data sets and
// validation splits are fixed by a seed without loading the core, and drawing
// them leaves the core's generator (shuffling, dropout) where it was.

/** mulberry32: a 32-bit seeded generator of uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place (Fisher–Yates) with draws from `random`; returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(items: T, random: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const v = items[i];
    items[i] = items[j];
    items[j] = v;
  }
  return items;
}
