import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { DomainError } from "./errors.ts";

// scrypt at OWASP's recommended minimum (N=2^17, r=8, p=1: 128 MiB per hash),
// stored with its parameters so they can be raised later without breaking old hashes.
const N = 2 ** 17;
const R = 8;
const P = 1;
const KEYLEN = 64;
const MAXMEM = 256 * 1024 * 1024;

export interface KdfParams {
  n: number;
  r: number;
  p: number;
}
/** Derives a 64-byte key; scrypt in production, a stand-in in tests. */
export type Kdf = (password: string, salt: Buffer, params: KdfParams) => Promise<Buffer>;

export const scryptKdf: Kdf = (password, salt, { n, r, p }) =>
  new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );

/**
 * What unknown usernames are checked against, so that a login costs the same
 * whether or not the account exists. Its key matches no password.
 */
const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(KEYLEN).toString("base64")}`;

function parse(stored: string): { params: KdfParams; salt: Buffer; expected: Buffer } | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0)) return undefined;
  return { params: { n, r, p }, salt: Buffer.from(parts[4], "base64"), expected: Buffer.from(parts[5], "base64") };
}

/**
 * Password hashing that cannot take the process down: each scrypt takes 128
 * MiB and a libuv thread (the pool media and DNS share), so at most
 * `concurrency` run at once, at most `maxWaiting` more wait their turn, and
 * beyond that a request is told to try again (503) instead of piling up.
 */
export class PasswordHasher {
  readonly concurrency: number;
  readonly maxWaiting: number;
  readonly #kdf: Kdf;
  #running = 0;
  readonly #queue: Array<() => void> = [];
  /** Instrumentation: the most derivations that ever ran at once (tests may reset it). */
  peak = 0;
  /** Instrumentation: how many verifications ran (known and unknown users alike). */
  verifications = 0;

  constructor(options: { concurrency?: number; maxWaiting?: number; kdf?: Kdf } = {}) {
    this.concurrency = options.concurrency ?? 2;
    this.maxWaiting = options.maxWaiting ?? 32;
    this.#kdf = options.kdf ?? scryptKdf;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  async #derive(password: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
    if (this.#running >= this.concurrency) {
      if (this.#queue.length >= this.maxWaiting) {
        throw new DomainError(503, "The server is busy checking passwords. Wait a moment and try again.", "busy");
      }
      // The slot is handed over by the one that finishes, so `#running` stays as it is.
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else this.#running++;
    this.peak = Math.max(this.peak, this.#running);
    try {
      return await this.#kdf(password, salt, params);
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.#derive(password, salt, { n: N, r: R, p: P });
    return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    this.verifications++;
    const key = await this.#derive(password, parsed.salt, parsed.params);
    return key.length === parsed.expected.length && timingSafeEqual(key, parsed.expected);
  }

  /** For a username that does not exist: the same work as a real verification, always false. */
  async verifyUnknown(password: string): Promise<false> {
    await this.verify(password, DUMMY_HASH);
    return false;
  }
}

const unbounded = new PasswordHasher({ concurrency: Number.POSITIVE_INFINITY, maxWaiting: 0 });

/** One-off hashing outside the services' shared hasher (scripts, tests). */
export function hashPassword(password: string): Promise<string> {
  return unbounded.hash(password);
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return unbounded.verify(password, stored);
}
