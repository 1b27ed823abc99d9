import type { PromptVerdict } from "./types.ts";

export interface Blocklist {
  /** The entries as configured. */
  readonly entries: readonly string[];
  /** The first entry the text contains as a whole word or phrase, if any. */
  find(text: string): string | undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Compiles blocklist entries (words or phrases) into a case-insensitive,
 * whole-word matcher: "cat" matches "Cat!" and "a cat" but not "concatenate";
 * a phrase matches across any run of whitespace.
 */
export function compileBlocklist(entries: readonly string[]): Blocklist {
  const cleaned = [...new Set(entries.map((e) => e.trim().replace(/\s+/g, " ")).filter(Boolean))];
  const patterns = cleaned.map((entry) => {
    const body = entry.split(" ").map(escapeRegExp).join("\\s+");
    return { entry, re: new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, "iu") };
  });
  return {
    entries: cleaned,
    find(text: string) {
      const normalized = text.normalize("NFKC");
      return patterns.find((p) => p.re.test(normalized))?.entry;
    },
  };
}

/** Checks a prompt against the blocklist only. */
export function checkBlocklist(prompt: string, blocklist: Blocklist): PromptVerdict {
  const hit = blocklist.find(prompt);
  if (hit === undefined) return { allowed: true };
  return {
    allowed: false,
    source: "blocklist",
    reason: `The prompt contains "${hit}", which this instance does not allow. Remove it and try again.`,
  };
}

/** A moderation service (OpenAI's, for instance) that may refuse a prompt. */
export type Moderator = (prompt: string, signal?: AbortSignal) => Promise<PromptVerdict>;

export interface PromptPolicy {
  /**
   * Whether the prompt may be used. The instance's blocklist always applies;
   * when a moderator is configured it is asked too (after the blocklist,
   * which costs nothing). Moderator failures are thrown, not treated as
   * approval.
   */
  checkPrompt(prompt: string, signal?: AbortSignal): Promise<PromptVerdict>;
}

export function createPromptPolicy(options: { blocklist: readonly string[] | Blocklist; moderator?: Moderator }): PromptPolicy {
  const blocklist = Array.isArray(options.blocklist)
    ? compileBlocklist(options.blocklist as readonly string[])
    : (options.blocklist as Blocklist);
  return {
    async checkPrompt(prompt, signal) {
      const local = checkBlocklist(prompt, blocklist);
      if (!local.allowed || !options.moderator) return local;
      return options.moderator(prompt, signal);
    },
  };
}
