// Special tokens and their fixed ids, shared by every tokenizer so models and batches can rely on them.

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export const PAD = 0;
export const UNK = 1;
/** [CLS] doubles as BOS for decoders. */
export const CLS = 2;
export const BOS = CLS;
/** [SEP] doubles as EOS for decoders. */
export const SEP = 3;
export const EOS = SEP;
export const MASK = 4;

export const NUM_SPECIAL = SPECIAL_TOKENS.length;
