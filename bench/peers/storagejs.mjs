// The official client as a peer of the benchmark: @supabase/storage-js
// (pinned in bench/package.json) on the machine's Node.js, one fetch per
// call, no retries. Prints the sample lines bench/run reads: "# peer=..."
// then "start_ms lat_us ok attempts bad" per request. TLS trust comes from
// NODE_EXTRA_CA_CERTS, which bench/run sets.
import { StorageClient } from '@supabase/storage-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'env-file': { type: 'string' },
    url: { type: 'string' },
    bucket: { type: 'string', default: 'bench' },
    object: { type: 'string', default: 'obj' },
    op: { type: 'string', default: 'get' },
    out: { type: 'string' },
    count: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    interval: { type: 'string', default: '0' },
    duration: { type: 'string', default: '3600' },
    addresses: { type: 'string' },
  },
});

const env = Object.fromEntries(
  readFileSync(opt['env-file'], 'utf8').split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const key = env.SUPABASE_SERVICE_ROLE_KEY;
const base = new URL(opt.url ?? env.SUPABASE_URL);
const count = Number(opt.count);
const threads = Number(opt.threads);
const interval = Number(opt.interval) * 1e3;
const duration = Number(opt.duration) * 1e3;

// One client per address: with --addresses the calls take them in turn,
// as round-robin DNS would hand them out (bad-edge).
const hosts = opt.addresses ? opt.addresses.split(',') : [base.hostname];
const buckets = hosts.map((h) => {
  const u = new URL(base);
  u.hostname = h;
  const client = new StorageClient(`${u.origin}/storage/v1`, {
    apikey: key, Authorization: `Bearer ${key}`,
  });
  return client.from(opt.bucket);
});

async function call(i) {
  const bucket = buckets[i % buckets.length];
  try {
    if (opt.op === 'exists') {
      const { data } = await bucket.exists(opt.object);
      return data === true;
    }
    const { data, error } = await bucket.download(opt.object);
    if (error || !data) return false;
    const body = Buffer.from(await data.arrayBuffer());
    if (opt.op === 'file') writeFileSync(opt.out, body);
    return true;
  } catch {
    return false;
  }
}

const samples = new Array(count);
const t0 = performance.now();
// CLOCK_MONOTONIC, as the other peers and bench/run read it.
const t0Mono = Number(process.hrtime.bigint()) / 1e9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function worker(index) {
  for (let i = index, k = 0; i < count; i += threads, k++) {
    const due = t0 + k * interval - performance.now();
    if (due > 0) await sleep(due);
    const start = performance.now();
    if (start - t0 >= duration) break;
    const ok = await call(i);
    const lat = Math.round((performance.now() - start) * 1e3);
    samples[i] = `${(start - t0).toFixed(3)} ${lat} ${ok ? 1 : 0} 1 -1`;
  }
}

await Promise.all(Array.from({ length: threads }, (_, t) => worker(t)));
const wall = (performance.now() - t0) / 1e3;
process.stdout.write(
  [`# peer=storagejs op=${opt.op} threads=${threads} wall_s=${wall}`
    + ` t0_mono=${t0Mono}`,
    ...samples.filter((s) => s !== undefined)].join('\n') + '\n');
