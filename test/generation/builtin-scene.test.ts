import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { composeSvg, promptWords } from "../../src/generation/builtin-art.ts";
import { hasScene, readPrompt } from "../../src/generation/builtin-scene.ts";

const read = (prompt: string) => readPrompt(promptWords(prompt));
const svg = (prompt: string, seed = 3) => composeSvg({ prompt, seed, width: 384, height: 384 });
const png = (prompt: string, seed = 3) => sharp(Buffer.from(svg(prompt, seed))).png().toBuffer();
/** Mean red, green, blue of the picture (or of its top `part`). */
async function means(prompt: string, part = 1): Promise<[number, number, number]> {
  const image = sharp(await png(prompt));
  const { channels } = await (part < 1 ? sharp(await image.extract({ left: 0, top: 0, width: 384, height: Math.round(384 * part) }).toBuffer()) : image).stats();
  return [channels[0].mean, channels[1].mean, channels[2].mean];
}
const luminance = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
async function distinctColours(bytes: Buffer): Promise<number> {
  const { data } = await sharp(bytes).resize(96, 96, { fit: "fill", kernel: "nearest" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const set = new Set<number>();
  for (let i = 0; i < data.length; i += 3) set.add((data[i] >> 3) * 1024 + (data[i + 1] >> 3) * 32 + (data[i + 2] >> 3));
  return set.size;
}

describe("the builtin generator reads the prompt", () => {
  it("finds subjects, colours, the time of day, weather and style", () => {
    expect(read("A red fox in a snowy forest at dawn, watercolor")).toEqual({
      land: ["forest"],
      figures: ["cat"],
      time: "dawn",
      style: "watercolor",
      weather: "snow",
      body: null,
      hue: 2,
      shade: null,
    });
    expect(read("mountains by the sea at sunset")).toMatchObject({ land: ["mountains", "sea"], figures: [], time: "sunset", style: "plain" });
    expect(read("a neon city at night")).toMatchObject({ land: ["city"], time: "night", style: "neon" });
    expect(read("a black cat under the moon")).toMatchObject({ figures: ["cat"], body: "moon", time: "night", shade: "dark" });
    expect(read("flowers, minimal")).toMatchObject({ figures: ["flower"], style: "minimal", time: "day" });
    // A lighthouse stands by the sea even when the prompt does not say so; a storm brings rain.
    expect(read("a lighthouse in a storm")).toMatchObject({ land: ["sea"], figures: ["lighthouse"], weather: "rain" });
    // A fox is orange unless a colour is named.
    expect(read("a fox")).toMatchObject({ figures: ["cat"], hue: 26 });
  });

  it("draws what the prompt names, and keeps abstract prompts abstract", () => {
    const drawn = (prompt: string) => [...new Set([...svg(prompt).matchAll(/ id="(cat|dog|bird|flower|tree|boat|house|lighthouse|moon|sun|mountains|building|pine|sea|cloud)"/g)].map((m) => m[1]))].sort();
    expect(drawn("a cat on a hill under the moon")).toEqual(["cat", "moon"]);
    expect(drawn("a sailing boat on the sea at noon")).toEqual(["boat", "sea", "sun"]);
    expect(drawn("a city skyline at night")).toEqual(["building", "moon"]);
    expect(drawn("a pine forest, cloudy")).toEqual(["cloud", "pine", "sun"]);
    expect(drawn("a pine forest in the rain")).toEqual(["cloud", "pine"]);
    expect(drawn("a house with a tree and flowers")).toEqual(["flower", "house", "sun", "tree"]);
    expect(drawn("mountains and birds")).toEqual(["bird", "mountains", "sun"]);
    expect(drawn("a lighthouse")).toEqual(["lighthouse", "sea", "sun"]);
    for (const prompt of ["abstract geometric pattern", "cosmic bubbles", "dreams of tomorrow"]) {
      expect(hasScene(read(prompt)), prompt).toBe(false);
      expect(drawn(prompt), prompt).toEqual([]);
    }
  });

  it("makes night dark, sunset warm and day blue", async () => {
    const night = await means("a city at night");
    const noon = await means("a city at noon");
    expect(luminance(night)).toBeLessThan(luminance(noon) / 2);
    const [sr, , sb] = await means("the sea at sunset", 0.5);
    expect(sr).toBeGreaterThan(sb);
    const [dr, , db] = await means("the sea at noon", 0.5);
    expect(db).toBeGreaterThan(dr + 40);
  });

  it("shapes the picture by style: watercolour washes, neon glows on the dark, minimal keeps few colours", async () => {
    expect(svg("a cat in a garden, watercolor")).toContain('filter="url(#wash)"');
    expect(svg("a cat in a garden")).not.toContain("url(#wash)");
    const neon = svg("a neon city");
    expect(neon).toContain('filter="url(#neon)"');
    expect(neon).toContain('data-time="night"');
    expect(luminance(await means("a neon city"))).toBeLessThan(luminance(await means("a city")) / 2);
    const minimal = await distinctColours(await png("flowers in a meadow, minimal"));
    const plain = await distinctColours(await png("flowers in a meadow"));
    expect(minimal).toBeLessThan(plain);
  });

  it("names colours onto the figures, or onto the land when there are none", async () => {
    expect(svg("a blue cat")).toMatch(/<g id="cat"><ellipse [^>]*fill="hsl\(218,/);
    expect(svg("red hills")).toMatch(/id="hills" d="[^"]*" fill="hsl\((35[0-9]|[0-9]),/);
  });
});
