/**
 * The builtin generator's scenes: a prompt read for subjects (mountains, sea,
 * city, forest, a cat, flowers, a boat…), colours, the time of day, weather
 * and a style, and drawn as a picture of them — sky, sun or moon, land and
 * figures. Pure functions, no I/O; same inputs, same SVG.
 */
import { f, fnv1a, hsl, ridge, seededRandom } from "./builtin-draw.ts";

export type Land = "mountains" | "hills" | "city" | "forest" | "desert" | "field" | "sea";
export type Figure = "cat" | "dog" | "bird" | "flower" | "tree" | "boat" | "house" | "lighthouse";
export type TimeOfDay = "day" | "dawn" | "sunset" | "night";
export type Style = "plain" | "watercolor" | "neon" | "minimal";
export type Weather = "clear" | "clouds" | "rain" | "snow" | "fog";

/** What a prompt asks for, as far as the builtin generator understands it. */
export interface PromptScene {
  /** Landforms, far to near. */
  land: Land[];
  figures: Figure[];
  time: TimeOfDay;
  style: Style;
  weather: Weather;
  /** A sun or a moon the prompt names (otherwise the time of day decides). */
  body: "sun" | "moon" | null;
  /** The hue of the first colour word, for the figures and the land. */
  hue: number | null;
  /** black, white or grey: how light the figures are. */
  shade: "dark" | "light" | "grey" | null;
}

const LAND: Record<string, Land> = {
  mountain: "mountains", mountains: "mountains", peak: "mountains", peaks: "mountains", alps: "mountains", volcano: "mountains",
  hill: "hills", hills: "hills", valley: "hills", meadow: "field", meadows: "field", field: "field", fields: "field", garden: "field",
  city: "city", town: "city", skyline: "city", buildings: "city", building: "city", street: "city", skyscraper: "city", skyscrapers: "city",
  forest: "forest", woods: "forest", jungle: "forest", pines: "forest", desert: "desert", dunes: "desert", dune: "desert", sand: "desert",
  sea: "sea", ocean: "sea", lake: "sea", pond: "sea", bay: "sea", harbour: "sea", harbor: "sea", beach: "sea", coast: "sea", waves: "sea", wave: "sea", river: "sea",
};
const FIGURES: Record<string, Figure> = {
  cat: "cat", cats: "cat", kitten: "cat", kitty: "cat", fox: "cat", dog: "dog", dogs: "dog", puppy: "dog", wolf: "dog",
  bird: "bird", birds: "bird", gull: "bird", gulls: "bird", crow: "bird", owl: "bird", owls: "bird", swan: "bird", swans: "bird",
  flower: "flower", flowers: "flower", rose: "flower", roses: "flower", tulip: "flower", tulips: "flower", sunflower: "flower", sunflowers: "flower", daisy: "flower", poppies: "flower",
  tree: "tree", trees: "tree", oak: "tree", boat: "boat", boats: "boat", ship: "boat", sailboat: "boat", yacht: "boat",
  house: "house", cottage: "house", cabin: "house", home: "house", lighthouse: "lighthouse",
};
const TIMES: Record<string, TimeOfDay> = {
  night: "night", midnight: "night", nocturnal: "night", stars: "night", starry: "night", moonlight: "night", moonlit: "night", evening: "sunset",
  sunset: "sunset", dusk: "sunset", twilight: "sunset", golden: "sunset", dawn: "dawn", sunrise: "dawn", morning: "dawn", daybreak: "dawn",
  day: "day", noon: "day", midday: "day", afternoon: "day", sunny: "day",
};
const STYLES: Record<string, Style> = {
  watercolor: "watercolor", watercolour: "watercolor", painting: "watercolor", painted: "watercolor", aquarelle: "watercolor",
  neon: "neon", cyberpunk: "neon", synthwave: "neon", glowing: "neon", minimal: "minimal", minimalist: "minimal", simple: "minimal", flat: "minimal",
};
const WEATHER: Record<string, Weather> = {
  snow: "snow", snowy: "snow", winter: "snow", snowing: "snow", rain: "rain", rainy: "rain", raining: "rain", storm: "rain", stormy: "rain",
  fog: "fog", foggy: "fog", mist: "fog", misty: "fog", haze: "fog", cloud: "clouds", clouds: "clouds", cloudy: "clouds",
};
const COLOURS: Record<string, number> = {
  red: 2, crimson: 350, pink: 330, rose: 345, orange: 26, amber: 38, gold: 45, golden: 44, yellow: 52, lime: 90, green: 125, emerald: 145,
  mint: 160, teal: 178, turquoise: 172, cyan: 188, blue: 218, navy: 228, indigo: 245, purple: 275, violet: 280, lavender: 268, magenta: 305,
  brown: 28, copper: 22,
};
const SHADES: Record<string, PromptScene["shade"]> = { black: "dark", dark: "dark", white: "light", snowwhite: "light", grey: "grey", gray: "grey", silver: "grey" };
/** Far to near: the order landforms are drawn in. */
const DEPTH: Land[] = ["mountains", "hills", "city", "forest", "desert", "field", "sea"];

