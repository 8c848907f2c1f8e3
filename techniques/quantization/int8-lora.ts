// LLM.int8() weights only (Dettmers et al., 2022) + LoRA: the frozen base in int8 with one absmax scale per output channel, fp32 LoRA on top.
import { technique, z } from '../shared/config.js';
import { packWeight } from './quant/packed-weight.js';
import { BLOCK_LINEARS, QuantizedBase, weightValues } from './quant/quantized-base.js';
import { quantLora } from './quant/lora.js';
import { applied } from '../shared/applied.js';

export const int8LoraSchema = z
  .object({
    // LLM.int8 is a quantization paper; the LoRA on top takes LoRA's own GLUE defaults (r = 8, α = r, W_q and W_v).
    r: z.number().int().positive().default(8),
    alpha: z.number().positive().default(8),
    dropout: z.number().min(0).max(0.9).default(0),
    targets: z.string().default('layers.*.attn.{q,v}'),
    quantize: z.string().default(BLOCK_LINEARS), // LLM.int8 quantizes every linear of the blocks; embeddings, norms, heads stay fp32
  })
  .strict();
export type Int8LoraConfig = z.infer<typeof int8LoraSchema>;

/**
 * "Row-wise" absmax in the paper is per row of PyTorch's [out, in] weight, i.e. one scale per output channel: in our
 * [d_in, d_out] layout, per column, over all of d_in. The paper's outlier decomposition concerns activations (16-bit
 * matmul for outlier feature dimensions); with weights only quantized there is nothing to decompose.
 */
const INT8_ROWWISE = { kind: 'int', bits: 8, group: 0, symmetric: true } as const;

export const int8Lora = technique<Int8LoraConfig>({
  id: 'int8-lora',
  name: 'LLM.int8 + LoRA',
  category: 'quantization',
  paper: { title: 'LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale', year: 2022, arxiv: '2208.07339' },
  schema: int8LoraSchema,
  // Quantizing changes outputs at init; the fp32 weights stay untouched (kept for the disable path, see quantized-base.ts).
  properties: { identityAtInit: false, changesBase: false },
  lrMultiplier: 10, // LoRA's: lr 5e-4 against ~5e-5 for full fine-tuning of RoBERTa-base
  apply(model, cfg, ctx) {
    const base = new QuantizedBase(model, model.find(cfg.quantize), (l) => packWeight(weightValues(l), l.dIn, l.dOut, INT8_ROWWISE));
    const adapter = quantLora(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    return applied(model, adapter, base);
  },
});
