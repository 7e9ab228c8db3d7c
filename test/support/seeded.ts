/** A small seeded generator (mulberry32) for the property tests: a failure is reproducible from the seed in its name. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `max - 1` parts drawn from `parts`, joined: strings built around a rule's edges. */
export const pick = (next: () => number, parts: readonly string[], max: number): string =>
  Array.from({ length: Math.floor(next() * max) }, () => parts[Math.floor(next() * parts.length)]).join("");
