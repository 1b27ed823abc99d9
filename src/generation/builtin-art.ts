/**
 * The builtin generator's drawing: a prompt and a seed become an SVG
 * composition — a palette and a scene chosen from the prompt's words, shapes
 * placed by a seeded random number generator. Pure functions, no I/O.
 */
import { f, fnv1a, hsl, ridge, seededRandom } from "./builtin-draw.ts";
import { hasScene, readPrompt, sceneSvg } from "./builtin-scene.ts";

export { fnv1a, seededRandom } from "./builtin-draw.ts";

const STOPWORDS = new Set(
  "a an the of and or in on at to with for from by into over under above below is are was be very some its it this that as".split(" "),
);

/** The prompt's content words, lower-cased, in order. */
export function promptWords(prompt: string): string[] {
  return (prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOPWORDS.has(w));
}

type Scene = "landscape" | "waves" | "bauhaus" | "orbits";

const HUES: Record<string, number> = {
  red: 0, rose: 345, pink: 330, fire: 12, sunset: 18, autumn: 25, orange: 28, desert: 35, gold: 45, golden: 45,
  sun: 45, yellow: 52, lemon: 55, spring: 95, green: 120, forest: 135, jungle: 130, mint: 160, teal: 178,
  ocean: 200, sea: 200, water: 195, sky: 205, ice: 195, winter: 210, blue: 220, night: 235, midnight: 240,
  space: 250, galaxy: 265, purple: 275, violet: 280, lavender: 270, dream: 290, magenta: 310, neon: 300,
};
const SCENES: Record<string, Scene> = {
  mountain: "landscape", mountains: "landscape", hill: "landscape", hills: "landscape", landscape: "landscape",
  valley: "landscape", sunset: "landscape", sunrise: "landscape", forest: "landscape", desert: "landscape",
  field: "landscape", sky: "landscape", sea: "waves", ocean: "waves", wave: "waves", waves: "waves",
  water: "waves", river: "waves", lake: "waves", beach: "waves", city: "bauhaus", building: "bauhaus",
  architecture: "bauhaus", geometric: "bauhaus", pattern: "bauhaus", abstract: "bauhaus", grid: "bauhaus",
  robot: "bauhaus", space: "orbits", planet: "orbits", planets: "orbits", star: "orbits", stars: "orbits",
  galaxy: "orbits", bubble: "orbits", bubbles: "orbits", cosmic: "orbits", moon: "orbits",
};
const DARK = new Set(["night", "dark", "midnight", "noir", "shadow", "gothic", "moody", "storm", "space", "galaxy"]);
const SOFT = new Set(["pastel", "soft", "dream", "dreamy", "gentle", "calm", "misty", "fog", "foggy", "morning"]);
const VIVID = new Set(["neon", "vivid", "bright", "bold", "electric", "vibrant", "psychedelic"]);

interface Palette {
  /** Background gradient, top to bottom. */
  sky: [string, string];
  /** Colours for shapes, lightest first. */
  inks: string[];
  /** A contrasting colour for the focal shape. */
  accent: string;
  dark: boolean;
  /** Colour number `i` of `count` in a ramp from far (hazy, light) to near (deep). */
  ramp(i: number, count: number): string;
}

function makePalette(words: string[], rnd: () => number): Palette {
  const keyed = words.find((w) => Object.hasOwn(HUES, w));
  const base = keyed ? HUES[keyed] + (rnd() - 0.5) * 16 : (fnv1a(words.join(" ")) % 360) + rnd() * 20;
  const dark = words.some((w) => DARK.has(w));
  const soft = words.some((w) => SOFT.has(w));
  const vivid = words.some((w) => VIVID.has(w));
  const sat = vivid ? 88 : soft ? 42 : 62 + rnd() * 14;
  const light = dark ? 22 : soft ? 78 : 58;
  const schemes = [
    [0, 25, -25, 50],
    [0, 180, 20, 200],
    [0, 120, 240, 30],
    [0, 150, 210, -20],
  ];
  const offsets = schemes[Math.floor(rnd() * schemes.length)];
  const inks = offsets.map((o, i) => hsl(base + o, sat - i * 4, light - i * (dark ? -6 : 8)));
  const sky: [string, string] = dark
    ? [hsl(base + 20, sat * 0.6, 8), hsl(base, sat * 0.7, 24)]
    : [hsl(base + 30, sat * 0.7, Math.min(92, light + 28)), hsl(base - 10, sat * 0.8, light + 8)];
  const drift = offsets[1] * 0.25;
  const ramp = (i: number, count: number) => {
    const t = count <= 1 ? 1 : i / (count - 1);
    const l = dark ? 34 - t * 26 : Math.min(86, light + 20) - t * (light - 8);
    return hsl(base + drift * t, sat * (0.55 + 0.45 * t), l);
  };
  return { sky, inks, accent: hsl(base + 180 + (rnd() - 0.5) * 40, Math.min(95, sat + 15), dark ? 72 : 55), dark, ramp };
}

