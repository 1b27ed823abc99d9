import { createHash, randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { Database } from "../storage/schema.ts";
import { nowIso } from "../storage/time.ts";
import { DomainError, invalid } from "./errors.ts";
import type { GenerationLimits } from "./generations.ts";

export type RegistrationMode = "open" | "invite" | "closed";
const MODES: readonly RegistrationMode[] = ["open", "invite", "closed"];
const hash = (code: string) => createHash("sha256").update(code).digest("hex");

/**
 * Instance settings an admin changes at run time, over the defaults from the
 * environment: who may sign up, and the generation limits. Shared by every
 * process through the database.
 */
export class InstanceService {
  constructor(
    private readonly db: Db,
    private readonly defaults: { registrations: RegistrationMode; limits: GenerationLimits },
  ) {}

  async #get<T>(key: string): Promise<T | undefined> {
    const row = await this.db.kysely.selectFrom("instance_settings").select("value").where("key", "=", key).executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async #set(key: string, value: unknown): Promise<void> {
    const row = { key, value: JSON.stringify(value), updated_at: nowIso() };
    await this.db.kysely.insertInto("instance_settings").values(row).onConflict((oc) => oc.column("key").doUpdateSet({ value: row.value, updated_at: row.updated_at })).execute();
  }

  async registrations(): Promise<RegistrationMode> {
    return (await this.#get<RegistrationMode>("registrations")) ?? this.defaults.registrations;
  }

  async setRegistrations(mode: string): Promise<void> {
    if (!MODES.includes(mode as RegistrationMode)) throw invalid("Registrations must be open, invite or closed");
    await this.#set("registrations", mode);
  }

  async generationLimits(): Promise<GenerationLimits> {
    return (await this.#get<GenerationLimits>("generation_limits")) ?? this.defaults.limits;
  }

  async setGenerationLimits(limits: { maxConcurrent: number; dailyImages: number }): Promise<void> {
    const ok = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
    if (!ok(limits.maxConcurrent, 100)) throw invalid("Concurrent generations must be a whole number from 1 to 100");
    if (!ok(limits.dailyImages, 100_000)) throw invalid("Images per day must be a whole number from 1 to 100000");
    await this.#set("generation_limits", { maxConcurrent: limits.maxConcurrent, dailyImages: limits.dailyImages });
  }

  /** A single-use invitation code, valid for `days` days. */
  async createInvite(createdBy: string, days = 7): Promise<string> {
    const code = randomBytes(18).toString("base64url");
    await this.db.kysely
      .insertInto("invites")
      .values({ id: hash(code), created_by: createdBy, created_at: nowIso(), expires_at: new Date(Date.now() + days * 86400_000).toISOString(), used_by: null, used_at: null })
      .execute();
    return code;
  }

  /** Whether a code is a live, unused invitation. */
  async inviteValid(code: string): Promise<boolean> {
    if (!code || code.length > 100) return false;
    const row = await this.db.kysely.selectFrom("invites").select("id").where("id", "=", hash(code)).where("used_at", "is", null).where("expires_at", ">", nowIso()).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Spends an invitation on a new account, inside the transaction that creates
   * it: a conditional update that only one caller can win (PostgreSQL makes a
   * concurrent one wait for the row and then see it used; SQLite runs one
   * writer at a time). Throws when the code is used up or expired, which rolls
   * the account back.
   */
  async spendInvite(trx: Transaction<Database>, code: string, accountId: string): Promise<void> {
    const r = await trx
      .updateTable("invites")
      .set({ used_by: accountId, used_at: nowIso() })
      .where("id", "=", hash(code))
      .where("used_at", "is", null)
      .where("expires_at", ">", nowIso())
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new DomainError(409, "This invitation is used up or expired.", "invite_spent");
  }
}

/** What the instance says about itself, on its landing page and to apps. */
export function instanceDescription(name: string): string {
  return `${name} is a Pictor server: a place to make, share and remix AI-generated images on the fediverse.`;
}
