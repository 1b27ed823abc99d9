import { VISIBILITIES } from "../domain/visibility.ts";
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createPictorServer } from "../http/server.ts";
import { streamingUpgradeHandler } from "../api/stream/websocket.ts";
import { createPictor, type Pictor } from "../app.ts";
import { type Config, ConfigError, loadConfig, loadDotEnv, parseDuration } from "../config.ts";
import { formatBytes } from "../net/errors.ts";
import { DomainError } from "../domain/errors.ts";
import { configureLogging } from "../logging.ts";
import { persistentStores } from "../stores.ts";
import { openDb } from "../storage/db.ts";
import { migrateToLatest } from "../storage/migrate.ts";

const USAGE = `Usage: pictor <command> [options]

Commands:
  serve                         Start the web server (also consumes the queue unless WORKERS_IN_WEB=false)
  worker                        Consume the queue only (delivery, inbox processing, jobs)
  migrate                       Bring the database schema up to date
  account create --username U --password P [--display-name N] [--admin] [--locked]
  account list                  List local accounts
  account delete --username U --yes   Delete an account (servers that knew it are told)
  like|unlike|boost|unboost --account U --post URL
  generate --account U --prompt "…" [--model M] [--size WxH] [--seed N] [--images N]
  post --account U --prompt "…" [--caption "…"] [--visibility public|unlisted|followers|direct] [--images N]
       [--reply-to URL] [--quote URL]
  edit --account U --post ID|URL --caption "…"
  delete --account U --post ID|URL
  follow --account U --target @user@host|URL
  unfollow --account U --target @user@host|URL
  follow-requests list --account U [--from @user@host|URL]
                                The follow requests a locked account has not answered
  follow-requests accept|reject --account U --from @user@host|URL
                                Answer one (their server gets an Accept or a Reject)
  block|unblock --account U --target @user@host|URL|username
                                Block (no follows either way, no interaction; their server gets a Block) or lift it
  mute|unmute --account U --target @user@host|URL|username
                                Mute (their posts leave your timelines; nothing is sent) or lift it
  media prune [--older-than 7d]  Remove cached full-size copies of remote images fetched longer ago
                                (default REMOTE_MEDIA_RETENTION), and images nothing uses any more

Configuration comes from environment variables and an optional .env file (see README).`;

/** A mistake in how the command was called: printed as one line, exit code 2. */
class UsageError extends Error {}

function args<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`);
  return v;
}

async function open(config: Config): Promise<Pictor> {
  return createPictor(config, { stores: (db) => persistentStores(db, { leaseMs: config.queueLeaseMs }) });
}

async function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => resolve(sig);
    process.once("SIGINT", () => done("SIGINT"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
}

async function cmdServe(config: Config): Promise<number> {
  const pictor = await open(config);
  const server = createPictorServer(pictor, {
    trustProxy: config.trustProxy,
    hostname: config.host,
    tls: config.tls && { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) },
  });
  server.listen(config.port, config.host);
  // The streaming API's WebSocket (/api/v1/streaming).
  const upgrades = streamingUpgradeHandler(pictor);
  server.on("upgrade", upgrades);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const controller = new AbortController();
  const queue = config.workersInWeb ? pictor.startQueue(controller.signal) : Promise.resolve();
  console.log(
    `Pictor is listening on ${config.tls ? "https" : "http"}://${config.host}:${config.port} as ${config.publicUrl.origin}` +
      (config.workersInWeb ? " (with queue workers)" : ""),
  );
  const signal = await waitForSignal();
  console.log(`Received ${signal}, shutting down`);
  upgrades.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  controller.abort();
  await queue;
  await pictor.close();
  return 0;
}

async function cmdWorker(config: Config): Promise<number> {
  const pictor = await open(config);
  const controller = new AbortController();
  const queue = pictor.startQueue(controller.signal);
  console.log(`Pictor worker is consuming the queue for ${config.publicUrl.origin}`);
  await waitForSignal();
  controller.abort();
  await queue;
  await pictor.close();
  return 0;
}

async function cmdMigrate(config: Config): Promise<number> {
  const db = openDb(config.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The schema is up to date.");
  } finally {
    await db.close();
  }
  return 0;
}