const first = <T>(words: string[], table: Record<string, T>): T | undefined => {
  const w = words.find((x) => Object.hasOwn(table, x));
  return w === undefined ? undefined : table[w];
};

/** Reads a prompt's words (lower-cased content words, as `promptWords` gives them). */
export function readPrompt(words: string[]): PromptScene {
  const land = DEPTH.filter((l) => words.some((w) => LAND[w] === l && Object.hasOwn(LAND, w)));
  const figures = [...new Set(words.filter((w) => Object.hasOwn(FIGURES, w)).map((w) => FIGURES[w]))];
  // Boats and lighthouses belong by the water.
  if (!land.includes("sea") && figures.some((x) => x === "boat" || x === "lighthouse")) land.push("sea");
  const body = words.includes("moon") ? "moon" : words.includes("sun") ? "sun" : null;
  const time = first(words, TIMES) ?? (body === "moon" ? "night" : "day");
  return {
    land,
    figures,
    time,
    style: first(words, STYLES) ?? "plain",
    weather: first(words, WEATHER) ?? "clear",
    body,
    hue: first(words, COLOURS) ?? (words.includes("fox") ? COLOURS.orange : null),
    shade: first(words, SHADES) ?? null,
  };
}

/** Whether the prompt named anything a scene draws (else the abstract compositions take it). */
export const hasScene = (s: PromptScene) => s.land.length > 0 || s.figures.length > 0 || s.body !== null;

/** Sky colours top to bottom, and how light the land is, by time of day. */
const SKIES: Record<TimeOfDay, { sky: [string, string, string]; light: number; sat: number; shift: number }> = {
  day: { sky: ["hsl(212,72%,58%)", "hsl(205,70%,74%)", "hsl(195,60%,88%)"], light: 44, sat: 45, shift: 0 },
  dawn: { sky: ["hsl(222,42%,66%)", "hsl(335,55%,82%)", "hsl(28,85%,84%)"], light: 52, sat: 30, shift: 10 },
  sunset: { sky: ["hsl(262,45%,30%)", "hsl(332,62%,56%)", "hsl(28,92%,60%)"], light: 22, sat: 38, shift: 25 },
  night: { sky: ["hsl(232,58%,7%)", "hsl(230,50%,15%)", "hsl(238,40%,24%)"], light: 13, sat: 35, shift: 0 },
};
/** The water's hue by time of day (it mirrors the sky). */
const SEA_HUE: Record<TimeOfDay, number> = { day: 205, dawn: 225, sunset: 300, night: 232 };
/** Each landform's own hue when no colour word is given. */
const LAND_HUE: Record<Land, number> = { mountains: 222, hills: 105, city: 228, forest: 135, desert: 34, field: 95, sea: 200 };

interface Paint {
  /** `fill` (or, in neon, an outline) for a colour. */
  (colour: string, extra?: string): string;
}

