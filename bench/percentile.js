// Latency percentiles from every recorded sample (nearest-rank method), in milliseconds.

/** The `q`-quantile (0 < q <= 1) of an ascending array by nearest rank; NaN when empty. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
