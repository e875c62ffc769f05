/**
 * Gateway-overhead benchmark (`npm run bench:gateway`): our gateway against stock
 * `@apollo/gateway`, Hive Gateway and Hive Gateway with the router runtime, on the community
 * federation benchmark (four subgraphs, nested `TestQuery`, ~87 KB response). Not a test: it
 * prints ratios against peers measured in the same run (STYLE.md rule 17).
 *
 * Each gateway runs alone in its own process pinned to core 0; the subgraphs (one process) and the
 * load generator (this process) share core 1. Rounds alternate the gateways (A B C ... then
 * ... C B A) so that drift of the machine hits every gateway alike. Every window is bracketed by
 * a check of the full response against the reference answer; a wrong body fails that gateway.
 *
 *   npm run bench:gateway                                 # 5 s warm-up + 15 s per window, 2 rounds
 *   BENCH_QUICK=1 npm run bench:gateway                   # smoke run: 1 s + 3 s
 *   BENCH_GATEWAYS=ours,hive-rr BENCH_ROUNDS=3 npm run bench:gateway
 *
 * | env | default |
 * |---|---|
 * | BENCH_QUICK | off (1/true: warm-up 1 s, window 3 s unless set below) |
 * | BENCH_CONNECTIONS | 50 |
 * | BENCH_WARMUP_S | 5 |
 * | BENCH_DURATION_S | 15 |
 * | BENCH_ROUNDS | 2 |
 * | BENCH_GATEWAYS | all: ours, stock, hive, hive-rr, ours-nodedupe, hive-nodedupe, hive-rr-nodedupe |
 * | BENCH_OUT_DIR | var/bench |
 *
 * Writes `gateway-overhead.json`, `.md` and `.svg` to BENCH_OUT_DIR. Exits 1 when one of our own
 * variants failed (a peer's failure is reported, not fatal).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { envBool, envInt, envList, envString, type Env } from '../../subgraphs/kit/envConfig';
import { GATEWAY_VARIANT_IDS, gatewayVariant } from './benchGateways';
import { spawnBenchProcess, type BenchProcess } from './benchProcess';
import { expectedTestQueryResponse } from './benchReference';
import { renderMarkdown, renderSvg, type ReportMeta } from './benchReport';
import { ratios, summarize, type SummaryCores } from './benchSummary';
import { composeBenchSupergraph } from './benchSupergraph';
import type { BenchSubgraphName } from './benchSubgraphSchemas';
import { loadAutocannon } from './loadGenerator';
import { measureGateway, type BenchContext, type RoundResult } from './measureGateway';

interface BenchConfig {
  quick: boolean;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  gateways: string[];
  outDir: string;
}

function benchConfigFromEnv(env: Env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || envBool(env, 'BENCH_QUICK', false);
  const gateways = envList(env, 'BENCH_GATEWAYS');
  const unknown = gateways.filter((g) => !GATEWAY_VARIANT_IDS.includes(g));
  if (unknown.length) throw new Error(`BENCH_GATEWAYS: unknown ${unknown.join(', ')}; known: ${GATEWAY_VARIANT_IDS.join(', ')}`);
  return {
    quick,
    connections: envInt(env, 'BENCH_CONNECTIONS', 50, 1, 1000),
    warmupSeconds: envInt(env, 'BENCH_WARMUP_S', quick ? 1 : 5, 0, 600),
    durationSeconds: envInt(env, 'BENCH_DURATION_S', quick ? 3 : 15, 1, 3600),
    rounds: envInt(env, 'BENCH_ROUNDS', 2, 1, 50),
    gateways: gateways.length ? gateways : [...GATEWAY_VARIANT_IDS],
    outDir: envString(env, 'BENCH_OUT_DIR', 'var/bench'),
  };
}

const REPO_ROOT = resolve(__dirname, '../..');
const PEERS_DIR = join(REPO_ROOT, 'test/bench/peers');
const say = (line: string): void => { process.stderr.write(`${line}\n`); };

function versionOf(dir: string, pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** Pins this process (the load generator) to `core`; returns false when it cannot. */
function pinSelf(core: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startSubgraphs(core: number | null): Promise<{ proc: BenchProcess; urls: Record<BenchSubgraphName, string> }> {
  const proc = spawnBenchProcess({
    command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/bench/benchSubgraphHost.ts')],
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'production' }, cwd: REPO_ROOT, core,
  });
  try {
    const m = await proc.waitForLine(/^bench subgraphs ready (\{.*\})$/, 60_000);
    return { proc, urls: JSON.parse(m[1] ?? '{}') as Record<BenchSubgraphName, string> };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

async function runRounds(ctx: BenchContext, cfg: BenchConfig): Promise<RoundResult[]> {
  const all: RoundResult[] = [];
  for (let round = 1; round <= cfg.rounds; round += 1) {
    const order = round % 2 === 1 ? cfg.gateways : [...cfg.gateways].reverse();
    for (const id of order) {
      say(`[round ${round}/${cfg.rounds}] ${id} ...`);
      const r = await measureGateway(ctx, id, round);
      all.push(r);
      say(r.ok
        ? `  ${r.load?.rps.toFixed(0)} rps, p50 ${r.load?.latencyP50Ms} ms, p99 ${r.load?.latencyP99Ms} ms, ${r.subgraphRequestsPerOp?.toFixed(2)} subgraph req/op`
        : `  FAILED: ${r.error ?? ''}`);
    }
  }
  return all;
}

function report(cfg: BenchConfig, expected: string, rounds: RoundResult[], cores: SummaryCores): { markdown: string; ours: boolean } {
  const dummy = { repoRoot: REPO_ROOT, supergraphPath: '', port: 0 };
  const summaries = cfg.gateways.map((id) => {
    const v = gatewayVariant(id, dummy);
    return summarize(id, v.label, v.dedupe, rounds.filter((r) => r.variant === id), cores);
  });
  const ratioLines = ratios(summaries);
  const meta: ReportMeta = {
    date: new Date().toISOString(), node: process.versions.node, cpu: `${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`,
    connections: cfg.connections, warmupSeconds: cfg.warmupSeconds, durationSeconds: cfg.durationSeconds, rounds: cfg.rounds,
    quick: cfg.quick, expectedBodyBytes: Buffer.byteLength(expected),
    peerVersions: {
      '@apollo/gateway': versionOf(REPO_ROOT, '@apollo/gateway'), '@apollo/server': versionOf(REPO_ROOT, '@apollo/server'),
      '@graphql-hive/gateway': versionOf(PEERS_DIR, '@graphql-hive/gateway'), '@graphql-hive/router-runtime': versionOf(PEERS_DIR, '@graphql-hive/router-runtime'),
      '@graphql-hive/router-query-planner': versionOf(PEERS_DIR, '@graphql-hive/router-query-planner'),
      autocannon: versionOf(PEERS_DIR, 'autocannon'),
    },
  };
  const markdown = renderMarkdown(meta, summaries, ratioLines);
  const out = resolve(REPO_ROOT, cfg.outDir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'gateway-overhead.json'), `${JSON.stringify({ meta, summaries, ratios: ratioLines, rounds }, null, 2)}\n`);
  writeFileSync(join(out, 'gateway-overhead.md'), markdown);
  writeFileSync(join(out, 'gateway-overhead.svg'), renderSvg(meta, summaries));
  return { markdown, ours: summaries.filter((s) => s.id.startsWith('ours')).every((s) => s.ok) };
}

async function main(): Promise<void> {
  const cfg = benchConfigFromEnv(process.env);
  if (!existsSync(join(PEERS_DIR, 'node_modules/@graphql-hive/gateway/package.json'))) {
    throw new Error('the peer gateways are not installed: run `npm run bench:peers` (npm ci --prefix test/bench/peers)');
  }
  const autocannon = loadAutocannon(PEERS_DIR);
  const pinned = cpus().length >= 2 && pinSelf(1);
  if (!pinned) say('warning: cannot pin to cores 0/1 (needs taskset and 2 cores): results will be noisier');
  const gatewayCore = pinned ? 0 : null;
  const subgraphs = await startSubgraphs(pinned ? 1 : null);
  try {
    const supergraph = composeBenchSupergraph(subgraphs.urls);
    const supergraphPath = resolve(REPO_ROOT, cfg.outDir, 'supergraph.graphql');
    mkdirSync(resolve(REPO_ROOT, cfg.outDir), { recursive: true });
    writeFileSync(supergraphPath, supergraph.sdl);
    const expected = expectedTestQueryResponse(supergraph.apiSchema);
    say(`bench: ${cfg.gateways.length} gateways x ${cfg.rounds} rounds, ${cfg.connections} connections, ${cfg.warmupSeconds} s warm-up + ${cfg.durationSeconds} s window, expected body ${expected.length} bytes`);
    const ctx: BenchContext = {
      repoRoot: REPO_ROOT, supergraphPath, expected, subgraphUrls: subgraphs.urls, subgraphPid: subgraphs.proc.pid, autocannon,
      connections: cfg.connections, warmupSeconds: cfg.warmupSeconds, durationSeconds: cfg.durationSeconds,
      gatewayCore, readyTimeoutMs: 90_000,
    };
    const rounds = await runRounds(ctx, cfg);
    const { markdown, ours } = report(cfg, expected, rounds, { gateway: 0, load: 1 });
    process.stdout.write(markdown);
    if (!ours) process.exitCode = 1;
  } finally {
    await subgraphs.proc.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
