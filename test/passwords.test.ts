import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/errors.ts";
import { type Kdf, PasswordHasher } from "../src/domain/passwords.ts";

/** A KDF that waits until the test lets it finish, so the semaphore can be observed. */
function gatedKdf() {
  const waiting: Array<() => void> = [];
  let running = 0;
  let peak = 0;
  const kdf: Kdf = async (password, salt) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running--;
    return Buffer.from(`${password}|${salt.toString("hex")}`.padEnd(64, ".").slice(0, 64));
  };
  const tick = () => new Promise((r) => setTimeout(r, 5));
  return {
    kdf,
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
    /** Lets every derivation started so far finish. */
    async releaseAll() {
      while (waiting.length) waiting.shift()!();
      await tick();
    },
    tick,
  };
}

describe("password hashing", () => {
  it("runs at most `concurrency` derivations at once and refuses beyond a bounded queue", async () => {
    const gate = gatedKdf();
    const hasher = new PasswordHasher({ concurrency: 2, maxWaiting: 3, kdf: gate.kdf });
    const stored = await (async () => {
      const p = hasher.hash("correct password");
      await gate.tick();
      await gate.releaseAll();
      return p;
    })();
    const results = Array.from({ length: 8 }, (_, i) => hasher.verify(i === 0 ? "correct password" : `wrong ${i}`, stored).then((ok) => ({ ok }), (error) => ({ error })));
    await gate.tick();
    expect(gate.running).toBe(2);
    expect(hasher.running).toBe(2);
    expect(hasher.waiting).toBe(3);
    // Releasing lets the waiting ones through, never more than two at a time.
    for (let i = 0; i < 4; i++) await gate.releaseAll();
    const settled = await Promise.all(results);
    const refused = settled.filter((r) => "error" in r);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect((r as { error: unknown }).error).toBeInstanceOf(DomainError);
      expect((r as { error: DomainError }).error.status).toBe(503);
      expect((r as { error: DomainError }).error.message).toMatch(/try again/i);
    }
    expect(settled[0]).toEqual({ ok: true });
    expect(settled.filter((r) => "ok" in r && r.ok === false)).toHaveLength(4);
    expect(gate.peak).toBe(2);
    expect(hasher.peak).toBe(2);
    expect(hasher.running).toBe(0);
    expect(hasher.waiting).toBe(0);
  });

  it("verifies unknown users against a dummy hash with the same parameters as real ones", async () => {
    const seen: Array<{ n: number; r: number; p: number }> = [];
    const kdf: Kdf = async (_password, _salt, params) => {
      seen.push(params);
      return Buffer.alloc(64, 1);
    };
    const hasher = new PasswordHasher({ kdf });
    const stored = await hasher.hash("some password");
    expect(await hasher.verifyUnknown("some password")).toBe(false);
    expect(hasher.verifications).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(stored.split("$").slice(1, 4).map(Number)).toEqual([seen[0].n, seen[0].r, seen[0].p]);
  });

  it("hashes and verifies for real (scrypt)", async () => {
    const hasher = new PasswordHasher();
    const stored = await hasher.hash("pässwörd-ünïcode");
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await hasher.verify("pässwörd-ünïcode", stored)).toBe(true);
    expect(await hasher.verify("password", stored)).toBe(false);
    expect(await hasher.verify("x", "garbage")).toBe(false);
  });
});
