// JSON files ftbench reads but did not just write (checkpoint configs, shard indexes, caches, export manifests): parsed
// and checked against a zod schema, so a bad file is one sentence naming the file, the field, its value and the fix.
import fs from 'node:fs';
import type { z } from 'zod';

/** How a file is named in the sentence ("Checkpoint config", "Cached base description") and what the user can do. */
export interface JsonFileRole {
  what: string;
  fix: string;
}

/** A problem with a JSON file the user (or a cache) gave: the message is the whole sentence. */
export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'JsonFileError';
  }
}

/** Parses `file`; a missing or unparsable file throws one sentence naming it. */
export function readJsonFile(file: string, role: JsonFileRole): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new JsonFileError(file, `${role.what} ${file} cannot be read (${(e as Error).message.replace(/\.$/, '')}); ${role.fix}.`);
  }
  try {
    return JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (e) {
    throw new JsonFileError(file, `${role.what} ${file} is not valid JSON (${(e as Error).message.replace(/\.$/, '')}); ${role.fix}.`);
  }
}

/** Checks a parsed value against `schema`; the first problem throws one sentence naming the file and the field. */
export function checkJson<S extends z.ZodType>(schema: S, value: unknown, file: string, role: JsonFileRole): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.');
  const where = field ? `field "${field}" ${describeIssue(issue, valueAt(value, issue.path))}` : describeIssue(issue, value, 'its content');
  throw new JsonFileError(file, `${role.what} ${file}: ${where}; ${role.fix}.`);
}

/** readJsonFile then checkJson. */
export function readJsonWith<S extends z.ZodType>(file: string, schema: S, role: JsonFileRole): z.output<S> {
  return checkJson(schema, readJsonFile(file, role), file, role);
}

function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** JSON text of a value, cut short: the sentence shows what is there without pasting a whole file. */
export function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const EXPECTED: Record<string, string> = {
  number: 'a number', int: 'a whole number', string: 'a string', boolean: 'true or false', array: 'a list',
  object: 'an object', record: 'an object', tuple: 'a list', null: 'null',
};

/** The issue as a clause about the field: "is 0, but must be at least 1", "is missing, but must be a number". */
function describeIssue(issue: z.core.$ZodIssue, value: unknown, subject = ''): string {
  const is = `${subject ? `${subject} ` : ''}${value === undefined ? 'is missing' : `is ${shown(value)}`}`;
  switch (issue.code) {
    case 'invalid_type':
      return `${is}, but must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return `${is}, but must have at least ${issue.minimum} ${issue.origin === 'array' ? 'items' : 'characters'}`;
      return `${is}, but must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'string') return `${is}, but must have at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`;
      return `${is}, but must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_value':
      return `${is}, but must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'unrecognized_keys':
      return `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      // Custom checks (a refine) write their own clause, which names the value where it matters.
      return issue.code === 'custom' ? issue.message : `${is}: ${issue.message.replace(/\.$/, '')}`;
  }
}
