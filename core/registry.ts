// One generic registry for techniques, models, datasets and suites: duplicate-safe, with "did you mean" errors.

export class Registry<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  constructor(readonly kind: string) {}

  register(item: T): T {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(item.id)) {
      throw new Error(`Cannot register ${this.kind} "${item.id}": ids are lower-case letters, digits and dashes.`);
    }
    if (this.items.has(item.id)) throw new Error(`Cannot register ${this.kind} "${item.id}": that id is already registered.`);
    this.items.set(item.id, item);
    return item;
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  get(id: string): T {
    const item = this.items.get(id);
    if (item) return item;
    const near = closest(id, [...this.items.keys()]);
    const hint = near ? ` Did you mean "${near}"?` : '';
    throw new Error(`Unknown ${this.kind} "${id}".${hint} Available: ${[...this.items.keys()].join(', ')}.`);
  }

  all(): T[] {
    return [...this.items.values()];
  }
}

function closest(word: string, options: string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const o of options) {
    const d = editDistance(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
