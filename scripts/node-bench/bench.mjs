// The official Node SDK's side of scripts/bench: logfire.info with 2
// attributes at a fixed rate for a fixed time, exported to a local OTLP
// endpoint, then one JSON line with the CPU time and memory the process
// used, the same line as e2e/cmd/rate prints:
//
//   {"name":"node-logfire-info","records":50000,"cpu_seconds":1.23,"wall_seconds":10.01,"rss_kb":90000,...}
//
// cpu_seconds and wall_seconds cover the window from the first record to
// the end of logfire.shutdown() (which exports what is left);
// setup_cpu_seconds is the process's CPU time before it (loading the SDK
// and configure()). rss_kb is the peak resident set size.
//
// The SDK is configured as its documentation shows, with a dummy token and
// advanced.baseUrl set to the endpoint, which must be http on a loopback
// IP address: it never sends anywhere else. Remote variables
// (LOGFIRE_API_KEY) and the OTEL_EXPORTER_OTLP_* endpoints are refused.
//
// Usage (after npm ci in this directory):
//
//   node bench.mjs --endpoint http://127.0.0.1:PORT [--rate 5000] [--duration 10] [--name NAME]
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const tick = 10; // ms: 5,000 records a second leave in bursts of 50

function fail(msg) {
  console.error(`bench.mjs: ${msg}`);
  process.exit(1);
}

function isLoopback(host) {
  const h = host.replace(/^\[|\]$/g, '');
  return (isIP(h) === 4 && h.startsWith('127.')) || (isIP(h) === 6 && h === '::1');
}

const { values: opt } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    rate: { type: 'string', default: '5000' },
    duration: { type: 'string', default: '10' },
    name: { type: 'string', default: 'node-logfire-info' },
  },
});
const rate = Number(opt.rate);
const duration = Number(opt.duration);
if (!(rate > 0) || !(duration > 0)) fail(`--rate ${opt.rate} and --duration ${opt.duration} (seconds) must be positive numbers`);
let url;
try {
  url = new URL(opt.endpoint ?? '');
} catch {
  fail(`--endpoint ${JSON.stringify(opt.endpoint)}: accepted values are http://127.0.0.1:PORT`);
}
if (url.protocol !== 'http:' || !isLoopback(url.hostname) || url.port === '' || url.pathname !== '/' || url.search !== '' || url.username !== '') {
  fail(`--endpoint ${opt.endpoint}: accepted values are http://127.0.0.1:PORT (a loopback IP address and a port, no path)`);
}
const endpoint = `http://${url.host}`;
for (const v of ['LOGFIRE_API_KEY', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT']) {
  if (process.env[v]) fail(`${v} is set: unset it, the benchmark exports to --endpoint only`);
}

const logfire = await import('@pydantic/logfire-node');
logfire.configure({
  token: 'rate-bench-token',
  sendToLogfire: true,
  console: false,
  advanced: { baseUrl: endpoint },
});
if (logfire.logfireConfig.traceExporterUrl !== `${endpoint}/v1/traces`) {
  fail(`the SDK would export to ${logfire.logfireConfig.traceExporterUrl}, not ${endpoint}/v1/traces`);
}

const setup = process.cpuUsage();
const total = Math.floor(rate * duration);
const start = performance.now();
let n = 0;
for (;;) {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  for (; n < due; n++) {
    logfire.info('Hello {name} {n}', { name: 'world', n: 42 });
  }
  if (n >= total) break;
  await sleep(tick);
}
const emitted = performance.now() - start;
await logfire.shutdown({ timeoutMillis: 60_000 });
const wall = performance.now() - start;
const cpu = process.cpuUsage(setup);

console.log(JSON.stringify({
  name: opt.name,
  mode: 'node-logfire-info',
  records: n,
  cpu_seconds: (cpu.user + cpu.system) / 1e6,
  wall_seconds: wall / 1000,
  rss_kb: process.resourceUsage().maxRSS,
  setup_cpu_seconds: (setup.user + setup.system) / 1e6,
  emit_seconds: emitted / 1000,
  rate,
}));
