import { z } from "zod";

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** true/false, 1/0, yes/no, on/off. */
export const envBool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ["1", "0", "true", "false", "yes", "no", "on", "off", ""].includes(v), {
    message: "must be true or false",
  })
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

/** A whole number within [min, max]. */
export const envInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * Reads the variables a schema names from the environment (empty counts as
 * unset; others are ignored). A bad value throws a ConfigError naming every
 * variable that is wrong.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") cleaned[key] = v;
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}
