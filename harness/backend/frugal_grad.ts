// Backprop that frees as it goes: replaces the tfjs engine's `gradients` (behind tf.variableGrads, tf.grads and the
// optimizers) with the same algorithm, except that each node's saved activations and its output gradients are
// disposed as soon as the node's backward has run, as PyTorch's autograd does. tfjs 4.22 keeps every saved
// activation and every intermediate gradient until the whole backward pass ends, so its peak held the forward's
// activations plus all their gradients: 2.7 GB for a LoRA step of BERT-base's shape where PyTorch needs ~1.6 GB.
// Nested (higher-order) gradients keep tfjs's own version, which must keep the tape for the outer pass.
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: tf.Tensor[] };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string | (() => T), f?: () => T): T;
}

/** The nodes that connect xs to y, inputs pruned to those that depend on xs (tfjs's getFilteredNodesXToY). */
function nodesXToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      node.outputs.forEach((o) => fromX.add(o.id));
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  return tape.filter((n) => nodesFromX.has(n.id) && nodesToY.has(n.id)).map((n) => ({
    ...n,
    inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))),
  }));
}

let installed = false;
let enabled = true;

/** Switches between the frugal and tfjs's own backprop (tests compare the two). */
export function setFrugalGradients(on: boolean): void {
  enabled = on;
}

/** Installs the frugal `gradients` on the tfjs engine (once per process; every backend benefits). */
export function installFrugalGradients(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const stock = engine.gradients.bind(engine);
  engine.gradients = (f, xs, dy, allowNoGradients = false) => {
    if (!enabled || engine.state.gradientDepth > 0) return stock(f, xs, dy, allowNoGradients);
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const tape = engine.state.activeTape!;
    const filtered = nodesXToY(tape, xs, y);
    if (!allowNoGradients && filtered.length === 0 && xs.length > 0) {
      throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
    }
    return engine.tidy('backward', () => {
      const acc = new Map<number, tf.Tensor>([[y.id, dy ?? tf.onesLike(y)]]);
      const wanted = new Set(xs.map((x) => x.id));
      for (let i = filtered.length - 1; i >= 0; i--) {
        const node = filtered[i];
        const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
        if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const inputGradients = node.gradient(dys);
        for (const [name, x] of Object.entries(node.inputs)) {
          if (!(name in inputGradients)) {
            throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
          }
          let dx = engine.tidy(() => inputGradients[name]());
          // A gradient may hand an output's gradient straight back; ours is disposed below, so hold a clone.
          if (dys.includes(dx)) dx = tf.clone(dx);
          if (dx.dtype !== 'float32') {
            throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
          }
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
          }
          const cur = acc.get(x.id);
          if (cur == null) acc.set(x.id, dx);
          else { acc.set(x.id, tf.add(cur, dx)); cur.dispose(); dx.dispose(); }
        }
        // This node's backward has run: nothing reads its activations or its output gradients again.
        for (const o of node.outputs) {
          const g = acc.get(o.id);
          if (g && !wanted.has(o.id) && g !== dy) g.dispose();
          if (!wanted.has(o.id)) acc.delete(o.id);
        }
        for (const t of node.saved ?? []) t.dispose();
      }
      const grads = xs.map((x) => acc.get(x.id)) as tf.Tensor[];
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
      return { value: y, grads };
    });
  };
}
