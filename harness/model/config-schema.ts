// ModelConfig as data read back from a file (a cached base's description): every size a whole number ≥ 1 and the
// heads dividing the width, so a damaged cache is refused before a model is built from it.
import { z } from 'zod';

const size = z.int().min(1);
const positive = z.number().positive();

/** Loose: a field a newer ModelConfig adds passes through unchecked rather than being dropped. */
export const modelConfigSchema = z
  .looseObject({
    family: z.enum(['encoder', 'decoder', 'gpt2']),
    vocabSize: size,
    dModel: size,
    nLayers: size,
    nHeads: size,
    dFF: size,
    maxLen: size,
    normEps: positive,
    ropeTheta: positive,
    ropeScale: positive,
    initStd: positive.optional(),
    act: z.enum(['gelu-tanh', 'gelu-erf']).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.dModel % c.nHeads !== 0) ctx.addIssue({ code: 'custom', path: ['nHeads'], message: `is ${c.nHeads}, which does not divide dModel ${c.dModel}` });
  });
