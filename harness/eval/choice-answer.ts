// Answer extraction for multiple choice by generation, as LLM-Adapters' commonsense_evaluate.py scores its 8 tasks.
import type { Metric } from './metric.js';

/**
 * The answer words of each task family: the first of them in the generated text is the answer (case-sensitive,
 * as re.findall in LLM-Adapters). BoolQ answers true/false, PIQA solution1/2, SIQA, ARC and OBQA answer1-5,
 * HellaSwag ending1-4, WinoGrande option1/2.
 */
export const ANSWER_PATTERNS: { family: string; tasks: string[]; re: RegExp }[] = [
  { family: 'true/false', tasks: ['boolq'], re: /true|false/ },
  { family: 'solutionN', tasks: ['piqa'], re: /solution1|solution2/ },
  { family: 'answerN', tasks: ['social_i_qa', 'ARC-Challenge', 'ARC-Easy', 'openbookqa'], re: /answer1|answer2|answer3|answer4|answer5/ },
  { family: 'endingN', tasks: ['hellaswag'], re: /ending1|ending2|ending3|ending4/ },
  { family: 'optionN', tasks: ['winogrande'], re: /option1|option2/ },
];

/**
 * The family a gold answer belongs to and its answer word: "true" → true/false, "answer3" → answerN; a training
 * output ("the correct answer is answer3", the form a dev split carved from commonsense_170k has) gives its word too.
 */
export function goldAnswer(gold: string): { re: RegExp; word: string } | null {
  for (const p of ANSWER_PATTERNS) {
    const m = p.re.exec(gold.trim());
    if (m) return { re: p.re, word: m[0] };
  }
  return null;
}

function goldOrFail(gold: string) {
  const g = goldAnswer(gold);
  if (!g) throw new Error(`The gold answer "${gold}" is none of the LLM-Adapters answer forms (true/false, solutionN, answerN, endingN, optionN).`);
  return g;
}

/** The first answer word of the gold answer's family in `generated`, or '' when there is none. */
export function extractAnswer(generated: string, gold: string): string {
  return goldOrFail(gold).re.exec(generated.trim())?.[0] ?? '';
}

/** Share of outputs whose extracted answer equals the gold answer's word. */
export function choiceExactMatch(outputs: string[], gold: string[]): number {
  if (outputs.length === 0) return 0;
  return outputs.filter((o, i) => extractAnswer(o, gold[i]) === goldOrFail(gold[i]).word).length / outputs.length;
}

export const CHOICE_METRICS: Metric[] = [
  {
    id: 'choice-em',
    name: 'Accuracy (answer extracted from the generated text)',
    higherIsBetter: true,
    compute: () => {
      throw new Error('Metric "choice-em" scores generated text; call computeText(outputs, answers).');
    },
    computeText: choiceExactMatch,
  },
  {
    id: 'exact-match',
    name: 'Accuracy (output equals the answer)',
    higherIsBetter: true,
    compute: () => {
      throw new Error('Metric "exact-match" scores generated text; call computeText(outputs, answers).');
    },
    // MMLU's answers are picked among the letters (harness/train/objectives/generation.ts), so equality is the score.
    computeText: (outputs, gold) => (outputs.length === 0 ? 0 : outputs.filter((o, i) => o.trim() === gold[i].trim()).length / outputs.length),
  },
];
