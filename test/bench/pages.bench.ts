import { viewerOf } from "../../src/domain/visibility.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { seed } from "./seed.ts";
import { type BenchRow, measure, median, percentile, round } from "./stats.ts";

/**
 * Server time to render the public post page and the profile page, and the
 * home timeline's first page, with `posts` posts in the database.
 */
export async function runPagesBench(opts: { posts?: number; runs?: number } = {}): Promise<BenchRow[]> {
  const posts = opts.posts ?? 100_000;
  const runs = opts.runs ?? 300;
  const pictor = await startTestPictor();
  try {
    const viewer = await pictor.accounts.createLocal({ username: "viewer", password: "benchmark pw" });
    const t0 = performance.now();
    await seed(pictor, { accounts: 1000, posts, followed: 100, viewer });
    const seedMs = performance.now() - t0;
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "benchmark pw" });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await insertGeneratedMedia(pictor.db, alice.id, `a lighthouse ${i}`)).id);
    const post = await pictor.posts.create(alice, { caption: "Bench #lighthouse", mediaIds: ids });
    const get = (url: string) => async () => {
      const res = await pictor.http.request(url, { headers: { Accept: "text/html" } });
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      await res.text();
    };
    const postPage = await measure(get(post.post.url!), runs);
    const profilePage = await measure(get(`${pictor.urls.origin.origin}/@alice`), runs);
    const home = await measure(() => pictor.timelines.home(viewerOf(viewer), { limit: 20 }), runs);
    const dialect = pictor.db.dialect;
    const label = `${(posts / 1000).toFixed(0)}k posts, ${dialect}`;
    console.error(`  seeded ${posts} posts in ${round(seedMs / 1000, 1)} s`);
    return [
      { scenario: "pages", figure: `post page median (${label})`, unit: "ms", value: round(median(postPage)), target: "≤ 20 ms", ok: median(postPage) <= 20 },
      { scenario: "pages", figure: `post page p99 (${label})`, unit: "ms", value: round(percentile(postPage, 99)) },
      { scenario: "pages", figure: `profile page median (${label})`, unit: "ms", value: round(median(profilePage)), target: "≤ 20 ms", ok: median(profilePage) <= 20 },
      { scenario: "pages", figure: `profile page p99 (${label})`, unit: "ms", value: round(percentile(profilePage, 99)) },
      { scenario: "pages", figure: `home timeline first page median (${label})`, unit: "ms", value: round(median(home)), target: "≤ 10 ms", ok: median(home) <= 10 },
      { scenario: "pages", figure: `home timeline first page p99 (${label})`, unit: "ms", value: round(percentile(home, 99)) },
    ];
  } finally {
    await pictor.stop();
  }
}
