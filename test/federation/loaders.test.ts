import { generateCryptoKeyPair, InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import { describe, expect, it } from "vitest";
import { buildFederation } from "../../fedify.config.ts";
import { loadConfig } from "../../src/config.ts";

describe("buildFederation", () => {
  const build = () =>
    buildFederation(loadConfig({ PUBLIC_URL: "https://pictor.example", DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "error" }), {
      kv: new MemoryKvStore(),
      queue: new InProcessMessageQueue(),
    });

  it("hands every context the same document and context loaders instead of building new ones", () => {
    const federation = build();
    const a = federation.createContext(new URL("https://pictor.example/"), undefined);
    const b = federation.createContext(new URL("https://pictor.example/users/alice"), undefined);
    expect(a.documentLoader).toBe(b.documentLoader);
    expect(a.contextLoader).toBe(b.contextLoader);
  });

  it("keeps one loader per distinct set of options, and none across federations", () => {
    const federation = build();
    const factories = federation as unknown as { documentLoaderFactory(o?: unknown): unknown };
    const strict = factories.documentLoaderFactory({ allowPrivateAddress: false });
    expect(factories.documentLoaderFactory({ allowPrivateAddress: false })).toBe(strict);
    expect(factories.documentLoaderFactory({ allowPrivateAddress: true })).not.toBe(strict);
    const other = build() as unknown as { documentLoaderFactory(o?: unknown): unknown };
    expect(other.documentLoaderFactory({ allowPrivateAddress: false })).not.toBe(strict);
  });

  it("keeps one signing loader per key and key id (the shared inbox asked for a new one on every POST)", async () => {
    const federation = build();
    const factory = (federation as unknown as { authenticatedDocumentLoaderFactory(identity: { keyId: URL; privateKey: CryptoKey }): unknown })
      .authenticatedDocumentLoaderFactory;
    const [one, two] = await Promise.all([generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), generateCryptoKeyPair("RSASSA-PKCS1-v1_5")]);
    const keyId = "https://pictor.example/users/pictor.example#main-key";
    const signing = factory({ keyId: new URL(keyId), privateKey: one.privateKey });
    expect(factory({ keyId: new URL(keyId), privateKey: one.privateKey })).toBe(signing);
    expect(factory({ keyId: new URL(keyId), privateKey: two.privateKey })).not.toBe(signing);
    expect(factory({ keyId: new URL(`${keyId}2`), privateKey: one.privateKey })).not.toBe(signing);
  });

  it("still loads the preloaded ActivityStreams context through the reused loader", async () => {
    const ctx = build().createContext(new URL("https://pictor.example/"), undefined);
    const doc = await ctx.contextLoader("https://www.w3.org/ns/activitystreams");
    expect(JSON.stringify(doc.document)).toContain("https://www.w3.org/ns/activitystreams#");
  });
});
