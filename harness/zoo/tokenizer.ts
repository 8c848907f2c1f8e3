// The built-in tokenizer: trained once on the corpus's train split and cached on disk by config hash.
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../core/paths.js';
import { JsonFileError, readJsonFile } from '../../core/json-file.js';
import { hashOf } from '../../core/hash.js';
import { loadCorpus } from '../../datasets/corpus.js';
import { ALGORITHM_VERSION, tokenizerFromJSON, trainTokenizer, type Tokenizer } from '../../text/bpe.js';

const inProcess = new Map<string, Promise<Tokenizer>>();

export async function builtinTokenizerPath(vocabSize: number, lowercase = false): Promise<string> {
  const corpus = await loadCorpus();
  const key = hashOf({ vocabSize, lowercase, corpus: corpus.contentHash, algorithm: ALGORITHM_VERSION });
  return path.join(cacheDir('tokenizers'), `bpe-${vocabSize}${lowercase ? '-lc' : ''}-${key}.json`);
}

export function builtinTokenizer(vocabSize: number, opts: { lowercase?: boolean } = {}): Promise<Tokenizer> {
  const lowercase = opts.lowercase ?? false;
  const id = `${vocabSize}:${lowercase}`;
  let p = inProcess.get(id);
  if (!p) inProcess.set(id, (p = load(vocabSize, lowercase)));
  return p;
}

async function load(vocabSize: number, lowercase: boolean): Promise<Tokenizer> {
  const file = await builtinTokenizerPath(vocabSize, lowercase);
  if (fs.existsSync(file)) {
    const role = { what: 'Cached tokenizer', fix: 'delete it and it is trained again' };
    const json = readJsonFile(file, role);
    try {
      return tokenizerFromJSON(json);
    } catch (e) {
      throw new JsonFileError(file, `${role.what} ${file} is not usable (${(e as Error).message.replace(/\.$/, '')}); ${role.fix}.`);
    }
  }
  const corpus = await loadCorpus();
  const tok = trainTokenizer(corpus.train.map((d) => d.text), { vocabSize, lowercase });
  // Write then rename, so a parallel process never reads a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(tok.toJSON()));
  fs.renameSync(tmp, file);
  return tok;
}
