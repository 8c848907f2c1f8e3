// The JSON files of a Hugging Face checkpoint folder checked before anything is built from them: config.json per family
// (a missing or wrong-typed size, a model without layers, heads that do not divide the width) and the shard index
// model.safetensors.index.json. Each problem is one sentence naming the file and the field.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkJson, JsonFileError, readJsonWith, type JsonFileRole } from '../../../core/json-file.js';

/** A size: a whole number of at least 1 (a model with 0 layers or heads cannot be built, let alone fine-tuned). */
const size = z.int().min(1);
const positive = z.number().positive();

/** `width / heads` must be whole: each attention head gets that many dimensions. */
function headsDivide(width: string, heads: string) {
  return (value: any, ctx: z.core.$RefinementCtx<any>) => {
    const c = value as Record<string, number>;
    if (c[width] % c[heads] !== 0) {
      ctx.addIssue({ code: 'custom', path: [heads], message: `is ${c[heads]}, which does not divide ${width} ${c[width]} (each head gets ${width} / ${heads} dimensions)` });
    }
  };
}

const gpt2 = z
  .looseObject({
    n_embd: size,
    n_head: size,
    n_layer: size,
    n_positions: size,
    n_inner: size.nullish(),
    vocab_size: size.optional(),
    layer_norm_epsilon: positive.optional(),
    activation_function: z.string().optional(),
  })
  .superRefine(headsDivide('n_embd', 'n_head'));

const bert = z
  .looseObject({
    model_type: z.string(),
    hidden_size: size,
    num_attention_heads: size,
    num_hidden_layers: size,
    intermediate_size: size,
    max_position_embeddings: size,
    vocab_size: size.optional(),
    pad_token_id: z.int().nullish(),
    layer_norm_eps: positive.optional(),
    hidden_act: z.string().optional(),
  })
  .superRefine(headsDivide('hidden_size', 'num_attention_heads'))
  .superRefine((c, ctx) => {
    // RoBERTa numbers positions from pad_token_id + 1, so the table needs rows beyond that for at least one position.
    const first = ['roberta', 'xlm-roberta', 'camembert'].includes(c.model_type) ? (c.pad_token_id ?? 1) + 1 : 0;
    if (c.max_position_embeddings <= first) {
      ctx.addIssue({ code: 'custom', path: ['max_position_embeddings'], message: `is ${c.max_position_embeddings}, which leaves no positions after the first ${first} rows ${c.model_type} reserves (pad_token_id + 1)` });
    }
  });

const llama = z
  .looseObject({
    hidden_size: size,
    num_attention_heads: size,
    num_hidden_layers: size,
    intermediate_size: size,
    num_key_value_heads: size.nullish(),
    max_position_embeddings: size.optional(),
    head_dim: size.nullish(),
    vocab_size: size.optional(),
    rms_norm_eps: positive.optional(),
    rope_theta: positive.optional(),
  })
  .superRefine(headsDivide('hidden_size', 'num_attention_heads'))
  .superRefine((c, ctx) => {
    const kv = c.num_key_value_heads;
    if (kv != null && c.num_attention_heads % kv !== 0) {
      ctx.addIssue({ code: 'custom', path: ['num_key_value_heads'], message: `is ${kv}, which does not divide num_attention_heads ${c.num_attention_heads} (each key/value head serves a whole group of query heads)` });
    }
  });

/** model_type → the schema of its config.json. Types without one are refused by the importer with the list it reads. */
const SCHEMAS: Record<string, z.ZodType> = { gpt2, bert, roberta: bert, 'xlm-roberta': bert, camembert: bert, llama, mistral: llama };

const configRole: JsonFileRole = { what: 'Checkpoint config', fix: 'correct it (the model card lists the right values) or point the suite at another checkpoint' };

/** Reads config.json and checks the fields the importer reads for its model_type. */
export function readHfConfig(file: string): Record<string, any> {
  const c = readJsonWith(file, z.looseObject({ model_type: z.string().min(1) }), configRole);
  const schema = SCHEMAS[c.model_type];
  if (schema) checkJson(schema, c, file, configRole);
  return c;
}

/** A shard's file name: a plain name in the checkpoint folder (an index must not point outside it). */
const shardName = z.string().min(1).refine((f) => path.basename(f) === f && f !== '.' && f !== '..', { message: 'is not a file name in the checkpoint folder' });

const shardIndex = z.looseObject({
  weight_map: z.record(z.string(), shardName).refine((m) => Object.keys(m).length > 0, { message: 'is empty, but must map each tensor name to its shard file' }),
});

/** The shard files model.safetensors.index.json lists, each checked to exist beside it. */
export function readShardIndex(file: string): string[] {
  const role: JsonFileRole = { what: 'Checkpoint shard index', fix: 'restore it from the checkpoint\'s source (its weight_map names each tensor\'s shard file)' };
  const { weight_map } = readJsonWith(file, shardIndex, role);
  const dir = path.dirname(file);
  const shards = [...new Set(Object.values(weight_map))].sort();
  for (const f of shards) {
    if (!fs.existsSync(path.join(dir, f))) {
      const tensor = Object.keys(weight_map).find((t) => weight_map[t] === f);
      throw new JsonFileError(file, `Checkpoint shard index ${file}: field "weight_map.${tensor}" names shard ${f}, which is not in ${dir}; copy the missing shard there or restore the index.`);
    }
  }
  return shards.map((f) => path.join(dir, f));
}
