import { Temporal } from "@js-temporal/polyfill";

/**
 * ISO-8601 text (how we store dates) to the Temporal.Instant Fedify's
 * vocabulary takes. Fedify's types name the global Temporal, while at run
 * time both it and we use @js-temporal/polyfill; the cast bridges the two.
 */
export function toInstant(iso: string): globalThis.Temporal.Instant {
  return Temporal.Instant.from(iso) as unknown as globalThis.Temporal.Instant;
}

export function fromInstant(instant: { toString(): string } | null | undefined): string | null {
  return instant ? new Date(instant.toString()).toISOString() : null;
}
