import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCryptoKeyPair, signJsonLd, signObject } from "@fedify/fedify";
import { type SignRequestOptions, signRequest } from "@fedify/fedify/sig";
import jsonld from "@fedify/vocab-runtime/jsonld";
import { Activity, Create, CryptographicKey, Multikey, Note, Person, PUBLIC_COLLECTION } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KyselyKvStore } from "../../federation/kv-store.ts";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import { persistentStores } from "../../src/stores.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/**
 * The inbox path as patched (patches/@fedify+fedify+2.3.6.patch): an
 * HTTP-signed activity is parsed as JSON-LD once in the web process, the
 * signer's cached key is imported once per process, and every check still
 * refuses what it refused before — unsigned, badly signed, signed by another
 * actor's key, replayed, stale — while Linked Data Signatures and Object
 * Integrity Proofs are verified as Fedify does.
 */

const AS = "https://www.w3.org/ns/activitystreams";

/** An actor of the fake remote whose keys the test holds: RSA (HTTP and LD signatures) and Ed25519 (integrity proofs). */
interface OwnActor {
  iri: string;
  keyId: URL;
  proofKeyId: URL;
  rsa: CryptoKeyPair;
  ed25519: CryptoKeyPair;
  /** Serves the actor document with its current keys. */
  publish(): Promise<void>;
}

async function ownActor(remote: FakeRemote, name: string): Promise<OwnActor> {
  const iri = remote.actorIri(name);
  const actor: OwnActor = {
    iri,
    keyId: new URL(`${iri}#main-key`),
    proofKeyId: new URL(`${iri}#ed25519-key`),
    rsa: await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
    ed25519: await generateCryptoKeyPair("Ed25519"),
    async publish() {
      const person = new Person({
        id: new URL(iri),
        preferredUsername: name,
        inbox: new URL(`${iri}/inbox`),
        endpoints: null,
        publicKey: new CryptographicKey({ id: actor.keyId, owner: new URL(iri), publicKey: actor.rsa.publicKey }),
        assertionMethods: [new Multikey({ id: actor.proofKeyId, controller: new URL(iri), publicKey: actor.ed25519.publicKey })],
      });
      remote.serve(new URL(iri).pathname, (await person.toJsonLd({ format: "compact" })) as Record<string, unknown>);
    },
  };
  await actor.publish();
  return actor;
}

