// The description cached beside each base checkpoint (<id>-<key>.json: config, checkpoint hash, what pretraining
// measured), read back with its fields checked before any model is built from it.
import { z } from 'zod';
import { readJsonWith, type JsonFileRole } from '../../core/json-file.js';
import { modelConfigSchema } from '../model/config-schema.js';

/** JSON has no NaN: an imported base's unmeasured pretraining numbers come back as null. */
const measured = z.number().nullable().transform((v) => v ?? NaN);

const baseInfoSchema = z.looseObject({
  id: z.string().min(1),
  config: modelConfigSchema,
  checkpoint: z.string().min(1),
  checkpointHash: z.string().min(1),
  pretrain: z.looseObject({ steps: z.int().min(0), seconds: measured, finalLoss: measured, heldOutLoss: measured, heldOutPerplexity: measured }),
  imported: z.looseObject({ from: z.string(), arch: z.string(), notes: z.array(z.string()) }).optional(),
});

export type CachedBaseInfo = z.output<typeof baseInfoSchema>;

/** Reads a cached base's description; a damaged one is one sentence naming the file and the field. */
export function readBaseInfo(file: string): CachedBaseInfo {
  const role: JsonFileRole = { what: 'Cached base description', fix: 'delete it (and the .safetensors beside it) and the base is built again' };
  return readJsonWith(file, baseInfoSchema, role);
}

