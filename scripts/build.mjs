#!/usr/bin/env node
// Compiles the pictor command (src/cli/main.ts and everything it imports) into one ES module,
// dist/pictor.js, with its source map beside it. Dependencies stay in node_modules (not bundled).
//
// `node scripts/build.mjs` builds; bin/pictor.js calls ensureBuilt() on every start, which
// rebuilds only when a source file changed since the last build (it compares each input's size
// and mtime with dist/manifest.json, about a millisecond), so a stale build never runs.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const OUTFILE = join(DIST, "pictor.js");
const MANIFEST = join(DIST, "manifest.json");
const ENTRY = "src/cli/main.ts";
// Files that shape the output without being bundled inputs: the compiler settings and this script.
const SETTINGS = ["tsconfig.json", "scripts/build.mjs"];
// Where bundled sources can live; everything under them is stamped before a build starts.
const SOURCE_ROOTS = ["src", "federation", "migrations", "fedify.config.ts"];

/** size:mtime of a file under ROOT, or null when it is missing. */
function stamp(path) {
  try {
    const s = statSync(join(ROOT, path));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

function walk(path, out) {
  let entries;
  try {
    entries = readdirSync(join(ROOT, path), { withFileTypes: true });
  } catch {
    out.push(path); // a file (or nothing)
    return out;
  }
  for (const e of entries) {
    const child = `${path}/${e.name}`;
    if (e.isDirectory()) walk(child, out);
    else out.push(child);
  }
  return out;
}

/** Why dist/pictor.js cannot be run as it is, or null when it matches the sources. */
export function staleness() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
  } catch {
    return "not built yet";
  }
  if (stamp(relative(ROOT, OUTFILE)) !== manifest.output) return "dist/pictor.js changed since it was built";
  for (const [path, expected] of Object.entries(manifest.inputs)) {
    if (stamp(path) !== expected) return `${path} changed`;
  }
  return null;
}

/**
 * esbuild escapes non-ASCII characters in code but keeps them in the comments it preserves; one
 * such character makes V8 hold the whole module's source as two bytes a character. Escaping them
 * (only comments have any left) halves that string.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function writeAtomically(path, contents) {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** Builds dist/pictor.js, its source map and the manifest. Throws with esbuild's messages on an error. */
export async function build() {
  const { build: esbuild, stop } = await import("esbuild");
  // Stamp the sources before esbuild reads them: a file edited during the build then no longer
  // matches its stamp, and the next start rebuilds.
  const before = new Map();
  for (const path of [...SOURCE_ROOTS.flatMap((p) => walk(p, [])), ...SETTINGS]) before.set(path, stamp(path));
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { pictor: ENTRY },
    outdir: DIST,
    // Modules imported with import() (the OpenAI provider, for one) become chunks of their own,
    // so they, and the packages they import, load on first use rather than at start.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node22",
    // JSX settings ("react-jsx" with hono/jsx) come from tsconfig.json.
    tsconfig: join(ROOT, "tsconfig.json"),
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "none",
    metafile: true,
    write: false,
    logLevel: "silent",
    banner: { js: "// Built by scripts/build.mjs from src/cli/main.ts; do not edit." },
  }).finally(() => stop()); // esbuild's service process is not needed past the build
  const inputs = {};
  for (const path of [...Object.keys(result.metafile.inputs), ...SETTINGS]) {
    inputs[path] = before.has(path) ? before.get(path) : stamp(path);
  }
  mkdirSync(join(DIST, "chunks"), { recursive: true });
  // Chunks (named by their content's hash) first, then maps, then the entry, then the manifest that
  // vouches for them: a concurrent start sees either the old manifest (and rebuilds, or runs a
  // complete older output) or the new one. Files are replaced by rename, never rewritten in place.
  const rank = (path) => (path === OUTFILE ? 2 : path.endsWith(".map") ? 1 : 0);
  for (const file of result.outputFiles.sort((a, b) => rank(a.path) - rank(b.path))) {
    writeAtomically(file.path, file.path.endsWith(".js") ? asciiOnly(file.text) : file.contents);
  }
  writeAtomically(MANIFEST, `${JSON.stringify({ output: stamp(relative(ROOT, OUTFILE)), inputs }, null, 1)}\n`);
  pruneChunks(new Set(result.outputFiles.map((f) => f.path)));
  return { inputs: Object.keys(inputs).length, bytes: statSync(OUTFILE).size };
}

/**
 * Removes chunks that the current build does not use, once they are a day old: a server started
 * from an earlier build may still import one of its chunks on first use.
 */
function pruneChunks(current) {
  const dir = join(DIST, "chunks");
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (!current.has(path) && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { force: true });
    } catch {}
  }
}

/** Builds unless dist/pictor.js already matches the sources. Returns why it built, or null. */
export async function ensureBuilt() {
  const why = staleness();
  if (why) await build();
  return why;
}

/** esbuild's errors as compiler-style lines. */
export function formatBuildError(error) {
  if (!Array.isArray(error?.errors) || error.errors.length === 0) return String(error?.stack ?? error);
  return error.errors
    .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: error: ${e.text}\n    ${e.location.lineText}` : `error: ${e.text}`))
    .join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const { inputs, bytes } = await build();
    console.log(`pictor: built dist/pictor.js (${inputs} inputs, ${(bytes / 1024).toFixed(0)} kB) in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    console.error(`pictor: build failed\n${formatBuildError(error)}`);
    process.exitCode = 1;
  }
}

