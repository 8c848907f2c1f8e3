// WGSL helpers shared by the row kernels: a workgroup-wide sum and max over RW threads (RW a power of two).
// Call them from uniform control flow only (they hold barriers).

export const RW = 128; // threads per row (LayerNorm, softmax) or per column (LayerNorm's parameter gradients)

export const WORKGROUP_REDUCE = /* wgsl */ `
const RW: u32 = ${RW}u;
var<workgroup> red: array<f32, ${RW}>;
fn wgSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = RW / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn wgMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = RW / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

// The same two functions on a device with subgroups: each subgroup reduces in registers, its first thread writes the
// result to a slot, and every thread adds up the slots: 2 barriers where the tree above takes 2 + log2(RW). Subgroups
// are taken to be runs of consecutive threads (lid / size), which subgroups.ts checks on the device before using this.
// Slots past the last subgroup's hold the operation's identity, so every thread reads the same RW/4 of them (4 is the
// smallest subgroup WebGPU allows) without knowing the size.
const subgroupReduce = (name: string, op: string, sub: string, identity: string) => /* wgsl */ `
fn ${name}(v: f32, lid: u32) -> f32 {
  let size = subgroupAdd(1u);
  let r = ${sub}(v);
  if (lid % size == 0u) { red[lid / size] = r; }
  if (lid >= RW / size && lid < RW / 4u) { red[lid] = ${identity}; }
  workgroupBarrier();
  var t = red[0];
  for (var i = 1u; i < RW / 4u; i++) { t = ${op}; }
  workgroupBarrier();
  return t;
}`;

export const SUBGROUP_REDUCE = /* wgsl */ `
const RW: u32 = ${RW}u;
var<workgroup> red: array<f32, ${RW / 4}>;
${subgroupReduce('wgSum', 't + red[i]', 'subgroupAdd', '0.0')}
${subgroupReduce('wgMax', 'max(t, red[i])', 'subgroupMax', '-3.4e38')}`;

/** A kernel's text for a device with subgroups: the subgroup form of wgSum/wgMax where it has the tree form. */
export function withSubgroups(code: string): string {
  return code.includes(WORKGROUP_REDUCE) ? `enable subgroups;\n${code.replace(WORKGROUP_REDUCE, SUBGROUP_REDUCE)}` : code;
}
