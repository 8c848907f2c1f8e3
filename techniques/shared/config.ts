// Config validation shared by every technique: zod schemas with defaults, errors as one sentence naming the field.
import { z } from 'zod';
import type { Technique } from '../../harness/plugin.js';

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

/** What a plugin file declares: the technique without defaults and validate, which come from its schema. */
export type TechniqueSpec<C extends object> = Omit<Technique<C>, 'defaults' | 'validate' | 'schema'> & { schema: z.ZodType<C> };

/** A technique from its spec: defaults = schema.parse({}), validate names the first bad field in one sentence. */
export function technique<C extends object>(spec: TechniqueSpec<C>): Technique<C> {
  return { ...spec, defaults: spec.schema.parse({}), validate: (c) => validateWith(spec.id, spec.schema, c) };
}
