import { request } from "node:http";
import { seededRandom } from "../../src/generation/builtin-draw.ts";
import { percentile, round } from "./stats.ts";

/**
 * A link-preview stampede: `requesters` distinct clients fetch one page within
 * `windowMs`, as the servers of a post's audience do when it spreads. Each
 * requester opens its own connection (no keep-alive, no pooling) from its own
 * source address on loopback (127.0.1.1, 127.0.1.2, … — all of 127.0.0.0/8 is
 * bindable on Linux), sends no cookie, and names itself with the User-Agent of
 * a real preview fetcher: Mastodon instances mostly (each its own domain), then
 * Misskey, Pleroma, Akkoma, Bluesky and the chat apps' unfurlers. Arrival times
 * are drawn uniformly over the window from a fixed seed, so runs compare.
 */
export interface StampedeResult {
  requesters: number;
  /** 200 answers whose body holds `expect`. */
  ok: number;
  fivexx: number;
  /** Other statuses, network errors, and 200s without `expect`. */
  failed: number;
  /** What those failures were, e.g. "ECONNRESET×3 404×1" (empty when none). */
  failures: string;
  p50: number;
  p99: number;
  max: number;
  /** From the first request's start until the last answer ended. */
  spanMs: number;
  /** The first requester's latency: the page rendered cold, which every requester meanwhile waits on. */
  firstMs: number;
  addresses: number;
  userAgents: number;
}

const MASTODON_VERSIONS = ["4.3.2", "4.2.14", "4.4.0", "4.1.22", "4.3.8"];
const OTHERS = [
  (i: number) => `Misskey/2025.1.0 (https://misskey${i}.example)`,
  (i: number) => `Mozilla/5.0 (compatible; SummalyBot/5.2.0; +https://github.com/misskey-dev/summaly) ${i}`,
  (i: number) => `Pleroma 2.7.0; https://pleroma${i}.example <admin@pleroma${i}.example>`,
  (i: number) => `Akkoma 3.13.2; https://akkoma${i}.example <admin@akkoma${i}.example>`,
  () => "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
  () => "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
  () => "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
  () => "TelegramBot (like TwitterBot)",
  () => "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
  () => "WhatsApp/2.24.6.77 A",
  () => "Twitterbot/1.0",
  () => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
];

/** Requester i's User-Agent: three in four are Mastodon instances' link fetchers, each of its own domain. */
export function previewUserAgent(i: number): string {
  if (i % 4 !== 3) return `http.rb/5.2.0 (Mastodon/${MASTODON_VERSIONS[i % MASTODON_VERSIONS.length]}; +https://instance${i}.example/) Bot`;
  return OTHERS[Math.floor(i / 4) % OTHERS.length](i);
}

/** Requester i's source address: 127.0.1.1 … 127.0.1.250, 127.0.2.1 …, distinct for the first 63,750. */
export const requesterAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

export async function stampede(url: string, opts: { requesters?: number; windowMs?: number; expect?: string; seed?: number; timeoutMs?: number } = {}): Promise<StampedeResult> {
  const requesters = opts.requesters ?? 2000;
  const windowMs = opts.windowMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const random = seededRandom(opts.seed ?? 16);
  const offsets = Array.from({ length: requesters }, () => random() * windowMs).sort((a, b) => a - b);
  const target = new URL(url);
  const latencies: number[] = [];
  let firstMs = Number.NaN;
  let ok = 0;
  let fivexx = 0;
  let failed = 0;
  let lastEnd = 0;
  const kinds = new Map<string, number>();
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      let settled = false;
      const done = (status: number, body: string, error?: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        const end = performance.now();
        lastEnd = Math.max(lastEnd, end);
        latencies.push(end - t);
        if (i === 0) firstMs = end - t;
        if (status === 200 && (opts.expect === undefined || body.includes(opts.expect))) return resolve(void ok++);
        if (status >= 500) return resolve(void fivexx++);
        failed++;
        const kind = error ? (error.code ?? error.message) : status === 200 ? "200 without the post" : String(status);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        resolve();
      };
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          localAddress: requesterAddress(i),
          agent: false,
          timeout: timeoutMs,
          headers: { Accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "User-Agent": previewUserAgent(i), Connection: "close" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
          res.on("error", (e) => done(0, "", e));
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: `no answer in ${timeoutMs / 1000} s` })));
      req.on("error", (e) => done(0, "", e));
      req.end();
    });
  const t0 = performance.now();
  const all: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now() - t0;
      while (i < requesters && offsets[i] <= now) all.push(one(i++));
      if (i < requesters) setTimeout(tick, Math.max(0, Math.min(5, offsets[i] - now)));
      else resolve();
    };
    tick();
  });
  await Promise.all(all);
  return {
    requesters,
    ok,
    fivexx,
    failed,
    failures: [...kinds].map(([k, n]) => `${k}×${n}`).join(" "),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(Math.max(...latencies)),
    spanMs: round(lastEnd - t0, 0),
    firstMs: round(firstMs),
    addresses: new Set(Array.from({ length: requesters }, (_, i) => requesterAddress(i))).size,
    userAgents: new Set(Array.from({ length: requesters }, (_, i) => previewUserAgent(i))).size,
  };
}
