/** Small drawing helpers shared by the builtin generator's compositions. Pure functions. */

/** 32-bit FNV-1a. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const ch of text) {
    h ^= ch.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seedable generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A CSS hsl() colour, hue wrapped, lightness kept off pure black and white. */
export const hsl = (h: number, s: number, l: number) =>
  `hsl(${Math.round(((h % 360) + 360) % 360)},${Math.round(s)}%,${Math.round(Math.min(96, Math.max(4, l)))}%)`;

/** A number with at most one decimal, for compact SVG. */
export const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** A smooth closed silhouette along the bottom: a ridge line of summed sines. */
export function ridge(w: number, h: number, baseY: number, amp: number, rnd: () => number): string {
  const k1 = 1 + rnd() * 2;
  const k2 = 3 + rnd() * 4;
  const p1 = rnd() * Math.PI * 2;
  const p2 = rnd() * Math.PI * 2;
  const steps = 48;
  let d = `M0 ${f(h)}`;
  for (let i = 0; i <= steps; i++) {
    const x = (i / steps) * w;
    const t = (i / steps) * Math.PI * 2;
    const y = baseY - amp * (0.65 * Math.sin(k1 * t + p1) + 0.35 * Math.sin(k2 * t + p2));
    d += ` L${f(x)} ${f(y)}`;
  }
  return `${d} L${f(w)} ${f(h)} Z`;
}