async function cmdAccount(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "create") {
    const v = args(rest, {
      username: { type: "string" },
      password: { type: "string" },
      "display-name": { type: "string" },
      admin: { type: "boolean" },
      locked: { type: "boolean" },
    });
    const username = required(v, "username");
    const password = required(v, "password");
    const pictor = await open(config);
    try {
      const account = await pictor.accounts.createLocal({
        username,
        password,
        displayName: v["display-name"],
        admin: v.admin,
        locked: v.locked,
      });
      console.log(`Created @${account.username}@${pictor.urls.host} (${account.iri})`);
    } finally {
      await pictor.close();
    }
    return 0;
  }
  if (sub === "list") {
    args(rest, {});
    const pictor = await open(config);
    try {
      const accounts = await pictor.accounts.listLocal();
      if (accounts.length === 0) console.log("No accounts yet. Create one with: pictor account create --username U --password P");
      for (const a of accounts) {
        console.log(`@${a.username}@${pictor.urls.host}\t${a.display_name}\t${a.is_admin ? "admin" : ""}\t${a.created_at}`);
      }
    } finally {
      await pictor.close();
    }
    return 0;
  }
  if (sub === "delete") {
    const v = args(rest, { username: { type: "string" }, yes: { type: "boolean" } });
    const username = required(v, "username");
    if (!v.yes) throw new UsageError("account delete cannot be undone: add --yes to confirm");
    const pictor = await open(config);
    try {
      const account = await pictor.accounts.getLocalByUsername(username);
      if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
      await pictor.deleteAccount(account);
      console.log(`Deleted @${account.username}@${pictor.urls.host}`);
    } finally {
      await pictor.close();
    }
    return 0;
  }
  throw new UsageError(sub ? `Unknown account command "${sub}"` : "account needs a command: create, list or delete");
}

async function cmdFollow(config: Config, argv: string[], unfollow: boolean): Promise<number> {
  const v = args(argv, { account: { type: "string" }, target: { type: "string" } });
  const username = required(v, "account");
  const target = required(v, "target");
  const pictor = await open(config);
  try {
    const account = await pictor.accounts.getLocalByUsername(username);
    if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
    const remote = await pictor.resolveAccount(target);
    const handle = `@${remote.username}@${remote.domain ?? pictor.urls.host}`;
    if (unfollow) {
      const removed = await pictor.follows.unfollow(account, remote);
      console.log(removed ? `@${account.username} no longer follows ${handle}` : `@${account.username} was not following ${handle}`);
    } else {
      const follow = await pictor.follows.follow(account, remote);
      console.log(
        follow.state === "accepted"
          ? `@${account.username} follows ${handle}`
          : `@${account.username} asked to follow ${handle}; waiting for them to accept`,
      );
    }
  } finally {
    await pictor.close();
  }
  return 0;
}

/** Whether a query (@user@host, user@host, a local username, an actor or profile URL) names this account. */
function names(account: { username: string; domain: string | null; iri: string; url: string | null }, query: string, host: string): boolean {
  const q = query.trim();
  if (/^https?:\/\//.test(q)) return account.iri === q || account.url === q;
  const [username, domain] = q.replace(/^@/, "").toLowerCase().split("@");
  return account.username.toLowerCase() === username && (account.domain ?? host.toLowerCase()) === (domain ?? host.toLowerCase());
}

/** Follow requests a (locked) account received: listed, accepted or rejected; --from picks the requester. */
async function cmdFollowRequests(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "list" && sub !== "accept" && sub !== "reject") {
    throw new UsageError(sub ? `Unknown follow-requests command "${sub}"` : "follow-requests needs a command: list, accept or reject");
  }
  const v = args(rest, { account: { type: "string" }, from: { type: "string" } });
  const username = required(v, "account");
  const from = sub === "list" ? (v.from as string | undefined) : required(v, "from");
  const pictor = await open(config);
  try {
    const account = await pictor.accounts.getLocalByUsername(username);
    if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
    const host = pictor.urls.host;
    const handle = (a: { username: string; domain: string | null }) => `@${a.username}@${a.domain ?? host}`;
    const requests = (await pictor.follows.pendingRequests(account.id)).filter((r) => !from || names(r.account, from, host));
    if (sub === "list") {
      if (requests.length === 0) console.log(from ? `@${account.username} has no follow request from ${from}` : `@${account.username} has no follow requests`);
      for (const r of requests) console.log(`${handle(r.account)}\t${r.account.iri}\t${r.follow.created_at}`);
      return 0;
    }
    if (requests.length === 0) throw new DomainError(404, `@${account.username} has no follow request from ${from}`, "not_found");
    for (const r of requests) {
      await pictor.follows.answerRequest(account, r.follow.id, sub === "accept");
      console.log(`@${account.username} ${sub === "accept" ? "accepted" : "rejected"} the follow request from ${handle(r.account)}`);
    }
  } finally {
    await pictor.close();
  }
  return 0;
}

