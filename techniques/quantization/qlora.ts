// QLoRA (Dettmers et al., 2023): the frozen base in 4-bit NormalFloat, block 64, scales double-quantized; fp32 LoRA on every block linear.
// Here the embedding table and LM head are stored in NF4 as well, so the whole base is ~0.13 × fp32 as in the paper's 7B+ models.
import { technique, z } from '../shared/config.js';
import { packWeight } from './quant/packed-weight.js';
import { ALL_LINEARS, BLOCK_LINEARS, QuantizedBase, weightValues } from './quant/quantized-base.js';
import { quantLora } from './quant/lora.js';
import { applied } from '../shared/applied.js';

export const qloraSchema = z
  .object({
    r: z.number().int().positive().default(8), // QLoRA uses r = 64 on 7B–65B models but finds r does not matter once all linears are adapted (§4, Fig. 4)
    alpha: z.number().positive().default(2), // the paper's scale α/r = 16/64 = 0.25 (r = 64, α = 16), kept at our r = 8
    dropout: z.number().min(0).max(0.9).default(0.1), // the paper's 0.1 for models up to 13B
    block: z.number().int().positive().default(64), // NF4 block size 64 (§3)
    doubleQuant: z.boolean().default(true), // 8-bit scales in blocks of 256: 0.127 instead of 0.5 bits per weight (§3)
    quantize: z.string().default(ALL_LINEARS), // the linears stored in NF4 (blocks and LM head); norms, biases and the new task head stay fp32
    embeddings: z.boolean().default(true), // the token table in NF4 too: a third of a tiny model's weights (see quantized-base.ts)
    targets: z.string().default(BLOCK_LINEARS), // "LoRA on all linear transformer block layers" is needed to match 16-bit fine-tuning (§4)
  })
  .strict();
export type QloraConfig = z.infer<typeof qloraSchema>;

const nf4 = (cfg: QloraConfig) => ({ kind: 'nf4', block: cfg.block, doubleQuant: cfg.doubleQuant }) as const;

export const qlora = technique<QloraConfig>({
  id: 'qlora',
  name: 'QLoRA',
  category: 'quantization',
  paper: { title: 'QLoRA: Efficient Finetuning of Quantized LLMs', year: 2023, arxiv: '2305.14314' },
  schema: qloraSchema,
  // Quantizing the base changes outputs at init; the fp32 weights stay untouched (kept for the disable path, see quantized-base.ts).
  properties: { identityAtInit: false, changesBase: false },
  lrMultiplier: 10, // LoRA's multiplier: QLoRA trains its adapters at LoRA-sized rates (2e-4 for 7B)
  // In a trial the base's linears are packed as they are read: the fp32 weights of a 1B-7B base never exist at once.
  packAtLoad: (cfg) => ({ pattern: cfg.quantize, pack: (w, dIn, dOut) => packWeight(w, dIn, dOut, nf4(cfg)) }),
  apply(model, cfg, ctx) {
    const format = nf4(cfg);
    const base = new QuantizedBase(model, model.find(cfg.quantize), (l) => packWeight(weightValues(l), l.dIn, l.dOut, format));
    if (cfg.embeddings) base.quantizeEmbeddings((w, rows, cols) => packWeight(w, rows, cols, format));
    const adapter = quantLora(model, model.find(cfg.targets), { r: cfg.r, scale: cfg.alpha / cfg.r, dropout: cfg.dropout, seed: ctx.seed });
    return applied(model, adapter, base);
  },
});
