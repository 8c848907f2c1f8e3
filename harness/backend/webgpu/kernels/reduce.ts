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
