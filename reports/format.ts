// Number formatting shared by every output format: counts, bytes, rates, percentages.

export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [u, s] of units) if (Math.abs(n) >= u) return `${(n / u).toPrecision(3)}${s}`;
  return String(Math.round(n));
}

export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [u, s] of units) if (Math.abs(n) >= u) return `${(n / u).toPrecision(3)} ${s}`;
  return `${Math.round(n)} B`;
}

export function formatPct(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return '—';
  // Adapters train fractions of a percent; keep two significant digits there.
  return p >= 10 ? `${p.toFixed(1)}%` : `${Number(p.toPrecision(2))}%`;
}

export function formatRate(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
