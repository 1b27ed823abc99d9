import { v7 as uuidv7 } from "uuid";

/** A new time-sortable id (UUIDv7), generated in the app for both dialects. */
export function newId(): string {
  return uuidv7();
}

/** The current time as ISO-8601 UTC text, the one date format we store. */
export function nowIso(date: Date = new Date()): string {
  return date.toISOString();
}
