// ftbench's command line: run, worker, queue, merge, list, report, pretrain, query, export, import, new. Every error a user can cause ends as one sentence.
import { Command, Option } from 'commander';
import path from 'node:path';
import { DEFAULT_DB, DEFAULT_REPORT_DIR } from '../core/paths.js';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../harness/backend/index.js';
import { explainBackendError } from '../harness/backend/errors.js';
import { loadSuite, builtinSuites } from '../harness/sweep/suite.js';
import { runSweep } from '../harness/sweep/run.js';
import { techniques } from '../techniques/index.js';
import { plainEvents } from './plain.js';
import { listCommand } from './list.js';
import { addQueueCommands, positiveInt } from './queue.js';
import { parseShard, shardDb } from './shard.js';
import { connectionOf, expectRedis } from '../harness/sweep/queue/protocol.js';

const program = new Command('ftbench')
  .description('Benchmark fine-tuning techniques of transformer language models, side by side.')
  .showHelpAfterError();

const backendOption = () => new Option('--backend <name>', 'tensor backend').choices([...BACKEND_CHOICES]).default('auto');

program
  .command('run')
  .description('run a suite (models × datasets × techniques × seeds); finished trials are skipped')
  .option('--suite <name|file>', `built-in suite (${builtinSuites().join(', ')}) or a YAML/JSON file`, 'default')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .addOption(backendOption())
  .option('--plain', 'one line per event, even on a terminal')
  .option('--shard <k/n|auto>', 'run only the k-th of n deterministic shards of the plan; auto: k from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID')
  .option('--shards <n>', 'with --shard auto: the number of shards')
  .option('--retry-failed', 'run again the trials stored as failed')
  .option('--queue <url>', 'queue mode: enqueue the trials on Redis for ftbench worker processes and store their results (docs/scale-out.md)')
  .option('--attempts <n>', 'queue mode: runs a trial gets at most (a crashed worker\'s trial is retried with backoff)', positiveInt('--attempts'), 2)
  .action(async (o: { suite: string; db: string; backend: BackendChoice; plain?: boolean; shard?: string; shards?: string; retryFailed?: boolean; queue?: string; attempts: number }) => {
    const suite = loadSuite(o.suite);
    if (o.queue && o.shard) throw new Error('--queue and --shard are two ways to spread a suite over machines; use one of them.');
    const shard = o.shard ? parseShard(o.shard, o.shards) : undefined;
    o.db = shardDb(o.db, shard);
    if (o.queue) {
      connectionOf(o.queue);
      await expectRedis(o.queue);
    }
    const backend = await initBackend(o.backend);
    console.log(`backend ${backend.name} (${backend.kernelPack}${backend.blas ? `, ${backend.blas}` : ''}), ${backend.threads} threads`);
    // On a terminal the Ink dashboard consumes the sweep's events; off one (CI, pipes) or with --plain, one line per event.
    const ui = process.stdout.isTTY && !o.plain
      ? (await import('./dashboard/index.js')).startDashboard({ resume: `ftbench run --suite ${o.suite} --db ${o.db}${o.queue ? ` --queue ${o.queue}` : ''}` })
      : null;
    let stop = false;
    const onSigint = () => {
      if (stop) {
        ui?.close();
        process.exit(130);
      }
      stop = true;
      if (ui) ui.stopping();
      else if (o.queue) console.log('\nstopping; trials on the queue keep running on the workers, and their results wait in Redis for the next run');
      else console.log('\nstopping after the trial in flight is stored; press Ctrl-C again to quit now');
    };
    process.on('SIGINT', onSigint);
    let summary;
    try {
      const run = o.queue
        ? (await import('../harness/sweep/queue/writer.js')).runQueueSweep
        : runSweep;
      summary = await run(suite, {
        url: o.queue!,
        attempts: o.attempts,
        techniques,
        db: path.resolve(o.db),
        createDir: path.resolve(o.db) === DEFAULT_DB,
        backend,
        events: ui?.events ?? plainEvents(),
        shouldStop: () => stop,
        shard,
        retryFailed: o.retryFailed,
      });
    } catch (e) {
      ui?.close();
      throw e;
    }
    await ui?.finish(summary);
    process.off('SIGINT', onSigint);
    const resume = `ftbench run --suite ${o.suite} --db ${o.db}${o.queue ? ` --queue ${o.queue}` : ''}`;
    console.log(
      `${summary.stopped ? `stopped${summary.stopReason ? ` (${summary.stopReason})` : ''}` : 'done'}: ${summary.ran} trials run (${summary.failed} failed), ${summary.skippedAsDone} already stored; results in ${o.db}` +
        (summary.stopped ? `\nresume with: ${resume}` : ''),
    );
    if (summary.backendDead) {
      throw new Error(`The backend broke (${summary.stopReason}); only that trial is stored as failed: run ${resume} again to continue with a fresh backend.`);
    }
    // A stop the user asked for (Ctrl-C) exits as an interrupted program does.
    if (summary.stopped) process.exit(130);
  });

