import { Image, Person } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import { actorToRemoteAccount } from "../../federation/mappers/actor.ts";

describe("remote actor → account", () => {
  it("keeps only clean HTML and http(s) URLs from an untrusted actor", async () => {
    const actor = new Person({
      id: new URL("https://remote.example/users/Eve"),
      preferredUsername: "Eve",
      name: "Eve",
      summary: '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(2)">me</a></p>',
      url: new URL("javascript:alert(3)"),
      inbox: new URL("https://remote.example/users/Eve/inbox"),
      icon: new Image({ url: new URL("data:image/png;base64,AAAA") }),
    });
    const account = await actorToRemoteAccount(actor);
    expect(account).toMatchObject({ username: "eve", domain: "remote.example", url: null, avatar_url: null });
    expect(account!.bio_html).toBe('<p>Hi<a rel="nofollow noopener noreferrer" target="_blank">me</a></p>');
    const noInbox = new Person({ id: new URL("https://remote.example/users/x"), preferredUsername: "x", inbox: new URL("ftp://remote.example/inbox") });
    expect(await actorToRemoteAccount(noInbox)).toBeNull();
  });
});