describe("inbound verification", () => {
  let database: TestDatabase;
  let dataDir: string;
  let pictor: Pictor;
  let remote: FakeRemote;
  let carol: OwnActor;
  let target: PostDetails;
  const controller = new AbortController();
  let queue: Promise<void> | undefined;
  let n = 0;

  const sign = (body: unknown, actor: OwnActor, privateKey = actor.rsa.privateKey, options: SignRequestOptions = {}) =>
    signRequest(
      new Request(`${TEST_ORIGIN}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: JSON.stringify(body) }),
      privateKey,
      actor.keyId,
      options,
    );
  const like = (actor: string) => ({ "@context": AS, id: `${actor}#likes/${++n}`, type: "Like", actor, object: target.post.iri });
  const reply = (actor: string) => {
    const i = ++n;
    return {
      "@context": AS,
      id: `${actor}/statuses/${i}/activity`,
      type: "Create",
      actor,
      to: [`${AS}#Public`],
      object: { id: `${actor}/statuses/${i}`, type: "Note", attributedTo: actor, content: `<p>reply ${i}</p>`, inReplyTo: target.post.iri, to: [`${AS}#Public`] },
    };
  };
  const unsignedPost = (body: unknown) =>
    pictor.http.request(`${TEST_ORIGIN}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: JSON.stringify(body) });
  const stored = (iri: string) => pictor.posts.detailsByIri(iri);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), "pictor-data-"));
    pictor = await createPictor(loadConfig({ PUBLIC_URL: TEST_ORIGIN, DATABASE_URL: database.url, DATA_DIR: dataDir, ALLOW_PRIVATE_ADDRESS: "true" }), {
      stores: persistentStores,
    });
    remote = await startFakeRemote();
    for (const name of ["bob", "mallory"]) await remote.addActor(name);
    carol = await ownActor(remote, "carol");
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    target = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a fox")).id] });
  });
  afterAll(async () => {
    controller.abort();
    await queue?.catch(() => {});
    await pictor?.close();
    await remote?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The queue is not consumed yet: what is counted is the web process's work alone.
  it("parses an HTTP-signed activity once and imports the signer's cached key once", async () => {
    // Warm up: bob's key is fetched and cached (first request), then read from the cache and imported (second).
    for (let i = 0; i < 2; i++) {
      expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, like(remote.actorIri("bob")), "bob"))).status).toBe(202);
    }
    for (const activity of [like(remote.actorIri("bob")), reply(remote.actorIri("bob"))]) {
      // What one parse of this activity costs, in JSON-LD expansions.
      const expand = vi.spyOn(jsonld, "expand");
      await Activity.fromJsonLd(activity);
      const onceParsed = expand.mock.calls.length;
      expect(onceParsed).toBeGreaterThan(0);
      expand.mockClear();
      const keyParse = vi.spyOn(CryptographicKey, "fromJsonLd");
      const request = await remote.signedPost(`${TEST_ORIGIN}/inbox`, activity, "bob");
      expand.mockClear();
      const res = await pictor.http.request(request);
      expect(res.status).toBe(202);
      // Unpatched, Fedify 2.3.6 parses it twice (verifyObject, then after the signature check) and the key once more.
      expect(expand.mock.calls.length).toBe(onceParsed);
      expect(keyParse).not.toHaveBeenCalled();
      expand.mockRestore();
      keyParse.mockRestore();
    }
  });

  it("processes what it accepted", async () => {
    queue = pictor.startQueue(controller.signal);
    const first = reply(remote.actorIri("bob"));
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, first, "bob"))).status).toBe(202);
    await waitFor(() => stored(first.object.id), 10_000, "bob's reply");
    await waitFor(async () => (await pictor.posts.details(target.post.id))?.post.likes_count === 1, 10_000, "bob's like");
  });

  it("never uses a key the KV store no longer holds, and follows a rotation", async () => {
    const first = reply(carol.iri);
    expect((await pictor.http.request(await sign(first, carol))).status).toBe(202);
    await waitFor(() => stored(first.object.id), 10_000, "carol's first reply");
    // The second request reads carol's key from the KV store and keeps it imported.
    expect((await pictor.http.request(await sign(like(carol.iri), carol))).status).toBe(202);
    const oldKey = carol.rsa;
    // Another process refetched carol's key after she rotated it: the KV store holds the new one.
    carol.rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    await carol.publish();
    const cached = await new CryptographicKey({ id: carol.keyId, owner: new URL(carol.iri), publicKey: carol.rsa.publicKey }).toJsonLd();
    await new KyselyKvStore(pictor.db).set(["_fedify", "publicKey", carol.keyId.href], cached);
    // Signed with the retired key: refused, although this process imported that key a moment ago.
    const stale = reply(carol.iri);
    expect((await pictor.http.request(await sign(stale, carol, oldKey.privateKey))).status).toBe(401);
    const fresh = reply(carol.iri);
    expect((await pictor.http.request(await sign(fresh, carol))).status).toBe(202);
    await waitFor(() => stored(fresh.object.id), 10_000, "carol's reply signed with her new key");
    expect(await stored(stale.object.id)).toBeUndefined();

    // A rotation this process learns itself: the old key fails, Fedify refetches, the new one is cached and used.
    const newer = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    const previous = carol.rsa;
    carol.rsa = newer;
    await carol.publish();
    const rotated = reply(carol.iri);
    expect((await pictor.http.request(await sign(rotated, carol))).status).toBe(202);
    expect((await pictor.http.request(await sign(reply(carol.iri), carol, previous.privateKey))).status).toBe(401);
    await waitFor(() => stored(rotated.object.id), 10_000, "the reply after the rotation");
  });

  it("refuses unsigned, tampered, stale, replayed and other actors' signatures", async () => {
    const bob = remote.actorIri("bob");
    // Unsigned.
    expect((await unsignedPost(reply(bob))).status).toBe(401);
    // Signed, then the body changed (the digest no longer matches).
    const original = reply(bob);
    const signed = await remote.signedPost(`${TEST_ORIGIN}/inbox`, original, "bob");
    const tampered = new Request(signed, { body: JSON.stringify({ ...original, object: { ...original.object, content: "<p>changed</p>" } }) });
    expect((await pictor.http.request(tampered)).status).toBe(401);
    // Signed by mallory's key, claiming to be bob.
    const impostor = reply(bob);
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, impostor, "mallory"))).status).toBe(401);
    // Signed two hours ago (outside Fedify's one-hour window).
    const old = reply(carol.iri);
    expect((await pictor.http.request(await sign(old, carol, carol.rsa.privateKey, { currentTime: Temporal.Now.instant().subtract({ hours: 2 }) as unknown as SignRequestOptions["currentTime"] }))).status).toBe(401);
    // The same signed activity twice: processed once.
    const once = reply(bob);
    const replayed = await remote.signedPost(`${TEST_ORIGIN}/inbox`, once, "bob");
    expect((await pictor.http.request(replayed.clone())).status).toBe(202);
    await waitFor(() => stored(once.object.id), 10_000, "the reply sent twice");
    expect((await pictor.http.request(replayed)).status).toBe(202);
    for (const refused of [original, impostor, old]) expect(await stored(refused.object.id)).toBeUndefined();
    const replies = await pictor.db.kysely.selectFrom("posts").select("iri").where("iri", "=", once.object.id).execute();
    expect(replies).toHaveLength(1);
  });

  it("verifies Object Integrity Proofs without an HTTP signature, and refuses a broken one", async () => {
    const make = async () => {
      const i = ++n;
      const create = new Create({
        id: new URL(`${carol.iri}/statuses/${i}/activity`),
        actor: new URL(carol.iri),
        to: PUBLIC_COLLECTION,
        object: new Note({
          id: new URL(`${carol.iri}/statuses/${i}`),
          attribution: new URL(carol.iri),
          content: `<p>proven ${i}</p>`,
          replyTarget: new URL(target.post.iri),
          to: PUBLIC_COLLECTION,
        }),
      });
      const proven = await signObject(create, carol.ed25519.privateKey, carol.proofKeyId);
      return { id: `${carol.iri}/statuses/${i}`, json: (await proven.toJsonLd({ format: "compact" })) as Record<string, any> };
    };
    const good = await make();
    expect((await unsignedPost(good.json)).status).toBe(202);
    await waitFor(() => stored(good.id), 10_000, "the proven reply");
    const bad = await make();
    bad.json.object.content = "<p>changed after signing</p>";
    expect((await unsignedPost(bad.json)).status).toBe(401);
    // A proof made by someone else's key for carol's activity.
    const forged = await make();
    const mallory = await generateCryptoKeyPair("Ed25519");
    const reproven = await signObject(await Create.fromJsonLd({ ...forged.json, proof: undefined }), mallory.privateKey, carol.proofKeyId);
    expect((await unsignedPost(await reproven.toJsonLd({ format: "compact" }))).status).toBe(401);
    expect(await stored(bad.id)).toBeUndefined();
    expect(await stored(forged.id)).toBeUndefined();
  });

  it("verifies Linked Data Signatures, and falls back to the HTTP signature only when it is the actor's", async () => {
    const ldSigned = async (activity: Record<string, any>, privateKey = carol.rsa.privateKey) =>
      signJsonLd({ ...activity, "@context": [AS, "https://w3id.org/security/v1"] }, privateKey, carol.keyId, {}) as Promise<Record<string, any>>;
    const good = reply(carol.iri);
    expect((await pictor.http.request(await sign(await ldSigned(good), carol))).status).toBe(202);
    await waitFor(() => stored(good.object.id), 10_000, "the LD-signed reply");
    // An LD signature that does not verify, relayed by mallory with her own HTTP signature: refused.
    const forged = await ldSigned(reply(carol.iri), (await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")).privateKey);
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, forged, "mallory"))).status).toBe(401);
    expect(await stored(forged.object.id)).toBeUndefined();
  });
});
