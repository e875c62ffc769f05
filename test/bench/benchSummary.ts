/**
 * Folds the rounds of the gateway benchmark into one line per gateway (mean RPS and latencies over
 * its rounds, the highest peak RSS) and the ours/peer throughput ratios. A gateway with any failed
 * round is marked failed and its ratios are not computed.
 */
import { RATIO_PAIRS } from './benchGateways';
import type { RoundResult } from './measureGateway';

export interface GatewaySummary {
  id: string;
  label: string;
  dedupe: boolean | null;
  ok: boolean;
  errors: string[];
  rounds: number;
  rps: number;
  rpsPerRound: number[];
  /** (max - min) / mean of the rounds' RPS: how much the rounds disagree. */
  rpsSpread: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  peakRssMiB: number;
  subgraphRequestsPerOp: number;
  subgraphRequestsIdle: number;
  gatewayCpu: number;
  harnessCpu: number;
  /** Mean busy share of the gateway's core (well above `gatewayCpu`: something else ran there). */
  gatewayCoreBusy: number;
  /** Mean busy share of the load generator's core (near 1 means the harness may be the limit). */
  loadCoreBusy: number;
  bytesPerResponse: number;
}

export interface RatioLine {
  ours: string;
  peer: string;
  what: string;
  /** ours RPS / peer RPS, null when either side failed or did not run. */
  ratio: number | null;
  note?: string;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export interface SummaryCores {
  gateway: number;
  load: number;
}

export function summarize(id: string, label: string, dedupe: boolean | null, rounds: RoundResult[], cores: SummaryCores): GatewaySummary {
  const measured = rounds.filter((r) => r.load);
  const rpsPerRound = measured.map((r) => r.load?.rps ?? 0);
  const rps = mean(rpsPerRound);
  return {
    id, label, dedupe,
    ok: rounds.length > 0 && rounds.every((r) => r.ok),
    errors: rounds.filter((r) => r.error).map((r) => `round ${r.round}: ${r.error ?? ''}`),
    rounds: rounds.length,
    rps,
    rpsPerRound,
    rpsSpread: rps > 0 ? (Math.max(...rpsPerRound) - Math.min(...rpsPerRound)) / rps : 0,
    latencyP50Ms: mean(measured.map((r) => r.load?.latencyP50Ms ?? 0)),
    latencyP99Ms: mean(measured.map((r) => r.load?.latencyP99Ms ?? 0)),
    peakRssMiB: Math.max(0, ...measured.map((r) => r.peakRssBytes ?? 0)) / 1024 / 1024,
    subgraphRequestsPerOp: mean(measured.map((r) => r.subgraphRequestsPerOp ?? 0)),
    subgraphRequestsIdle: Math.max(0, ...rounds.map((r) => r.subgraphRequestsIdle ?? 0)),
    gatewayCpu: mean(measured.map((r) => r.gatewayCpu ?? 0)),
    harnessCpu: mean(measured.map((r) => r.harnessCpu ?? 0)),
    gatewayCoreBusy: mean(measured.map((r) => r.coreBusy?.[cores.gateway] ?? 0)),
    loadCoreBusy: mean(measured.map((r) => r.coreBusy?.[cores.load] ?? 0)),
    bytesPerResponse: mean(measured.map((r) => r.load?.bytesPerResponse ?? 0)),
  };
}

export function ratios(summaries: GatewaySummary[]): RatioLine[] {
  const byId = new Map(summaries.map((s) => [s.id, s]));
  return RATIO_PAIRS.flatMap(([ours, peer, what]): RatioLine[] => {
    const a = byId.get(ours);
    const b = byId.get(peer);
    if (!a || !b) return [];
    if (!a.ok || !b.ok || b.rps === 0) return [{ ours, peer, what, ratio: null, note: `${!a.ok ? ours : peer} failed` }];
    return [{ ours, peer, what, ratio: a.rps / b.rps }];
  });
}
