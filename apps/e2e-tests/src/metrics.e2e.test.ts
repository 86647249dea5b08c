import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { alive, clusterOnly, corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('scanned-tracemonkey-p1-2.pdf');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every process's `/metrics` text, one per management port (standalone answers all from one). */
type Scrape = Map<string, string>;

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` over every process whose labels include `labels`. */
function total(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const text of scrape.values()) {
    for (const s of parse(text)) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}

function declared(scrape: Scrape, family: string): boolean {
  return [...scrape.values()].some((text) => text.includes(`# TYPE ${family} `));
}

describe('metrics scraped from every service move when a document is processed', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let api: DocatApi;

  async function scrapeAll(): Promise<Scrape> {
    const out: Scrape = new Map();
    for (const proc of lease.cluster.processes) {
      const key = `${proc.managementPort}`;
      if (out.has(key)) continue;
      // The shared cluster's list is fixed at its start: a replica another file killed
      // (crash recovery) is still in it, and has no /metrics to scrape.
      if (!alive(proc.pid)) continue;
      const res = await fetch(`http://127.0.0.1:${proc.managementPort}/metrics`);
      assert.equal(res.status, 200, `${proc.app} /metrics`);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      out.set(key, await res.text());
    }
    return out;
  }

  before(async () => {
    lease = await useCluster();
    api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
  });
  after(() => lease?.release());

  test('every family of the metrics list is served, and the work counters move with one scanned document', async () => {
    const before = await scrapeAll();
    const started = Date.now();
    const file = corpusFile('scanned-tracemonkey-p1-2.pdf');
    // One scanned page is enough to move the OCR counter and keeps the test short.
    const upload = await api.uploadFile(file, { outputs: 'pdf,md', pages: '1' });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const job = await api.waitFinished(upload.body.id, 240_000);
    console.log(`scanned page through the cluster: ${Date.now() - started} ms`);
    assert.equal(job.state, 'completed', JSON.stringify(job.error));
    // The same file and options again: answered from the result cache, no work.
    const again = await api.uploadFile(file, { outputs: 'pdf,md', pages: '1' });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.cached, true, 'the repeated upload is a result-cache hit');
    // Counters are bumped just after the state is written; give the last ones a moment.
    await new Promise((r) => setTimeout(r, 500));
    const afterJob = await scrapeAll();
    const delta = (name: string, labels: Record<string, string> = {}): number => total(afterJob, name, labels) - total(before, name, labels);

    const families = [
      'docat_http_requests_total',
      'docat_http_request_duration_seconds',
      'docat_upload_bytes_total',
      'docat_job_duration_seconds',
      'docat_job_stage_duration_seconds',
      'docat_jobs_total',
      'docat_queue_depth',
      'docat_queue_oldest_waiting_age_seconds',
      'docat_queue_workers_alive',
      'docat_engine_requests_total',
      'docat_engine_request_duration_seconds',
      'docat_engine_billed_characters_total',
      'docat_translation_failures_total',
      'docat_translation_memory_lookups_total',
      'docat_credits_consumed_total',
      'docat_ocr_pages_total',
      'docat_database_pool_connections',
      'docat_database_pool_waiting_requests',
      'docat_documents_processed_total',
      'docat_pages_processed_total',
      'docat_active_users',
      'docat_engine_jobs_total',
      'docat_outputs_total',
      'docat_webhook_dead_letters_total',
      'docat_retention_deleted_total',
      'docat_process_resident_memory_bytes',
      'docat_result_cache_lookups_total',
    ];
    if (lease.cluster.target === 'cluster') families.push('docat_redis_memory_used_bytes');
    const missing = families.filter((f) => !declared(afterJob, f));
    assert.deepEqual(missing, [], 'families missing from every /metrics');

    const { size } = await stat(file);
    assert.ok(delta('docat_upload_bytes_total') >= size, 'upload bytes counted');
    assert.ok(delta('docat_http_requests_total', { method: 'POST', route: '/v1/documents', status: '202' }) >= 1, 'the upload request counted by route');
    assert.ok(delta('docat_jobs_total', { state: 'completed', code: '' }) >= 1, 'the completed job counted');
    assert.ok(delta('docat_job_duration_seconds_count', { state: 'completed' }) >= 1);
    for (const stage of ['extract', 'translate', 'render']) {
      assert.ok(delta('docat_job_stage_duration_seconds_count', { stage }) >= 1, `stage ${stage} timed`);
    }
    assert.ok(delta('docat_documents_processed_total') >= 1);
    assert.ok(delta('docat_pages_processed_total') >= 1, 'the page counted');
    assert.ok(delta('docat_engine_jobs_total', { engine: 'default' }) + delta('docat_engine_jobs_total', { engine: 'pseudo' }) >= 1, 'engine use counted');
    assert.ok(delta('docat_ocr_pages_total', { outcome: 'ok' }) >= 1, 'the scanned page recognised');
    assert.ok(delta('docat_engine_requests_total', { engine: 'pseudo', outcome: 'ok' }) >= 1, 'engine requests counted');
    assert.ok(delta('docat_engine_request_duration_seconds_count', { engine: 'pseudo', outcome: 'ok' }) >= 1, 'engine latency observed');
    assert.ok(delta('docat_translation_memory_lookups_total', { result: 'miss' }) >= 1, 'memory misses counted');
    assert.ok(delta('docat_result_cache_lookups_total', { result: 'miss' }) >= 1, 'the first upload missed the result cache');
    assert.ok(delta('docat_result_cache_lookups_total', { result: 'hit' }) >= 1, 'the repeated upload hit the result cache');
    assert.ok(delta('docat_outputs_total', { format: 'pdf' }) >= 1);
    assert.ok(delta('docat_outputs_total', { format: 'md' }) >= 1);
    // Counted in the jobs table at most every 15 s: the scrape before the upload may have read 0.
    let active = total(afterJob, 'docat_active_users', { period: 'day' });
    for (let i = 0; active < 1 && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 500));
      active = total(await scrapeAll(), 'docat_active_users', { period: 'day' });
    }
    assert.ok(active >= 1, 'this user is active today');
    assert.ok(total(afterJob, 'docat_queue_workers_alive', { queue: 'extract' }) >= 1, 'extract workers are alive');
    const pools = parse([...afterJob.values()].join('\n')).filter((s) => s.name === 'docat_database_pool_connections');
    for (const schema of ['auth', 'ingestion', 'translation', 'notification']) {
      assert.ok(pools.some((s) => s.labels.pool === schema), `pool ${schema} reported`);
    }
    assert.ok(pools.every((s) => s.value >= 0 && ['in_use', 'idle'].includes(s.labels.state ?? '')));
  });

  test('Redis memory is read from INFO at scrape time (cluster only)', { skip: clusterOnly() }, async () => {
    const scrape = await scrapeAll();
    const used = total(scrape, 'docat_redis_memory_used_bytes', { redis: 'main' });
    assert.ok(used > 1_000_000, `every process reports the main Redis's used_memory, saw ${used}`);
  });
});