function pickScene(words: string[], rnd: () => number): Scene {
  const keyed = words.find((w) => Object.hasOwn(SCENES, w));
  if (keyed) return SCENES[keyed];
  const all: Scene[] = ["landscape", "waves", "bauhaus", "orbits"];
  return all[(fnv1a(words.join(" ")) + Math.floor(rnd() * 2)) % all.length];
}

function landscape(w: number, h: number, p: Palette, words: string[], rnd: () => number): string[] {
  const out: string[] = [];
  const m = Math.min(w, h);
  const sx = w * (0.2 + rnd() * 0.6);
  const sy = h * (0.2 + rnd() * 0.25);
  const r = m * (0.08 + rnd() * 0.08);
  out.push(`<circle cx="${f(sx)}" cy="${f(sy)}" r="${f(r * 2.6)}" fill="url(#glow)"/>`);
  out.push(`<circle cx="${f(sx)}" cy="${f(sy)}" r="${f(r)}" fill="${p.accent}"/>`);
  if (p.dark) {
    for (let i = 0; i < 40 + words.length * 4; i++) {
      out.push(`<circle cx="${f(rnd() * w)}" cy="${f(rnd() * h * 0.55)}" r="${f(m * (0.001 + rnd() * 0.003))}" fill="#fff" opacity="${f(0.4 + rnd() * 0.6)}"/>`);
    }
  }
  const layers = 3 + Math.min(3, Math.floor(words.length / 3));
  for (let i = 0; i < layers; i++) {
    const baseY = h * (0.5 + (i / layers) * 0.42);
    out.push(`<path d="${ridge(w, h, baseY, h * (0.12 - i * 0.015), rnd)}" fill="${p.ramp(i, layers)}"/>`);
  }
  return out;
}

function waves(w: number, h: number, p: Palette, words: string[], rnd: () => number): string[] {
  const out = [`<circle cx="${f(w * (0.25 + rnd() * 0.5))}" cy="${f(h * 0.28)}" r="${f(Math.min(w, h) * 0.12)}" fill="${p.accent}" opacity="0.9"/>`];
  const bands = 5 + Math.min(5, words.length);
  for (let i = 0; i < bands; i++) {
    const baseY = h * (0.42 + (i / bands) * 0.55);
    const ink = i % 3 === 2 ? p.inks[i % p.inks.length] : p.ramp(i, bands);
    out.push(`<path d="${ridge(w, h, baseY, h * 0.03, rnd)}" fill="${ink}" opacity="${f(0.7 + rnd() * 0.3)}"/>`);
  }
  return out;
}