/** Blocks or mutes (or lifts either): the other account by @user@host, URL, or a local username. */
async function cmdRelation(config: Config, argv: string[], kind: "block" | "mute", undo: boolean): Promise<number> {
  const v = args(argv, { account: { type: "string" }, target: { type: "string" } });
  const username = required(v, "account");
  const query = required(v, "target").trim();
  const pictor = await open(config);
  try {
    const account = await pictor.accounts.getLocalByUsername(username);
    if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
    const target = /^[A-Za-z0-9_]+$/.test(query) ? await pictor.accounts.getLocalByUsername(query) : await pictor.resolveAccount(query);
    if (!target) throw new DomainError(404, `No local account "${query}"`, "not_found");
    const handle = `@${target.username}@${target.domain ?? pictor.urls.host}`;
    const { moderation } = pictor;
    if (kind === "block") {
      if (undo) console.log((await moderation.unblockAccount(account, target)) ? `@${account.username} no longer blocks ${handle}` : `@${account.username} was not blocking ${handle}`);
      else {
        await moderation.blockAccount(account, target);
        console.log(`@${account.username} blocks ${handle}`);
      }
    } else if (undo) {
      console.log((await moderation.unmuteAccount(account, target)) ? `@${account.username} no longer mutes ${handle}` : `@${account.username} was not muting ${handle}`);
    } else {
      await moderation.muteAccount(account, target);
      console.log(`@${account.username} mutes ${handle}`);
    }
  } finally {
    await pictor.close();
  }
  return 0;
}

/** The cache of remote images: `media prune` removes old full-size copies (fetched again on demand) and unused images. */
async function cmdMedia(config: Config, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "prune") throw new UsageError(sub ? `Unknown media command "${sub}"` : "media needs a command: prune");
  const v = args(rest, { "older-than": { type: "string" } });
  const raw = v["older-than"] as string | undefined;
  const olderThan = raw === undefined ? config.remoteMedia.retentionMs : parseDuration(raw);
  if (olderThan === null) throw new UsageError("--older-than must be a duration such as 12h, 7d or 2w");
  const pictor = await open(config);
  try {
    const pruned = await pictor.remoteMedia.prune(olderThan);
    const usage = await pictor.remoteMedia.usage();
    console.log(
      `Removed ${pruned.fullCopies} full-size ${pruned.fullCopies === 1 ? "copy" : "copies"} and ${pruned.unused} unused ${pruned.unused === 1 ? "image" : "images"} (${formatBytes(pruned.bytesFreed)} freed); ` +
        `the cache holds ${usage.images} remote images in ${formatBytes(usage.bytes)}.`,
    );
  } finally {
    await pictor.close();
  }
  return 0;
}

function intOption(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v.trim())) throw new UsageError(`--${name} must be a whole number`);
  return Number(v);
}

/**
 * Asks for images and waits for them, printing the job's progress. The job
 * runs on the shared queue: a running server's workers may take it, and this
 * process consumes the jobs queue too, so it also works with no server up.
 */