program
  .command('list')
  .description('list techniques, datasets, models, suites or tables (papers\' tables to reproduce)')
  .argument('<what>', 'techniques | datasets | models | suites | tables')
  .option('--json', 'print JSON')
  .action(listCommand);

program
  .command('reproduce')
  .description("run a paper's table (ftbench list tables) on your checkpoint and data, then write its grid beside the paper's numbers")
  .argument('<table>', 'a built-in table id or a table YAML file')
  .option('--model <dir>', 'the Hugging Face checkpoint folder the table names')
  .option('--data <dir>', "the table's data folder in its official layout")
  .option('--scale <f>', 'share of examples and epochs, in (0, 1]: 0.01 is a smoke run (recorded in the run name)', '1')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .option('--out <dir>', 'where the grid page goes (default reports/out/tables/<table>)')
  .option('--seeds <list>', "only these of the table's seeds, e.g. 0 or 0,1 (a smoke run)")
  .option('--report-only', 'only rebuild the grid from the database')
  .option('--plan', 'only plan: list each suite\'s trials and the ones that cannot fit in memory (nothing is loaded, trained or stored)')
  .addOption(backendOption())
  .action(async (table: string, o: { model?: string; data?: string; scale: string; seeds?: string; db: string; out?: string; reportOnly?: boolean; plan?: boolean; backend: BackendChoice }) => {
    const { planTable, reproduce } = await import('./reproduce.js');
    if (o.plan) {
      console.log(`${await planTable(table, o)} trial(s) cannot fit; nothing was run or stored`);
      return;
    }
    const file = await reproduce(table, o);
    console.log(`grid written to ${file}`);
  });

program
  .command('report')
  .description('write the HTML report (or Markdown/CSV tables) from the results database')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .option('--out <dir>', 'output directory', DEFAULT_REPORT_DIR)
  .option('--run <id>', 'only this run')
  .addOption(new Option('--format <format>', 'output format').choices(['html', 'md', 'csv']).default('html'))
  .action(async (o: { db: string; out: string; run?: string; format: 'html' | 'md' | 'csv' }) => {
    const { buildReport } = await import('../reports/build.js');
    const file = await buildReport({ db: path.resolve(o.db), out: path.resolve(o.out), runId: o.run, format: o.format });
    console.log(`report written to ${file}`);
  });

program
  .command('pretrain')
  .description('pretrain the built-in base models (cached by config hash); --check says what is cached')
  .option('--model <id...>', 'only these models')
  .option('--check', 'only report what is cached')
  .addOption(backendOption())
  .action(async (o: { model?: string[]; check?: boolean; backend: BackendChoice }) => {
    const { models, isCached, ensureBase, cachedImports } = await import('../harness/zoo/bases.js');
    const ids = o.model ?? models.all().map((m) => m.id);
    for (const id of ids) models.get(id);
    if (o.check) {
      for (const id of ids) {
        const c = await isCached(id);
        const r = c.info?.pretrain;
        // What pretraining cost (steps, wall time) and what it reached (held-out perplexity), from the .json beside the checkpoint.
        const stats = r ? `; ${r.steps} steps in ${fmtSeconds(r.seconds)}, final train loss ${r.finalLoss.toFixed(3)}, held-out perplexity ${r.heldOutPerplexity.toFixed(1)}` : '';
        console.log(`${id}: ${c.cached ? `cached at ${c.path}${stats}` : 'not cached (ftbench pretrain builds it)'}`);
      }
      if (!o.model) {
        for (const m of cachedImports()) {
          console.log(`${m.id} (imported ${m.arch}, ~${(m.params / 1e6).toFixed(1)}M params): cached at ${m.file} from ${m.from}${m.notes.length ? `; ${m.notes.join('; ')}` : ''}`);
        }
      }
      return;
    }
    await initBackend(o.backend);
    for (const id of ids) {
      const base = await ensureBase(id, (p) => {
        if (p.step % 50 === 0 || p.step === p.total) console.log(`${id}: step ${p.step}/${p.total} loss ${p.loss.toFixed(3)}`);
      });
      const r = base.pretrain;
      console.log(`${id}: held-out perplexity ${r.heldOutPerplexity.toFixed(1)} after ${r.steps} steps (${r.seconds.toFixed(0)} s); ${base.checkpoint}`);
    }
  });

