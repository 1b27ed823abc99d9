// Stack traces of the compiled build in TypeScript terms: frames in dist/ are mapped through the
// build's source maps, read on the first trace that needs them. (Node's own --enable-source-maps
// reads the map of every module as it loads, the dependencies' too: some 5 MB kept for good.)
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Makes stack traces name the TypeScript sources of the modules under `dist`. */
export function mapStackTraces(dist) {
  const prefix = `${pathToFileURL(dist).href}/`;
  const maps = new Map(); // module URL → { map, dir } or null when it has no readable map
  const mapFor = (url) => {
    if (!maps.has(url)) {
      let found = null;
      try {
        const path = fileURLToPath(url);
        found = { map: new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))), dir: dirname(path) };
      } catch {}
      maps.set(url, found);
    }
    return maps.get(url);
  };
  const frame = (site) => {
    const text = `    at ${site}`;
    const url = site.getFileName();
    if (!url?.startsWith(prefix)) return text;
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    const found = mapFor(url);
    const origin = found?.map.findOrigin(line, column);
    if (!origin?.fileName) return text;
    return text.replace(`${url}:${line}:${column}`, `${resolve(found.dir, origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`);
  };
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = "Error";
    }
    try {
      return [head, ...sites.map(frame)].join("\n");
    } catch {
      return [head, ...sites.map((site) => `    at ${site}`)].join("\n");
    }
  };
}
