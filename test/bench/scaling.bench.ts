import { ANONYMOUS, viewerOf } from "../../src/domain/visibility.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { addPosts, seed } from "./seed.ts";
import { type BenchRow, measure, median, round } from "./stats.ts";

/**
 * The scaling curve: the home timeline's first page and a profile page with
 * 1k, 10k, 100k and 1M posts in the database. Keyset pagination on indexed,
 * time-sortable ids should keep both flat as the table grows.
 */
export async function runScalingBench(opts: { sizes?: number[]; runs?: number } = {}): Promise<BenchRow[]> {
  const sizes = opts.sizes ?? [1_000, 10_000, 100_000, 1_000_000];
  const runs = opts.runs ?? 200;
  const pictor = await startTestPictor();
  const rows: BenchRow[] = [];
  try {
    const viewer = await pictor.accounts.createLocal({ username: "viewer", password: "benchmark pw" });
    const { accountIds } = await seed(pictor, { accounts: 1000, posts: 0, followed: 100, viewer });
    const profiled = (await pictor.accounts.getById(accountIds[0]))!;
    let have = 0;
    let first: { home: number; profile: number } | undefined;
    for (const size of sizes) {
      const t0 = performance.now();
      await addPosts(pictor, accountIds, size - have);
      have = size;
      console.error(`  ${size} posts (seeded in ${round((performance.now() - t0) / 1000, 1)} s)`);
      const home = median(await measure(() => pictor.timelines.home(viewerOf(viewer), { limit: 20 }), runs));
      const profile = median(await measure(() => pictor.timelines.profile(ANONYMOUS, profiled, { limit: 20 }), runs));
      first ??= { home, profile };
      const label = `${size >= 1e6 ? `${size / 1e6}M` : `${size / 1000}k`} posts, ${pictor.db.dialect}`;
      rows.push(
        { scenario: "scaling", figure: `home timeline first page (${label})`, unit: "ms", value: round(home), baseline: { name: "at 1k", value: round(first.home) }, target: "flat (≤ 2× of 1k)", ok: home <= 2 * first.home + 0.5 },
        { scenario: "scaling", figure: `profile first page (${label})`, unit: "ms", value: round(profile), baseline: { name: "at 1k", value: round(first.profile) }, target: "flat (≤ 2× of 1k)", ok: profile <= 2 * first.profile + 0.5 },
      );
    }
    return rows;
  } finally {
    await pictor.stop();
  }
}
