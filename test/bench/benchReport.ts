/**
 * Renders the gateway benchmark's results: a Markdown report (also printed to stdout) and a
 * hand-written SVG bar chart of throughput per gateway.
 */
import type { GatewaySummary, RatioLine } from './benchSummary';

export interface ReportMeta {
  date: string;
  node: string;
  cpu: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  quick: boolean;
  expectedBodyBytes: number;
  peerVersions: Record<string, string>;
}

const f0 = (n: number): string => n.toFixed(0);
const f1 = (n: number): string => n.toFixed(1);
const f2 = (n: number): string => n.toFixed(2);
const pct = (n: number): string => `${(n * 100).toFixed(0)}%`;

function dedupeText(d: boolean | null): string {
  return d === null ? 'n/a' : d ? 'on' : 'off';
}

function gatewayRow(s: GatewaySummary): string {
  const status = s.ok ? 'ok' : `**FAILED**`;
  return `| ${s.label} | ${dedupeText(s.dedupe)} | ${f0(s.rps)} (${s.rpsPerRound.map(f0).join(' / ')}) | ${f1(s.latencyP50Ms)} | ${f1(s.latencyP99Ms)} | ` +
    `${f0(s.peakRssMiB)} | ${f2(s.subgraphRequestsPerOp)} / ${s.subgraphRequestsIdle} | ${pct(s.gatewayCpu)} / ${pct(s.harnessCpu)} | ${pct(s.gatewayCoreBusy)} / ${pct(s.loadCoreBusy)} | ${status} |`;
}

export function renderMarkdown(meta: ReportMeta, summaries: GatewaySummary[], ratioLines: RatioLine[]): string {
  const lines = [
    '# Gateway overhead: federation benchmark `TestQuery`',
    '',
    `${meta.date}, Node ${meta.node}, ${meta.cpu}. Each gateway pinned to core 0, subgraphs and load generator on core 1. ` +
      `${meta.connections} connections, ${meta.warmupSeconds} s warm-up + ${meta.durationSeconds} s measured, ${meta.rounds} alternating rounds` +
      `${meta.quick ? ' (BENCH_QUICK smoke run: numbers are indicative only)' : ''}. Response ${f1(meta.expectedBodyBytes / 1000)} kB, checked before and after every window.`,
    '',
    '| gateway | dedupe | RPS (per round) | p50 ms | p99 ms | peak RSS MiB | subgraph req/op (load / idle) | CPU (gateway / harness) | cores busy (gateway / load) | status |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...summaries.map(gatewayRow),
    '',
    '| comparison | ours / peer RPS |',
    '|---|---|',
    ...ratioLines.map((r) => `| ${r.what} | ${r.ratio === null ? `n/a (${r.note ?? ''})` : `${f2(r.ratio)}x`} |`),
    '',
    `Peers: ${Object.entries(meta.peerVersions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    'subgraph req/op: subgraph HTTP requests per completed operation during the window (in-flight deduplication lowers it below the idle plan\'s fetch count).',
    'CPU: CPU seconds per wall second of the gateway process, and of the harness (subgraph host + load generator) on the load core; 100% = that core saturated. ' +
      'Gateway CPU well below 100% with its core busy means other processes took the core; harness CPU near 100% means the harness, not the gateway, was the limit.',
  ];
  const failures = summaries.filter((s) => !s.ok);
  if (failures.length) {
    lines.push('', '## Failures', '');
    for (const s of failures) for (const e of s.errors) lines.push(`- ${s.label}: ${e.split('\n')[0] ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const COLORS: Record<string, string> = { ours: '#2f6fdf', stock: '#8a8f98', hive: '#e0a100', 'hive-rr': '#d1495b' };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function family(id: string): string {
  return id.replace(/-nodedupe$/, '');
}

/** Horizontal bars of mean RPS per gateway; failed gateways are drawn hollow and marked. */
export function renderSvg(meta: ReportMeta, summaries: GatewaySummary[]): string {
  const width = 820;
  const labelW = 250;
  const barMax = width - labelW - 150;
  const rowH = 30;
  const top = 62;
  const height = top + summaries.length * rowH + 30;
  const maxRps = Math.max(1, ...summaries.map((s) => s.rps));
  const rows = summaries.map((s, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, (s.rps / maxRps) * barMax);
    const color = COLORS[family(s.id)] ?? '#555';
    const fill = s.ok ? color : 'none';
    const value = s.ok ? `${f0(s.rps)} rps` : `${f0(s.rps)} rps FAILED`;
    return [
      `<text x="${labelW - 8}" y="${y + 19}" text-anchor="end">${escapeXml(s.label)}</text>`,
      `<rect x="${labelW}" y="${y + 5}" width="${f1(w)}" height="${rowH - 10}" fill="${fill}" stroke="${color}" stroke-width="2"${s.dedupe === false ? ' fill-opacity="0.55"' : ''}/>`,
      `<text x="${f1(labelW + w + 6)}" y="${y + 19}">${escapeXml(value)}</text>`,
    ].join('\n  ');
  });
  const subtitle = `TestQuery (${f1(meta.expectedBodyBytes / 1000)} kB), ${meta.connections} connections, gateway on 1 core, mean of ${meta.rounds} rounds x ${meta.durationSeconds} s` +
    `${meta.quick ? ' (quick smoke run)' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `  <rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `  <text x="16" y="26" font-size="17" font-weight="bold">Gateway overhead: requests per second (higher is better)</text>`,
    `  <text x="16" y="46" fill="#555">${escapeXml(subtitle)}</text>`,
    `  ${rows.join('\n  ')}`,
    `  <text x="16" y="${height - 10}" fill="#777" font-size="11">${escapeXml(`${meta.date}, Node ${meta.node}; lighter bars: in-flight dedupe off`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
