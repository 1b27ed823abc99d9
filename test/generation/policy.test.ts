import { describe, expect, it } from "vitest";
import { checkBlocklist, compileBlocklist, createPromptPolicy } from "../../src/generation/policy.ts";
import type { PromptVerdict } from "../../src/generation/types.ts";

describe("prompt blocklist", () => {
  const list = compileBlocklist(["gore", "Bad Phrase", "c++", "  ", "gore"]);

  it("matches whole words and phrases, ignoring case", () => {
    expect(list.entries).toEqual(["gore", "Bad Phrase", "c++"]);
    expect(list.find("so much GORE here")).toBe("gore");
    expect(list.find("gore.")).toBe("gore");
    expect(list.find("(gore)")).toBe("gore");
    expect(list.find("a bad   phrase indeed")).toBe("Bad Phrase");
    expect(list.find("a bad\nphrase")).toBe("Bad Phrase");
    expect(list.find("I write C++ code")).toBe("c++");
  });

  it("does not match inside other words", () => {
    expect(list.find("Al Gore's gorgeous gorest goregrind")).toBe("gore"); // "Gore's" is the word gore
    expect(list.find("gorgeous")).toBeUndefined();
    expect(list.find("goregrind")).toBeUndefined();
    expect(list.find("bad phrases")).toBeUndefined();
    expect(list.find("goreé")).toBeUndefined();
  });

  it("normalises compatibility characters", () => {
    expect(compileBlocklist(["gore"]).find("ｇｏｒｅ")).toBe("gore");
  });

  it("gives a reason for a refusal", () => {
    const v = checkBlocklist("more gore please", list);
    expect(v).toEqual({ allowed: false, source: "blocklist", reason: expect.stringContaining('"gore"') });
    expect(checkBlocklist("a calm lake", list)).toEqual({ allowed: true });
    expect(checkBlocklist("anything", compileBlocklist([]))).toEqual({ allowed: true });
  });
});

describe("prompt policy", () => {
  it("applies the blocklist first and asks the moderator only about the rest", async () => {
    const asked: string[] = [];
    const moderator = async (prompt: string): Promise<PromptVerdict> => {
      asked.push(prompt);
      return prompt.includes("flag") ? { allowed: false, source: "moderation", reason: "flagged" } : { allowed: true };
    };
    const policy = createPromptPolicy({ blocklist: ["gore"], moderator });
    expect(await policy.checkPrompt("gore")).toMatchObject({ allowed: false, source: "blocklist" });
    expect(await policy.checkPrompt("please flag me")).toEqual({ allowed: false, source: "moderation", reason: "flagged" });
    expect(await policy.checkPrompt("a lake")).toEqual({ allowed: true });
    expect(asked).toEqual(["please flag me", "a lake"]);
  });

  it("does not treat a failing moderator as approval", async () => {
    const policy = createPromptPolicy({ blocklist: [], moderator: () => Promise.reject(new Error("down")) });
    await expect(policy.checkPrompt("a lake")).rejects.toThrow("down");
  });
});
