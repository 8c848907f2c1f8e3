// Meters: step time, tokens/s, peak tensor bytes and peak process RSS, sampled while training.
import * as tf from '@tensorflow/tfjs';

export class Meter {
  peakBytes = 0;
  peakRss = 0;
  private t0 = 0;
  private ms = 0;
  private steps = 0;
  private tokens = 0;

  start(): void {
    this.t0 = performance.now();
  }

  /** Called while the step's activations and gradients are alive, where tensor memory peaks. */
  sampleMemory(): void {
    this.peakBytes = Math.max(this.peakBytes, tf.memory().numBytes);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  stop(tokens: number): void {
    this.ms += performance.now() - this.t0;
    this.steps += 1;
    this.tokens += tokens;
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }

  msPerStep(): number {
    return this.steps ? this.ms / this.steps : 0;
  }

  tokensPerS(): number {
    return this.ms ? (this.tokens * 1000) / this.ms : 0;
  }
}