/** The SVG for a scene. `transparent` leaves out the sky; `opacity` draws everything at it (edits laid over an image). */
export function sceneSvg(o: { words: string[]; scene: PromptScene; seed: number; width: number; height: number; transparent?: boolean; opacity?: number }): string {
  const { scene: s, width: w, height: h } = o;
  const rnd = seededRandom(fnv1a(o.words.join(" ")) ^ Math.imul(o.seed >>> 0, 0x9e3779b1));
  const m = Math.min(w, h);
  const neon = s.style === "neon";
  const minimal = s.style === "minimal";
  const time: TimeOfDay = neon && s.time === "day" ? "night" : s.time;
  const tone = SKIES[time];
  const dark = time === "night" || neon;
  const sea = s.land.includes("sea");
  const horizon = h * (sea ? 0.6 : 0.66) + (rnd() - 0.5) * h * 0.06;
  const snow = s.weather === "snow";
  const neonInks = ["hsl(305,100%,62%)", "hsl(186,100%,55%)", "hsl(52,100%,60%)", "hsl(268,100%,70%)"];
  let inkIndex = 0;
  const paint: Paint = neon
    ? (_colour, extra = "") => `fill="hsl(260,60%,6%)" stroke="${neonInks[inkIndex++ % neonInks.length]}" stroke-width="${f(m * 0.006)}" stroke-linejoin="round"${extra}`
    : (colour, extra = "") => `fill="${colour}"${extra}`;
  /** A land colour: `t` from far (0, hazier) to near (1). */
  const landInk = (land: Land, t: number) => {
    // The sea takes the sky's colour; at sunset the land is a dark silhouette against it.
    const own = land === "sea" ? SEA_HUE[time] : LAND_HUE[land];
    // A colour word colours the figures when there are any, else the land.
    const hue = ((s.figures.length ? null : s.hue) ?? own) - tone.shift * (1 - t);
    const snowy = snow && land !== "forest" && land !== "city" && land !== "sea";
    const l = (snowy ? tone.light + 30 : tone.light) + (1 - t) * (dark || time === "sunset" ? 8 : 18) - t * 6 + (land === "sea" && time === "dawn" ? 12 : 0);
    return hsl(hue, minimal ? tone.sat * 0.6 : tone.sat + t * 10, l);
  };
  const figureInk = () => {
    if (s.shade === "dark") return hsl(240, 10, dark ? 4 : 12);
    if (s.shade === "light") return hsl(40, 20, 93);
    if (s.shade === "grey") return hsl(220, 6, 55);
    if (s.hue !== null) return hsl(s.hue, 75, dark ? 40 : 50);
    return time === "sunset" || dark ? hsl(270, 30, 9) : hsl(25, 35, 24);
  };

  const out: string[] = [];
  // Neon's night is purple; rain by day is overcast grey.
  const sky = neon
    ? ["hsl(270,70%,8%)", "hsl(300,60%,16%)", "hsl(320,70%,28%)"]
    : s.weather === "rain" && !dark
      ? ["hsl(215,14%,40%)", "hsl(210,12%,56%)", "hsl(205,12%,68%)"]
      : tone.sky;
  const defs: string[] = [
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/>`,
    `<stop offset="0.6" stop-color="${sky[1]}"/><stop offset="1" stop-color="${sky[2]}"/></linearGradient>`,
  ];

  // The sun or the moon: low over the horizon at dawn and sunset, high by day, a crescent at night.
  const showBody = s.body ?? (time === "night" ? "moon" : "sun");
  if (!(minimal && s.body === null && time === "day") && s.weather !== "rain") {
    const bx = w * (0.22 + rnd() * 0.56);
    const low = time === "sunset" || time === "dawn";
    const r = m * (showBody === "moon" ? 0.06 : low ? 0.11 : 0.07) * (s.body ? 1.4 : 1);
    // Behind mountains a low sun is drawn higher, so that it shows above them.
    const by = low ? horizon - (s.land.includes("mountains") ? h * 0.3 : r * 0.45) : h * (0.16 + rnd() * 0.12);
    const colour = showBody === "moon" ? "hsl(48,60%,90%)" : time === "sunset" ? "hsl(22,100%,62%)" : time === "dawn" ? "hsl(42,100%,74%)" : "hsl(50,100%,80%)";
    if (!minimal) {
      defs.push(`<radialGradient id="glow"><stop offset="0" stop-color="${colour}" stop-opacity="0.6"/><stop offset="1" stop-color="${colour}" stop-opacity="0"/></radialGradient>`);
      out.push(`<circle cx="${f(bx)}" cy="${f(by)}" r="${f(r * 3)}" fill="url(#glow)"/>`);
    }
    if (showBody === "moon") {
      defs.push(`<mask id="crescent"><rect width="${w}" height="${h}" fill="#fff"/><circle cx="${f(bx + r * 0.45)}" cy="${f(by - r * 0.3)}" r="${f(r * 0.85)}" fill="#000"/></mask>`);
      out.push(`<circle id="moon" cx="${f(bx)}" cy="${f(by)}" r="${f(r)}" ${paint(colour, ' mask="url(#crescent)"')}/>`);
    } else {
      out.push(`<circle id="sun" cx="${f(bx)}" cy="${f(by)}" r="${f(r)}" ${paint(colour)}/>`);
    }
    if (sea && !minimal) {
      out.push(`<ellipse cx="${f(bx)}" cy="${f(horizon + (h - horizon) * 0.35)}" rx="${f(r * 0.8)}" ry="${f((h - horizon) * 0.32)}" fill="${colour}" opacity="0.35"/>`);
    }
  }
  if (dark && !minimal && s.weather !== "clouds" && s.weather !== "rain") {
    for (let i = 0; i < 70; i++) out.push(`<circle cx="${f(rnd() * w)}" cy="${f(rnd() * horizon * 0.85)}" r="${f(m * (0.001 + rnd() * 0.0025))}" fill="#fff" opacity="${f(0.35 + rnd() * 0.65)}"/>`);
  }
  if (s.weather === "clouds" || s.weather === "rain") {
    const grey = s.weather === "rain" ? hsl(220, 10, dark ? 22 : 58) : hsl(0, 0, dark ? 30 : 97);
    for (let i = 0; i < (minimal ? 2 : 4); i++) {
      const cx = rnd() * w;
      const cy = h * (0.1 + rnd() * 0.25);
      const cw = m * (0.12 + rnd() * 0.1);
      out.push(`<g id="cloud" opacity="0.92"><ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(cw)}" ry="${f(cw * 0.32)}" ${paint(grey)}/><circle cx="${f(cx - cw * 0.3)}" cy="${f(cy - cw * 0.15)}" r="${f(cw * 0.35)}" ${paint(grey)}/><circle cx="${f(cx + cw * 0.2)}" cy="${f(cy - cw * 0.25)}" r="${f(cw * 0.45)}" ${paint(grey)}/></g>`);
    }
  }

  // Land, far to near.
  const lands = s.land.length ? s.land : ["hills" as Land];
  const layers = minimal ? 1 : 3;
  for (const land of lands) {
    if (land === "mountains") {
      for (let i = 0; i < layers + (minimal ? 0 : -1); i++) {
        const t = layers <= 1 ? 1 : i / (layers - 1);
        const base = horizon + (sea ? 0 : h * 0.05 * i);
        const peaks = 3 + Math.floor(rnd() * 3);
        let d = `M0 ${f(base)}`;
        const tops: Array<[number, number]> = [];
        for (let p = 0; p < peaks; p++) {
          const x0 = (p / peaks) * w;
          const top: [number, number] = [x0 + (w / peaks) * (0.3 + rnd() * 0.4), base - h * (0.18 + rnd() * 0.2) * (1 - t * 0.4)];
          tops.push(top);
          d += ` L${f(top[0])} ${f(top[1])} L${f(x0 + w / peaks)} ${f(base - h * rnd() * 0.05)}`;
        }
        d += ` L${f(w)} ${f(h)} L0 ${f(h)} Z`;
        out.push(`<path id="mountains" d="${d}" ${paint(landInk("mountains", t))}/>`);
        if ((snow || time !== "sunset") && !neon) {
          // Snow on the peaks: a cap below each top.
          for (const [x, y] of tops) {
            const cap = h * (snow ? 0.08 : 0.045);
            const half = cap * 0.7;
            out.push(`<path d="M${f(x)} ${f(y)} L${f(x + half)} ${f(y + cap)} L${f(x + half * 0.3)} ${f(y + cap * 0.8)} L${f(x - half * 0.2)} ${f(y + cap)} L${f(x - half)} ${f(y + cap)} Z" fill="hsl(210,30%,${dark ? 70 : 96}%)" opacity="0.95"/>`);
          }
        }
      }
    } else if (land === "hills" || land === "desert" || land === "field") {
      const n = land === "desert" ? layers + 1 : layers;
      for (let i = 0; i < n; i++) {
        const t = n <= 1 ? 1 : i / (n - 1);
        const base = horizon + (h - horizon) * 0.3 * t + (sea ? -h * 0.04 : 0);
        out.push(`<path id="${land}" d="${ridge(w, h, base, h * (land === "desert" ? 0.05 : 0.07), rnd)}" ${paint(landInk(land, t))}/>`);
      }
      if (land === "field" && !minimal) {
        for (let i = 0; i < 60; i++) {
          const y = horizon + (h - horizon) * (0.35 + rnd() * 0.6);
          out.push(`<circle cx="${f(rnd() * w)}" cy="${f(y)}" r="${f(m * 0.004 * (y / h) * 1.6)}" fill="${hsl(s.hue ?? [350, 50, 0, 280][i % 4], 85, 62)}"/>`);
        }
      }
    } else if (land === "city") {
      let x = -rnd() * m * 0.05;
      while (x < w) {
        const bw = m * (0.06 + rnd() * 0.08);
        const bh = h * (0.12 + rnd() * 0.3);
        const top = horizon + h * 0.04 - bh;
        out.push(`<rect id="building" x="${f(x)}" y="${f(top)}" width="${f(bw)}" height="${f(h - top)}" ${paint(landInk("city", 0.3 + rnd() * 0.5))}/>`);
        if (!minimal) {
          const lit = dark ? "hsl(45,100%,70%)" : hsl(205, 40, 80);
          for (let wy = top + m * 0.02; wy < horizon; wy += m * 0.035) {
            for (let wx = x + m * 0.012; wx < x + bw - m * 0.02; wx += m * 0.028) {
              if (rnd() < (dark ? 0.55 : 0.8)) out.push(`<rect x="${f(wx)}" y="${f(wy)}" width="${f(m * 0.012)}" height="${f(m * 0.016)}" fill="${lit}" opacity="0.9"/>`);
            }
          }
        }
        x += bw + m * 0.008;
      }
    } else if (land === "forest") {
      for (let row = 0; row < (minimal ? 1 : 2); row++) {
        const t = row === 0 ? 0.3 : 1;
        const base = horizon + h * 0.03 + row * h * 0.06;
        for (let x = -m * 0.02; x < w; x += m * (0.035 + rnd() * 0.03)) {
          const th = m * (0.1 + rnd() * 0.09) * (0.8 + t * 0.4);
          const tw = th * 0.42;
          out.push(`<path id="pine" d="M${f(x)} ${f(base - th)} L${f(x + tw / 2)} ${f(base)} L${f(x - tw / 2)} ${f(base)} Z" ${paint(landInk("forest", t))}/>`);
          if (snow) out.push(`<path d="M${f(x)} ${f(base - th)} L${f(x + tw * 0.16)} ${f(base - th * 0.66)} L${f(x - tw * 0.16)} ${f(base - th * 0.66)} Z" fill="#f4f7fb"/>`);
        }
        out.push(`<rect x="0" y="${f(base - 1)}" width="${w}" height="${f(h - base + 1)}" ${paint(landInk("forest", t))}/>`);
      }
    } else {
      // The sea: water from the horizon down, with lines of waves.
      const water = landInk("sea", 0.6);
      out.push(`<rect id="sea" x="0" y="${f(horizon)}" width="${w}" height="${f(h - horizon)}" ${paint(water, ' opacity="0.97"')}/>`);
      if (!minimal) {
        for (let i = 0; i < 14; i++) {
          const y = horizon + (h - horizon) * (0.08 + (i / 14) * 0.9);
          const x = rnd() * w;
          const len = m * (0.04 + rnd() * 0.1) * (y / h);
          out.push(`<path d="M${f(x)} ${f(y)} q${f(len / 2)} ${f(-m * 0.008)} ${f(len)} 0" fill="none" stroke="hsl(0,0%,100%)" stroke-opacity="${dark ? 0.25 : 0.5}" stroke-width="${f(m * 0.003)}"/>`);
        }
      }
    }
  }

  // Figures on the ground (land ones stand on the shore when there is sea), boats on the water, birds in the sky.
  const ground = h * (0.86 + rnd() * 0.04);
  const landFigures = s.figures.filter((x) => x !== "boat" && x !== "bird");
  if (sea && landFigures.length) out.push(`<path d="${ridge(w, h, ground - m * 0.02, h * 0.02, rnd)}" ${paint(landInk(s.land.find((l) => l !== "sea") ?? "desert", 1))}/>`);
  const ink = figureInk();
  const slots = landFigures.length;
  landFigures.forEach((fig, i) => {
    const x = w * ((i + 0.5) / slots) + (rnd() - 0.5) * w * 0.1;
    out.push(drawFigure(fig, x, ground, m * (minimal ? 0.9 : 1), { ink, paint, dark, rnd, hue: s.hue, horizon }));
  });
  if (s.figures.includes("boat")) {
    const y = sea ? horizon + (h - horizon) * 0.45 : ground;
    out.push(drawFigure("boat", w * (0.3 + rnd() * 0.4), y, m, { ink, paint, dark, rnd, hue: s.hue, horizon }));
  }
  if (s.figures.includes("bird")) {
    for (let i = 0; i < (minimal ? 2 : 5); i++) out.push(drawFigure("bird", w * (0.15 + rnd() * 0.7), h * (0.12 + rnd() * 0.3), m, { ink, paint, dark, rnd, hue: s.hue, horizon }));
  }

  // Weather over everything.
  if (snow && !minimal) for (let i = 0; i < 120; i++) out.push(`<circle cx="${f(rnd() * w)}" cy="${f(rnd() * h)}" r="${f(m * (0.002 + rnd() * 0.004))}" fill="#fff" opacity="0.85"/>`);
  if (s.weather === "rain") {
    for (let i = 0; i < 90; i++) {
      const x = rnd() * w;
      const y = rnd() * h;
      out.push(`<path d="M${f(x)} ${f(y)} l${f(-m * 0.012)} ${f(m * 0.04)}" stroke="hsl(210,40%,85%)" stroke-opacity="0.5" stroke-width="${f(m * 0.002)}"/>`);
    }
  }
  if (s.weather === "fog") {
    for (let i = 0; i < 4; i++) out.push(`<rect x="0" y="${f(horizon - h * 0.12 + i * h * 0.07)}" width="${w}" height="${f(h * 0.06)}" fill="#fff" opacity="0.22"/>`);
  }

  // The style: a watercolour's soft, bleeding edges on paper; neon's glow; minimal's flat calm.
  let group = `<g opacity="${o.opacity ?? 1}">`;
  if (s.style === "watercolor") {
    defs.push(
      `<filter id="wash" x="-5%" y="-5%" width="110%" height="110%"><feTurbulence type="fractalNoise" baseFrequency="${Math.max(0.003, 6 / m).toFixed(4)}" numOctaves="2" seed="${o.seed % 1000}"/>`,
      `<feDisplacementMap in="SourceGraphic" scale="${f(m * 0.02)}" xChannelSelector="R" yChannelSelector="G"/><feGaussianBlur stdDeviation="${f(m * 0.0015)}"/></filter>`,
    );
    group = `<g opacity="${f((o.opacity ?? 1) * 0.86)}" filter="url(#wash)">`;
  } else if (neon) {
    defs.push(`<filter id="neon" x="-10%" y="-10%" width="120%" height="120%"><feGaussianBlur stdDeviation="${f(m * 0.006)}" result="b"/><feMerge><feMergeNode in="b"/><feMergeNode in="SourceGraphic"/></feMerge></filter>`);
    group = `<g opacity="${o.opacity ?? 1}" filter="url(#neon)">`;
  }
  const paper = s.style === "watercolor" ? `<rect width="${w}" height="${h}" fill="hsl(40,45%,95%)" opacity="0.35"/>` : "";
  const vignette = minimal || o.transparent ? "" : `<rect width="${w}" height="${h}" fill="url(#vignette)"/>`;
  defs.push(`<radialGradient id="vignette" cx="0.5" cy="0.45" r="0.75"><stop offset="0.6" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${dark ? 0.4 : 0.16}"/></radialGradient>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" data-time="${time}" data-style="${s.style}">`,
    `<defs>${defs.join("")}</defs>`,
    o.transparent ? "" : `<rect width="${w}" height="${h}" fill="url(#sky)"/>`,
    group,
    ...out,
    "</g>",
    o.transparent ? "" : paper,
    vignette,
    "</svg>",
  ].join("");
}