function bauhaus(w: number, h: number, p: Palette, words: string[], rnd: () => number): string[] {
  const out: string[] = [];
  const cols = 3 + (words.length % 3);
  const cell = w / cols;
  const rows = Math.ceil(h / cell);
  const colours = [...p.inks, p.accent];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = c * cell;
      const y = r * cell;
      const fill = colours[Math.floor(rnd() * colours.length)];
      const kind = Math.floor(rnd() * 5);
      const cx = x + cell / 2;
      const cy = y + cell / 2;
      if (kind === 0) out.push(`<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(cell * 0.4)}" fill="${fill}"/>`);
      else if (kind === 1) out.push(`<path d="M${f(x)} ${f(y + cell)} A${f(cell)} ${f(cell)} 0 0 1 ${f(x + cell)} ${f(y)} L${f(x + cell)} ${f(y + cell)} Z" fill="${fill}"/>`);
      else if (kind === 2) out.push(`<rect x="${f(x + cell * 0.15)}" y="${f(y + cell * 0.15)}" width="${f(cell * 0.7)}" height="${f(cell * 0.7)}" rx="${f(cell * 0.08)}" fill="${fill}"/>`);
      else if (kind === 3) out.push(`<path d="M${f(x)} ${f(y + cell)} L${f(cx)} ${f(y)} L${f(x + cell)} ${f(y + cell)} Z" fill="${fill}" opacity="0.9"/>`);
      else out.push(`<path d="M${f(x)} ${f(cy)} A${f(cell / 2)} ${f(cell / 2)} 0 0 1 ${f(x + cell)} ${f(cy)} Z" fill="${fill}"/>`);
    }
  }
  return out;
}

function orbits(w: number, h: number, p: Palette, words: string[], rnd: () => number): string[] {
  const out: string[] = [];
  const m = Math.min(w, h);
  const count = 6 + Math.min(18, words.length * 2);
  for (let i = 0; i < count; i++) {
    const word = words[i % Math.max(1, words.length)] ?? "";
    const wr = seededRandom(fnv1a(word, i + 1));
    const r = m * (0.03 + wr() * 0.16);
    const ink = i === 0 ? p.accent : p.inks[i % p.inks.length];
    out.push(`<circle cx="${f(wr() * w)}" cy="${f(rnd() * h)}" r="${f(r)}" fill="${ink}" opacity="${f(0.45 + rnd() * 0.5)}"/>`);
    if (wr() < 0.35) {
      out.push(`<ellipse cx="${f(rnd() * w)}" cy="${f(rnd() * h)}" rx="${f(r * 2.2)}" ry="${f(r * 0.5)}" fill="none" stroke="${ink}" stroke-width="${f(m * 0.004)}" opacity="0.7"/>`);
    }
  }
  return out;
}

const SCENE_DRAW = { landscape, waves, bauhaus, orbits };

export interface ArtOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  /** Leave the background transparent. */
  transparent?: boolean;
  /** Draw shapes at this opacity (for edits laid over another image). */
  opacity?: number;
}

/** Builds the SVG for a prompt, seed and size. Same inputs, same SVG. */
export function composeSvg(o: ArtOptions): string {
  const words = promptWords(o.prompt);
  // A prompt that names subjects, a sun or a moon becomes a picture of them; others an abstract composition.
  const read = readPrompt(words);
  if (hasScene(read)) return sceneSvg({ ...o, words, scene: read });
  const rnd = seededRandom(fnv1a(words.join(" ")) ^ Math.imul(o.seed >>> 0, 0x9e3779b1));
  const palette = makePalette(words, rnd);
  const scene = pickScene(words, rnd);
  const { width: w, height: h } = o;
  const angle = Math.floor(rnd() * 4) * 15;
  const shapes = SCENE_DRAW[scene](w, h, palette, words, rnd);
  const background = o.transparent ? "" : `<rect width="${w}" height="${h}" fill="url(#sky)"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    "<defs>",
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1" gradientTransform="rotate(${angle} 0.5 0.5)">`,
    `<stop offset="0" stop-color="${palette.sky[0]}"/><stop offset="1" stop-color="${palette.sky[1]}"/></linearGradient>`,
    `<radialGradient id="glow"><stop offset="0" stop-color="${palette.accent}" stop-opacity="0.55"/>`,
    `<stop offset="1" stop-color="${palette.accent}" stop-opacity="0"/></radialGradient>`,
    `<radialGradient id="vignette" cx="0.5" cy="0.45" r="0.75"><stop offset="0.6" stop-color="#000" stop-opacity="0"/>`,
    `<stop offset="1" stop-color="#000" stop-opacity="${palette.dark ? 0.45 : 0.22}"/></radialGradient>`,
    "</defs>",
    background,
    `<g opacity="${o.opacity ?? 1}">`,
    ...shapes,
    "</g>",
    o.transparent ? "" : `<rect width="${w}" height="${h}" fill="url(#vignette)"/>`,
    "</svg>",
  ].join("");
}
