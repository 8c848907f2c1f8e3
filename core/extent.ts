// Max and min of long arrays by a loop: Math.max(...xs) passes every item as an argument and overflows the stack above ~125k items.

/** The largest item (-Infinity for none), for arrays of any length. */
export function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/** The smallest item (Infinity for none), for arrays of any length. */
export function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m) m = xs[i];
  return m;
}
