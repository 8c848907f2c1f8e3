// Maps technique names as papers print them ("Houlsby adapter (HAdapter)") to ftbench technique ids.

// Ordered: the first pattern that matches wins, so specific names come before their prefixes.
const PATTERNS: [RegExp, string][] = [
  [/^full fine-tuning( \(BF16\))?$/i, 'full-ft'],
  [/^full-rank training/i, 'full-ft'],
  [/^LoRA-FA$/i, 'lora-fa'],
  [/^LoRA$/i, 'lora'],
  [/^DoRA$/i, 'dora'],
  [/^VeRA$/i, 'vera'],
  [/^AdaLoRA$/i, 'adalora'],
  [/^DyLoRA$/i, 'dylora'],
  [/^ReLoRA$/i, 'relora'],
  [/^PiSSA$/i, 'pissa'],
  [/^GaLore$/i, 'galore'],
  [/^\(IA\)3$/i, 'ia3'],
  [/^BitFit$/i, 'bitfit'],
  [/^LayerNorm tuning$/i, 'ln-tuning'],
  [/^Houlsby adapter|^Adapter \(Houlsby/i, 'houlsby'],
  [/^parallel adapter/i, 'parallel-adapter'],
  [/^prefix tuning|^prefix-layer tuning/i, 'prefix'],
  [/^prompt tuning/i, 'prompt'],
  [/^QLoRA( \(NF4 \+ DQ\))?$/i, 'qlora'],
  [/^QA-LoRA \(INT4\)$/i, 'qalora'],
  [/^LoftQ \(NF4\)$/i, 'loftq'],
  [/^PEQA/i, 'peqa'],
  [/^FishMask/i, 'fishmask'],
  [/^fine-tune top-2 layers/i, 'partial-ft'],
];

export function ftbenchId(printed: string): string | null {
  for (const [re, id] of PATTERNS) if (re.test(printed.trim())) return id;
  return null;
}
