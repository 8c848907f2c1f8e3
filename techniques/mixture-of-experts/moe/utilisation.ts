// Expert utilisation: the share of tokens each expert receives per layer, accumulated over forward passes.
export interface LayerLoad {
  share: Float64Array; // Σ over tokens (and routers) of each token's routing share per expert
  tokens: number; // tokens × routers counted
}

export class Utilisation {
  private readonly layers = new Map<number, LayerLoad>();

  /** load: N×E row-major per-token shares (rows sum to 1); mask: N (1 = real token) or null for all. */
  add(layer: number, load: Float32Array, E: number, mask: Float32Array | null): void {
    let l = this.layers.get(layer);
    if (!l || l.share.length < E) {
      const grown = new Float64Array(E);
      if (l) grown.set(l.share);
      l = { share: grown, tokens: l?.tokens ?? 0 };
      this.layers.set(layer, l);
    }
    const N = load.length / E;
    for (let n = 0; n < N; n++) {
      const m = mask ? mask[n] : 1;
      if (!m) continue;
      for (let e = 0; e < E; e++) l.share[e] += m * load[n * E + e];
      l.tokens += m;
    }
  }

  get empty(): boolean {
    return this.layers.size === 0;
  }

  /** Shares per layer (each layer's sum to 1). */
  shares(): Map<number, number[]> {
    return new Map([...this.layers].sort(([a], [b]) => a - b).map(([i, l]) => [i, Array.from(l.share, (s) => (l.tokens ? s / l.tokens : 0))]));
  }

  /** `util.layer<N>.expert<E>` = share of layer N's tokens routed to expert E (0..1): the names the report charts. */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [i, s] of this.shares()) s.forEach((v, e) => (out[`util.layer${i}.expert${e}`] = v));
    return out;
  }
}

/** Entropy of a share vector in nats (ln E when perfectly even): how evenly a layer's experts are used. */
export function entropy(shares: number[]): number {
  return -shares.reduce((h, p) => (p > 0 ? h + p * Math.log(p) : h), 0);
}
