// Config validation shared by every technique: zod schemas with defaults, errors as one sentence naming the field.
import { z } from 'zod';

export { z };

/** Validates `config` (partial, unknown keys rejected) against `schema`, filling defaults. */
export function validateWith<C>(techniqueId: string, schema: z.ZodType<C>, config: unknown): C {
  const r = schema.safeParse(config ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || '(config)';
  const unknownKeys = issue.code === 'unrecognized_keys' ? ` ${(issue as { keys: string[] }).keys.join(', ')}` : '';
  throw new Error(`Invalid config for technique "${techniqueId}": field "${field}"${unknownKeys}: ${issue.message}.`);
}