async function generateAndWait(pictor: Pictor, username: string, v: Record<string, unknown>) {
  const account = await pictor.accounts.getLocalByUsername(username);
  if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
  const job = await pictor.generations.request(account, {
    prompt: required(v, "prompt"),
    model: v.model as string | undefined,
    size: v.size as string | undefined,
    seed: intOption(v, "seed"),
    n: intOption(v, "images"),
  });
  const controller = new AbortController();
  const worker = pictor.startJobs(controller.signal);
  let last = "";
  try {
    for (;;) {
      const status = await pictor.generations.status(job.id);
      const line = `${status.job.state} (${(status.elapsedMs / 1000).toFixed(1)} s)`;
      if (status.job.state !== last) console.error(`job ${job.id}: ${line}`);
      last = status.job.state;
      if (status.job.state === "done") return { account, status };
      if (status.job.state === "failed") throw new DomainError(422, `Generation failed: ${status.job.error_message}`, status.job.error_code ?? "failed");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    controller.abort();
    await worker;
  }
}

async function cmdGenerate(config: Config, argv: string[]): Promise<number> {
  const v = args(argv, {
    account: { type: "string" },
    prompt: { type: "string" },
    model: { type: "string" },
    size: { type: "string" },
    seed: { type: "string" },
    images: { type: "string" },
  });
  const username = required(v, "account");
  required(v, "prompt");
  const pictor = await open(config);
  try {
    const { status } = await generateAndWait(pictor, username, v);
    for (const m of status.media) console.log(pictor.media.url(m.file_key!).href);
  } finally {
    await pictor.close();
  }
  return 0;
}

async function cmdPost(config: Config, argv: string[]): Promise<number> {
  const v = args(argv, {
    account: { type: "string" },
    prompt: { type: "string" },
    caption: { type: "string" },
    visibility: { type: "string" },
    images: { type: "string" },
    model: { type: "string" },
    size: { type: "string" },
    seed: { type: "string" },
    "reply-to": { type: "string" },
    quote: { type: "string" },
  });
  const username = required(v, "account");
  required(v, "prompt");
  const visibility = (v.visibility as string | undefined) ?? "public";
  if (!(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new UsageError("--visibility must be public, unlisted, followers or direct");
  }
  const pictor = await open(config);
  try {
    // Look the targets up first: a bad URL should not cost a generation.
    const replyTo = v["reply-to"] ? await pictor.resolvePost(v["reply-to"] as string) : undefined;
    const quote = v.quote ? await pictor.resolvePost(v.quote as string) : undefined;
    const { account, status } = await generateAndWait(pictor, username, v);
    const post = await pictor.posts.create(account, {
      caption: v.caption as string | undefined,
      mediaIds: status.media.map((m) => m.id),
      visibility: visibility as "public",
      inReplyTo: replyTo?.post.iri,
      quote: quote?.post.iri,
    });
    console.log(post.post.url);
  } finally {
    await pictor.close();
  }
  return 0;
}

async function cmdInteraction(config: Config, argv: string[], type: "like" | "boost", undo: boolean): Promise<number> {
  const v = args(argv, { account: { type: "string" }, post: { type: "string" } });
  const username = required(v, "account");
  const ref = required(v, "post");
  const pictor = await open(config);
  try {
    const account = await pictor.accounts.getLocalByUsername(username);
    if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
    const details = await pictor.resolvePost(ref);
    if (undo) await pictor.interactions.undo(type, account, details);
    else await pictor.interactions.act(type, account, details);
    const verb = { like: ["liked", "no longer likes"], boost: ["boosted", "no longer boosts"] }[type][undo ? 1 : 0];
    console.log(`@${account.username} ${verb} ${details.post.iri}`);
  } finally {
    await pictor.close();
  }
  return 0;
}

/** A local post of `username`, by id, IRI or page URL. */
async function ownPost(pictor: Pictor, username: string, ref: string) {
  const account = await pictor.accounts.getLocalByUsername(username);
  if (!account) throw new DomainError(404, `No local account "${username}"`, "not_found");
  const id = ref.trim().split("/").pop() ?? "";
  const details = await pictor.posts.details(id);
  if (!details || details.post.account_id !== account.id) throw new DomainError(404, `@${account.username} has no post ${ref}`, "not_found");
  return { account, details };
}

async function cmdEditOrDelete(config: Config, argv: string[], del: boolean): Promise<number> {
  const v = args(argv, { account: { type: "string" }, post: { type: "string" }, ...(del ? {} : { caption: { type: "string" } }) });
  const username = required(v, "account");
  const ref = required(v, "post");
  if (!del && typeof v.caption !== "string") throw new UsageError("--caption is required");
  const pictor = await open(config);
  try {
    const { account, details } = await ownPost(pictor, username, ref);
    if (del) {
      await pictor.posts.delete(account, details.post.id);
      console.log(`Deleted ${details.post.url}`);
    } else {
      const edited = await pictor.posts.edit(account, details.post.id, { caption: v.caption as string });
      console.log(edited.post.url);
    }
  } finally {
    await pictor.close();
  }
  return 0;
}

/** Runs one pictor command; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  try {
    loadDotEnv();
    const config = loadConfig();
    await configureLogging(config.logLevel);
    switch (command) {
      case "serve":
        args(rest, {});
        return await cmdServe(config);
      case "worker":
        args(rest, {});
        return await cmdWorker(config);
      case "migrate":
        args(rest, {});
        return await cmdMigrate(config);
      case "account":
        return await cmdAccount(config, rest);
      case "generate":
        return await cmdGenerate(config, rest);
      case "post":
        return await cmdPost(config, rest);
      case "like":
      case "unlike":
      case "boost":
      case "unboost":
        return await cmdInteraction(config, rest, command.endsWith("like") ? "like" : "boost", command.startsWith("un"));
      case "edit":
        return await cmdEditOrDelete(config, rest, false);
      case "delete":
        return await cmdEditOrDelete(config, rest, true);
      case "follow":
        return await cmdFollow(config, rest, false);
      case "unfollow":
        return await cmdFollow(config, rest, true);
      case "follow-requests":
        return await cmdFollowRequests(config, rest);
      case "media":
        return await cmdMedia(config, rest);
      case "block":
      case "unblock":
      case "mute":
      case "unmute":
        return await cmdRelation(config, rest, command.endsWith("block") ? "block" : "mute", command.startsWith("un"));
      default:
        throw new UsageError(`Unknown command "${command}". Run "pictor help" for the list.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`pictor: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof DomainError) {
      console.error(`pictor: ${error.message}`);
      return 1;
    }
    console.error(`pictor: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
