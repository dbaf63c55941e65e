import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { EncodedHistogram } from './worker-protocol';

export type { Histogram };

// microseconds, 1 µs to 10 min at 3 significant digits: a latency histogram's error stays below 0.1 %, and
// workers' histograms merge exactly, which averaging their percentiles would not
const LOWEST_US = 1;
const HIGHEST_US = 10 * 60 * 1_000_000;

export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: LOWEST_US, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Records a latency given in milliseconds (fractions kept to the microsecond). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.min(HIGHEST_US, Math.max(LOWEST_US, Math.round(ms * 1000))));
}

export const encodeHistogram = (histogram: Histogram): EncodedHistogram => encodeIntoCompressedBase64(histogram);

/** One histogram holding every value of the given ones. */
export function mergeHistograms(encoded: readonly EncodedHistogram[]): Histogram {
  const merged = createLatencyHistogram();
  for (const one of encoded) merged.add(decodeFromCompressedBase64(one));
  return merged;
}

export interface LatencySummary {
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

const ms = (us: number) => Math.round(us) / 1000;

/** Percentiles in milliseconds; null when nothing was recorded. */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { samples: 0, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null, meanMs: null };
  return {
    samples: histogram.totalCount,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p95Ms: ms(histogram.getValueAtPercentile(95)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
    meanMs: ms(histogram.mean),
  };
}

/** a / b rounded for a report, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/** Wall-clock milliseconds with sub-millisecond precision. Every process of the benchmark runs on this machine and reads the same clock. */
export const wallNow = () => performance.timeOrigin + performance.now();
