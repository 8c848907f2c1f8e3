// The WGSL text the fused kernels share, as builders: a kernel's whole text from its parts, and the three ways a
// kernel's threads divide the work (a thread per element; a workgroup per row; a workgroup per column, summing down
// it), so that a forward kernel and its gradients write only what differs between them.
import { GROUP_INDEX, WG, bindings } from '../runner.js';
import { RW, WORKGROUP_REDUCE } from './reduce.js';

/** The entry point's builtins, named as every kernel body reads them: w (workgroup), n (workgroups), lid (thread). */
const ARGS = '@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) lid: u32';

export interface KernelText {
  /** Buffers written (read_write f32), then buffers read, in launch()'s binding order. */
  outputs: string[];
  inputs: string[];
  /** The uniform struct's members, read as `u.<name>` (u32 members first, as launch() writes them). */
  uniforms: string;
  /** WGSL types of inputs that are not f32 arrays' elements (e.g. labels: 'i32'). */
  types?: Record<string, string>;
  /** Module-scope WGSL between the bindings and `main`: helpers, constants, workgroup memory. */
  head?: string;
  /** Threads per workgroup. */
  size: number;
  /** The statements of `main`. */
  body: string;
}

/** A whole compute kernel: bindings, the head, and `main` with the builtins w, n and lid. */
export function kernel(k: KernelText): string {
  return /* wgsl */ `
${bindings(k.outputs, k.inputs, k.uniforms, k.types)}
${k.head ?? ''}
@compute @workgroup_size(${k.size})
fn main(${ARGS}) {
${k.body}
}`;
}

type Parts = Omit<KernelText, 'size'>;

/** A thread per element i < `count` (launched as grid(ceil(count / WG))); threads past the end return at once. */
export function elementwise(k: Parts & { count: string }): string {
  return kernel({
    ...k,
    head: `${GROUP_INDEX}\n${k.head ?? ''}`,
    size: WG,
    body: `  let i = groupIndex(w, n) * ${WG}u + lid;\n  if (i >= ${k.count}) { return; }\n${k.body}`,
  });
}

/**
 * A workgroup of RW threads per row (launched as grid(rows)), with wgSum/wgMax; the body reads `row` and its offset
 * `o` = row·`width`. A workgroup past the last row repeats that row's identical writes, so that every thread reaches
 * the barriers.
 */
export function perRow(k: Parts & { width: string }): string {
  return kernel({
    ...k,
    head: `${WORKGROUP_REDUCE}\n${GROUP_INDEX}${k.head ?? ''}`,
    size: RW,
    body: `  let row = min(groupIndex(w, n), u.rows - 1u);\n  let o = row * ${k.width};\n${k.body}`,
  });
}

/**
 * Inside perRow: the row's max over `width` columns of `src` in `m`, and this thread's part of Σ exp(src − m) in `s`
 * (wgSum(s, lid) is the row's), as the softmax and the log-sum-exp both begin.
 */
export const rowMaxAndExpSum = (src: string, width: string) => /* wgsl */ `
  var m = -3.4e38;
  for (var j = lid; j < ${width}; j += RW) { m = max(m, ${src}[o + j]); }
  m = wgMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < ${width}; j += RW) { s += exp(${src}[o + j] - m); }`;

/**
 * out[j] = Σ over the u.rows rows r of `term` (WGSL reading r and j): a workgroup of RW threads per column j < u.d
 * (launched as grid(d)), as the parameter gradients of the norms sum over rows.
 */
export function columnSum(k: Omit<Parts, 'head' | 'body' | 'outputs'> & { out: string; term: string }): string {
  return kernel({
    ...k,
    outputs: [k.out],
    head: `${WORKGROUP_REDUCE}\n${GROUP_INDEX}`,
    size: RW,
    body: `  let j = min(groupIndex(w, n), u.d - 1u);
  var s = 0.0;
  for (var r = lid; r < u.rows; r += RW) { s += ${k.term}; }
  let t = wgSum(s, lid);
  if (lid == 0u) { ${k.out}[j] = t; }`,
  });
}
