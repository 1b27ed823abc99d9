import type { Db } from "../storage/db.ts";
import type { AccountRow, ReportRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import { invalid } from "./errors.ts";

/** Blocks and reports: what admins review, and what stops relationships. */
export class ModerationService {
  /** Blocked domains, cached briefly so every delivery and inbox check does not hit the database. */
  #blocked: { domains: Set<string>; until: number } | null = null;

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 10_000,
  ) {}

  static normalizeDomain(raw: string): string {
    const d = raw.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "").replace(/:\d+$/, "");
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) && !/^[a-z0-9-]+$/.test(d)) throw invalid(`"${raw}" is not a domain name`);
    return d;
  }

  async blockDomain(raw: string, reason = ""): Promise<string> {
    const domain = ModerationService.normalizeDomain(raw);
    await this.db.kysely
      .insertInto("domain_blocks")
      .values({ domain, reason: reason.slice(0, 500), created_at: nowIso() })
      .onConflict((oc) => oc.column("domain").doUpdateSet({ reason: reason.slice(0, 500) }))
      .execute();
    this.#blocked = null;
    return domain;
  }

  async unblockDomain(raw: string): Promise<void> {
    await this.db.kysely.deleteFrom("domain_blocks").where("domain", "=", ModerationService.normalizeDomain(raw)).execute();
    this.#blocked = null;
  }

  async listDomainBlocks(): Promise<Array<{ domain: string; reason: string; created_at: string }>> {
    return this.db.kysely.selectFrom("domain_blocks").selectAll().orderBy("domain").execute();
  }

  /** Whether a host, or a domain above it, is blocked (blocking example.com blocks a.example.com). */
  async isDomainBlocked(host: string | null | undefined): Promise<boolean> {
    if (!host) return false;
    if (!this.#blocked || this.#blocked.until <= Date.now()) {
      const rows = await this.db.kysely.selectFrom("domain_blocks").select("domain").execute();
      this.#blocked = { domains: new Set(rows.map((r) => r.domain)), until: Date.now() + this.cacheMs };
    }
    const parts = host.toLowerCase().replace(/:\d+$/, "").split(".");
    for (let i = 0; i < parts.length; i++) if (this.#blocked.domains.has(parts.slice(i).join("."))) return true;
    return false;
  }

  /** `blocker` blocks `target`: follows both ways end. Idempotent on the Block's IRI. */
  async block(iri: string, blocker: AccountRow, target: AccountRow): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto("blocks")
        .values({ id: newId(), iri, account_id: blocker.id, target_id: target.id, created_at: nowIso() })
        .onConflict((oc) => oc.doNothing())
        .returning("id")
        .execute();
      await trx
        .deleteFrom("follows")
        .where((eb) =>
          eb.or([
            eb.and([eb("follower_id", "=", blocker.id), eb("following_id", "=", target.id)]),
            eb.and([eb("follower_id", "=", target.id), eb("following_id", "=", blocker.id)]),
          ]),
        )
        .execute();
      return rows.length > 0;
    });
  }

  /** Undo of a Block: only the blocker's own. */
  async unblock(iri: string, blocker: AccountRow): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom("blocks").where("iri", "=", iri).where("account_id", "=", blocker.id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async isBlocked(accountId: string, targetId: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom("blocks")
      .select("id")
      .where((eb) =>
        eb.or([
          eb.and([eb("account_id", "=", accountId), eb("target_id", "=", targetId)]),
          eb.and([eb("account_id", "=", targetId), eb("target_id", "=", accountId)]),
        ]),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Stores a report for admins; idempotent on its IRI. */
  async report(input: { iri: string; reporter: AccountRow; target: AccountRow | null; objectIris: string[]; comment: string }): Promise<boolean> {
    const rows = await this.db.kysely
      .insertInto("reports")
      .values({
        id: newId(),
        iri: input.iri,
        reporter_id: input.reporter.id,
        target_id: input.target?.id ?? null,
        object_iris: JSON.stringify(input.objectIris.slice(0, 50)),
        comment: input.comment.slice(0, 5000),
        created_at: nowIso(),
        resolved_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    return rows.length > 0;
  }

  async openReports(): Promise<Array<ReportRow & { objects: string[] }>> {
    const rows = await this.db.kysely.selectFrom("reports").selectAll().where("resolved_at", "is", null).orderBy("id", "desc").limit(200).execute();
    return rows.map((r) => ({ ...r, objects: JSON.parse(r.object_iris) as string[] }));
  }

  async resolveReport(id: string): Promise<void> {
    await this.db.kysely.updateTable("reports").set({ resolved_at: nowIso() }).where("id", "=", id).execute();
  }
}