program
  .command('make-checkpoint')
  .description('write a randomly initialised Hugging Face checkpoint folder of a real shape (for offline tests and benchmarks at real sizes)')
  .argument('<shape>', 'tinyllama-1.1b | llama-7b | qwen2.5-1.5b | gpt2-medium | roberta-base')
  .argument('<dir>', 'folder to write (config.json, tokenizer.json, model.safetensors or shards)')
  .addOption(new Option('--dtype <dtype>', 'weight dtype on disk').choices(['f32', 'bf16', 'f16']).default('f32'))
  .option('--seed <n>', 'seed of the random init', '0')
  .option('--layers <n>', 'fewer layers than the shape has (same widths)')
  .action(async (shape: string, dir: string, o: { dtype: 'f32' | 'bf16' | 'f16'; seed: string; layers?: string }) => {
    const { makeCheckpoint } = await import('../harness/zoo/make-checkpoint.js');
    const { shapeById } = await import('../harness/model/import/shapes.js');
    const s = shapeById(shape);
    const override: Record<string, number> = {};
    if (o.layers !== undefined) {
      const n = Number(o.layers);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--layers must be a positive integer, got "${o.layers}".`);
      override[s.config.model_type === 'gpt2' ? 'n_layer' : 'num_hidden_layers'] = n;
    }
    const seed = Number(o.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${o.seed}".`);
    const r = await makeCheckpoint(s, dir, { dtype: o.dtype, seed, override });
    console.log(`${shape}: ${(r.params / 1e6).toFixed(1)}M parameters, ${(r.bytes / 1e9).toFixed(2)} GB in ${r.files.length} file(s) under ${dir} (${r.seconds.toFixed(0)} s)`);
  });

program
  .command('query')
  .description('run SQL against the results database (read-only) and print the rows')
  .argument('<sql>', 'e.g. "SELECT technique, count(*) FROM trials GROUP BY ALL"')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
  .action(async (sql: string, o: { db: string; format: 'table' | 'csv' | 'json' }) => {
    const { runQuery } = await import('./query.js');
    console.log(await runQuery(path.resolve(o.db), sql, o.format));
  });

program
  .command('export')
  .description('write every table of the results database as Parquet, Arrow IPC or CSV files into a directory')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'arrow', 'csv']).makeOptionMandatory())
  .requiredOption('--out <dir>', 'output directory (created if missing)')
  .action(async (o: { db: string; format: 'parquet' | 'arrow' | 'csv'; out: string }) => {
    const { exportCommand, describeExport } = await import('./export.js');
    console.log(describeExport(await exportCommand(o), path.resolve(o.out)));
  });

program
  .command('import')
  .description('merge an export (ftbench export) into a results database; trials already stored are skipped')
  .argument('<dir>', 'directory written by ftbench export')
  .option('--db <file>', 'DuckDB results file', DEFAULT_DB)
  .action(async (dir: string, o: { db: string }) => {
    const { importCommand, describeImport } = await import('./import.js');
    console.log(describeImport(await importCommand(dir, o), o.db));
  });

program
  .command('new')
  .description('scaffold a plugin: ftbench new technique <id> --category <category>')
  .argument('<kind>', 'technique')
  .argument('<id>', 'the new technique\'s id, e.g. my-adapter')
  .requiredOption('--category <category>', 'training_method | adapter | quantization | parameter_selection | mixture_of_experts | application')
  .option('--root <dir>', 'repository root to write into (default: this checkout)')
  .action(async (kind: string, id: string, o: { category: string; root?: string }) => {
    const { newCommand } = await import('./new.js');
    newCommand(kind, id, o);
  });

addQueueCommands(program);

program
  .command('merge')
  .description('merge results files (one per shard or machine) into one; merging again adds nothing, and conflicts are reported')
  .argument('<files...>', 'DuckDB results files written by ftbench run')
  .requiredOption('--db <file>', 'the DuckDB results file to merge into (created if missing)')
  .action(async (files: string[], o: { db: string }) => {
    const { mergeCommand } = await import('./merge.js');
    const { text, conflicts } = await mergeCommand(files, o.db);
    console.log(text);
    if (conflicts) process.exitCode = 2;
  });

try {
  await program.parseAsync(process.argv);
  // tfjs and DuckDB keep handles open; the work is done, so leave now.
  process.exit(process.exitCode ?? 0);
} catch (e) {
  console.error(`ftbench: ${explainBackendError((e as Error).message)}`);
  if (process.env.FTBENCH_DEBUG) console.error(e);
  process.exit(1);
}

function fmtSeconds(s: number): string {
  return s < 120 ? `${s.toFixed(0)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}