interface FigureContext {
  ink: string;
  paint: Paint;
  dark: boolean;
  rnd: () => number;
  hue: number | null;
  horizon: number;
}

/** One figure standing at (x, y), sized from `m` (the picture's shorter side). */
function drawFigure(fig: Figure, x: number, y: number, m: number, c: FigureContext): string {
  const { paint, ink, rnd } = c;
  const s = m * (0.9 + rnd() * 0.3);
  switch (fig) {
    case "cat": {
      // Sitting, seen from behind: body, head, pointed ears, a curled tail.
      const r = s * 0.09;
      const hx = x;
      const hy = y - r * 2.3;
      return `<g id="cat"><ellipse cx="${f(x)}" cy="${f(y - r)}" rx="${f(r * 0.95)}" ry="${f(r * 1.25)}" ${paint(ink)}/><circle cx="${f(hx)}" cy="${f(hy)}" r="${f(r * 0.62)}" ${paint(ink)}/><path d="M${f(hx - r * 0.58)} ${f(hy - r * 0.1)} L${f(hx - r * 0.45)} ${f(hy - r * 1.05)} L${f(hx - r * 0.05)} ${f(hy - r * 0.5)} Z M${f(hx + r * 0.58)} ${f(hy - r * 0.1)} L${f(hx + r * 0.45)} ${f(hy - r * 1.05)} L${f(hx + r * 0.05)} ${f(hy - r * 0.5)} Z" ${paint(ink)}/><path d="M${f(x + r * 0.8)} ${f(y - r * 0.2)} q${f(r * 1.2)} ${f(-r * 0.1)} ${f(r * 1.1)} ${f(-r * 1.3)}" fill="none" stroke="${ink}" stroke-width="${f(r * 0.28)}" stroke-linecap="round"/></g>`;
    }
    case "dog": {
      const r = s * 0.08;
      return `<g id="dog"><ellipse cx="${f(x)}" cy="${f(y - r * 1.5)}" rx="${f(r * 1.6)}" ry="${f(r * 0.75)}" ${paint(ink)}/><rect x="${f(x - r * 1.3)}" y="${f(y - r * 1.2)}" width="${f(r * 0.35)}" height="${f(r * 1.2)}" ${paint(ink)}/><rect x="${f(x + r * 0.95)}" y="${f(y - r * 1.2)}" width="${f(r * 0.35)}" height="${f(r * 1.2)}" ${paint(ink)}/><circle cx="${f(x + r * 1.7)}" cy="${f(y - r * 2.4)}" r="${f(r * 0.6)}" ${paint(ink)}/><ellipse cx="${f(x + r * 2.3)}" cy="${f(y - r * 2.25)}" rx="${f(r * 0.5)}" ry="${f(r * 0.28)}" ${paint(ink)}/><path d="M${f(x - r * 1.5)} ${f(y - r * 1.8)} l${f(-r * 0.7)} ${f(-r * 0.7)}" stroke="${ink}" stroke-width="${f(r * 0.3)}" stroke-linecap="round"/></g>`;
    }
    case "flower": {
      const parts: string[] = [];
      for (let k = 0; k < 3; k++) {
        const fx = x + (k - 1) * s * 0.09 + (rnd() - 0.5) * s * 0.03;
        const top = y - s * (0.16 + rnd() * 0.1);
        const pr = s * 0.028;
        const petal = hsl(c.hue ?? [350, 48, 285][k], 85, c.dark ? 45 : 62);
        parts.push(`<path d="M${f(fx)} ${f(y)} L${f(fx)} ${f(top)}" stroke="hsl(120,45%,${c.dark ? 18 : 32}%)" stroke-width="${f(s * 0.008)}"/>`);
        for (let p = 0; p < 6; p++) {
          const a = (p / 6) * Math.PI * 2;
          parts.push(`<circle cx="${f(fx + Math.cos(a) * pr)}" cy="${f(top + Math.sin(a) * pr)}" r="${f(pr * 0.75)}" ${paint(petal)}/>`);
        }
        parts.push(`<circle cx="${f(fx)}" cy="${f(top)}" r="${f(pr * 0.55)}" fill="hsl(45,95%,55%)"/>`);
      }
      return `<g id="flower">${parts.join("")}</g>`;
    }
    case "tree": {
      const th = s * 0.3;
      const leaf = c.hue !== null ? hsl(c.hue, 60, c.dark ? 22 : 38) : hsl(130, 45, c.dark ? 14 : 30);
      return `<g id="tree"><rect x="${f(x - th * 0.05)}" y="${f(y - th * 0.5)}" width="${f(th * 0.1)}" height="${f(th * 0.5)}" ${paint(hsl(25, 35, c.dark ? 10 : 24))}/><circle cx="${f(x)}" cy="${f(y - th * 0.7)}" r="${f(th * 0.3)}" ${paint(leaf)}/><circle cx="${f(x - th * 0.18)}" cy="${f(y - th * 0.55)}" r="${f(th * 0.2)}" ${paint(leaf)}/><circle cx="${f(x + th * 0.2)}" cy="${f(y - th * 0.57)}" r="${f(th * 0.22)}" ${paint(leaf)}/></g>`;
    }
    case "house": {
      const hw = s * 0.2;
      const wall = c.hue !== null ? hsl(c.hue, 55, c.dark ? 25 : 55) : hsl(20, 30, c.dark ? 16 : 70);
      const win = c.dark ? "hsl(45,100%,68%)" : "hsl(205,45%,80%)";
      return `<g id="house"><rect x="${f(x - hw / 2)}" y="${f(y - hw * 0.7)}" width="${f(hw)}" height="${f(hw * 0.7)}" ${paint(wall)}/><path d="M${f(x - hw * 0.6)} ${f(y - hw * 0.68)} L${f(x)} ${f(y - hw * 1.15)} L${f(x + hw * 0.6)} ${f(y - hw * 0.68)} Z" ${paint(hsl(5, 45, c.dark ? 14 : 38))}/><rect x="${f(x - hw * 0.3)}" y="${f(y - hw * 0.5)}" width="${f(hw * 0.18)}" height="${f(hw * 0.18)}" fill="${win}"/><rect x="${f(x + hw * 0.1)}" y="${f(y - hw * 0.4)}" width="${f(hw * 0.16)}" height="${f(hw * 0.4)}" fill="${hsl(25, 40, c.dark ? 8 : 28)}"/></g>`;
    }
    case "lighthouse": {
      const lh = s * 0.42;
      const top = y - lh;
      const bw = lh * 0.16;
      const tw = lh * 0.1;
      const beam = c.dark ? `<path d="M${f(x)} ${f(top + lh * 0.05)} L${f(x - m * 0.6)} ${f(top - lh * 0.1)} L${f(x - m * 0.6)} ${f(top + lh * 0.22)} Z" fill="hsl(50,100%,80%)" opacity="0.28"/>` : "";
      const stripes = [0.25, 0.55].map((k) => `<rect x="${f(x - bw / 2 + (bw - tw) * k * 0.5)}" y="${f(top + lh * 0.1 + lh * k)}" width="${f(bw - (bw - tw) * k)}" height="${f(lh * 0.12)}" fill="hsl(2,70%,45%)"/>`);
      return `<g id="lighthouse">${beam}<path d="M${f(x - bw / 2)} ${f(y)} L${f(x - tw / 2)} ${f(top + lh * 0.1)} L${f(x + tw / 2)} ${f(top + lh * 0.1)} L${f(x + bw / 2)} ${f(y)} Z" ${paint("hsl(40,20%,94%)")}/>${stripes.join("")}<rect x="${f(x - tw * 0.6)}" y="${f(top)}" width="${f(tw * 1.2)}" height="${f(lh * 0.1)}" fill="hsl(50,100%,${c.dark ? 75 : 60}%)"/><path d="M${f(x - tw * 0.8)} ${f(top)} L${f(x)} ${f(top - lh * 0.08)} L${f(x + tw * 0.8)} ${f(top)} Z" ${paint("hsl(2,60%,30%)")}/></g>`;
    }
    case "boat": {
      const bl = s * 0.22;
      const sail = c.hue !== null ? hsl(c.hue, 70, 55) : "hsl(40,30%,95%)";
      return `<g id="boat"><path d="M${f(x - bl / 2)} ${f(y - bl * 0.12)} L${f(x + bl / 2)} ${f(y - bl * 0.12)} L${f(x + bl * 0.36)} ${f(y)} L${f(x - bl * 0.36)} ${f(y)} Z" ${paint(c.dark ? "hsl(25,30%,12%)" : "hsl(20,45%,30%)")}/><path d="M${f(x)} ${f(y - bl * 0.12)} L${f(x)} ${f(y - bl * 0.85)}" stroke="${ink}" stroke-width="${f(bl * 0.025)}"/><path d="M${f(x + bl * 0.02)} ${f(y - bl * 0.82)} L${f(x + bl * 0.34)} ${f(y - bl * 0.2)} L${f(x + bl * 0.02)} ${f(y - bl * 0.2)} Z" ${paint(sail)}/><path d="M${f(x - bl * 0.02)} ${f(y - bl * 0.7)} L${f(x - bl * 0.26)} ${f(y - bl * 0.2)} L${f(x - bl * 0.02)} ${f(y - bl * 0.2)} Z" ${paint(sail)}/></g>`;
    }
    case "bird": {
      const bw = m * (0.025 + rnd() * 0.02);
      return `<path id="bird" d="M${f(x - bw)} ${f(y - bw * 0.35)} Q${f(x - bw * 0.45)} ${f(y - bw * 0.55)} ${f(x)} ${f(y)} Q${f(x + bw * 0.45)} ${f(y - bw * 0.55)} ${f(x + bw)} ${f(y - bw * 0.35)}" fill="none" stroke="${c.dark ? "hsl(0,0%,85%)" : "hsl(230,25%,18%)"}" stroke-width="${f(bw * 0.14)}" stroke-linecap="round"/>`;
    }
  }
}
