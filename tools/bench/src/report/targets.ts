/**
 * The targets of the benchmark issue, evaluated on measured rows. A missed target carries the
 * reason a suite measured for it; nothing here retunes a baseline to make a target pass.
 */
import type { TargetOutcome } from './results.js';

/** ours ÷ baseline (ops/s) at least `minimum`. */
export function minimumRatio(
  minimum: number,
  versus: string,
  ratio: number,
  whyMissed: () => string,
): TargetOutcome {
  const pass = ratio >= minimum;
  return {
    text: `≥ ${minimum}× ${versus}`,
    measured: `${ratio.toFixed(2)}×`,
    pass,
    ...(pass ? {} : { whyMissed: whyMissed() }),
  };
}

/** A cost that may be at most `maximum` times the reference cost. */
export function maximumCostFactor(
  maximum: number,
  versus: string,
  factor: number,
  whyMissed: () => string,
): TargetOutcome {
  const pass = factor <= maximum;
  return {
    text: `≤ ${maximum}× ${versus}`,
    measured: `${factor.toFixed(2)}×`,
    pass,
    ...(pass ? {} : { whyMissed: whyMissed() }),
  };
}

/** A share (0..1) that may be at most `maximumPercent` %. */
export function maximumShare(
  maximumPercent: number,
  of: string,
  share: number,
  whyMissed: () => string,
): TargetOutcome {
  const pass = share * 100 <= maximumPercent;
  return {
    text: `≤ ${maximumPercent}% of ${of}`,
    measured: `${(share * 100).toFixed(2)}%`,
    pass,
    ...(pass ? {} : { whyMissed: whyMissed() }),
  };
}
