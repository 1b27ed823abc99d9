// Types for scripts/build.mjs (imported by the tests and vitest's global setup).
export declare const ROOT: string;
export declare const DIST: string;
export declare const OUTFILE: string;
/** Why dist/pictor.js cannot be run as it is, or null when it matches the sources. */
export declare function staleness(): string | null;
/** Builds dist/pictor.js, its chunks, source maps and manifest. */
export declare function build(): Promise<{ inputs: number; bytes: number }>;
/** Builds unless dist/pictor.js already matches the sources; returns why it built, or null. */
export declare function ensureBuilt(): Promise<string | null>;
/** esbuild's errors as compiler-style lines. */
export declare function formatBuildError(error: unknown): string;
