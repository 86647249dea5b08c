import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, chown } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLUSTER_APPS,
  corpusFile,
  repoRoot,
  requireAll,
  requireCorpus,
  requireTools,
  startCluster,
  type Cluster,
  type ClusterApp,
  type Launcher,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

/**
 * Stands in for `docker build` + `docker run` of deploy/Dockerfile: each app is pruned
 * with `turbo prune --docker`, installed with production dependencies only, made
 * read-only, and started as its image's CMD would start it (an explicit Node 24 binary,
 * since the `node` devDependency is gone) as an unprivileged user, against real Redis,
 * PostgreSQL and the S3-compatible server.
 */
const requirements = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('setpriv'));
const isRoot = process.getuid?.() === 0;
/** The providers' SDKs, which belong in the translation image only. */
const ENGINE_SDKS = ['openai', '@anthropic-ai/sdk', '@google-cloud/translate', 'deepl-node'];
/** The image's user; `nobody` here, which owns nothing in the install. */
const UNPRIVILEGED = 65534;

function run(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${file} ${args.join(' ')} exited ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

/** Where in `tree` any of `names` is installed, at the top or nested in another package. */
async function installedAnywhere(tree: string, names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const visit = async (modules: string): Promise<void> => {
    for (const name of names) if (existsSync(join(modules, name))) found.push(join(modules, name));
    for (const entry of await readdir(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@')
        ? (await readdir(join(modules, entry.name))).map((n) => join(modules, entry.name, n))
        : [join(modules, entry.name)];
      for (const pkg of scoped) {
        const nested = join(pkg, 'node_modules');
        if (existsSync(nested)) await visit(nested);
      }
    }
  };
  for (const dir of ['.', ...(await workspaces(tree))]) {
    const modules = join(tree, dir, 'node_modules');
    if (existsSync(modules)) await visit(modules);
  }
  return found.map((path) => path.slice(tree.length + 1));
}

/** Workspace folders (apps/x, packages/y) present in a pruned tree. */
async function workspaces(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const group of ['apps', 'packages']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of await readdir(dir)) out.push(join(group, name));
  }
  return out;
}

async function removeMatching(dir: string, test: (name: string) => boolean): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await removeMatching(full, test);
    else if (test(entry.name)) await rm(full);
  }
}

/** `chmod -R a-w,a+rX`: nothing in the install is writable, everything is readable. */
async function makeReadOnly(path: string): Promise<void> {
  const info = await stat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    for (const name of await readdir(path)) {
      const child = join(path, name);
      const s = await stat(child).catch(() => undefined);
      if (s && !s.isSymbolicLink()) await makeReadOnly(child);
    }
    await chmod(path, 0o555);
  } else {
    await chmod(path, info.mode & 0o111 ? 0o555 : 0o444);
  }
}

/**
 * One app as its image holds it: the pruned workspace with production dependencies,
 * the compiled `dist/` of each workspace it contains (the image's build stage compiles
 * them; here the repository's build is copied), no test files, read-only.
 */
async function buildImageTree(app: ClusterApp, base: string): Promise<string> {
  const out = join(base, app);
  const npmEnv = {
    ...process.env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  await run('npx', ['turbo', 'prune', `@docat/${app}`, '--docker', '--out-dir', out], repoRoot(), {
    ...npmEnv,
    TURBO_TELEMETRY_DISABLED: '1',
  });
  const tree = join(out, 'full');
  await cp(join(out, 'package-lock.json'), join(tree, 'package-lock.json'));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts'], tree, npmEnv);
  for (const ws of await workspaces(tree)) {
    const dist = join(repoRoot(), ws, 'dist');
    if (existsSync(dist)) await cp(dist, join(tree, ws, 'dist'), { recursive: true });
  }
  await removeMatching(
    tree,
    (name) =>
      /\.test\.js(\.map)?$/.test(name) ||
      name.endsWith('.tsbuildinfo') ||
      name.endsWith('.fixture.js'),
  );
  await makeReadOnly(tree);
  return tree;
}

describe(
  'production start: pruned, production-only, read-only installs run as an unprivileged user',
  { skip: requirements.skip },
  () => {
    let base: string;
    const trees = new Map<ClusterApp, string>();
    let cluster: Cluster | undefined;
    let writable: string;

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'docat-prod-start-'));
      await chmod(base, 0o755);
      // Two at a time: two cores, and each install is mostly disk and CPU.
      const apps = [...CLUSTER_APPS];
      while (apps.length > 0) {
        const batch = apps.splice(0, 2);
        await Promise.all(
          batch.map(async (app) => trees.set(app, await buildImageTree(app, base))),
        );
      }
      // The image's writable volume (/tmp): HOME, caches and the data folder live there.
      writable = join(base, 'writable');
      await mkdir(join(writable, 'cache'), { recursive: true });
      await mkdir(join(writable, 'data'), { recursive: true });
      if (isRoot) {
        for (const dir of [writable, join(writable, 'cache'), join(writable, 'data')])
          await chown(dir, UNPRIVILEGED, UNPRIVILEGED);
      }
    });

    after(async () => {
      await cluster?.stop();
      if (base) {
        // The trees are read-only by design; make them writable again to delete them.
        await run('chmod', ['-R', 'u+w', base], base).catch(() => undefined);
        await rm(base, { recursive: true, force: true });
      }
    });

    test('no development dependency, no test file, no writable file in any install', async () => {
      for (const [app, tree] of trees) {
        for (const dev of ['node', 'typescript', 'turbo', 'eslint', 'prettier']) {
          assert.equal(
            existsSync(join(tree, 'node_modules', dev)),
            false,
            `${app}: ${dev} is installed`,
          );
        }
        assert.ok(
          existsSync(join(tree, 'apps', app, 'dist', 'main.js')),
          `${app}: no dist/main.js`,
        );
        const mode = (await stat(join(tree, 'apps', app, 'dist', 'main.js'))).mode;
        assert.equal(mode & 0o222, 0, `${app}: main.js is writable`);
        const pkg = JSON.parse(await readFile(join(tree, 'package.json'), 'utf8')) as {
          workspaces?: string[];
        };
        assert.ok(pkg.workspaces, `${app}: pruned root package.json has workspaces`);
      }
      // Only translation talks to engines, so only its image holds the engine SDKs. The others
      // may still hold @docat/translate (the gateway's test stack runs the engines module, the
      // PDF package's rendering tests pseudo-translate), whose SDKs are optional peers.
      for (const app of ['gateway', 'auth', 'ingestion', 'notification'] as const) {
        const tree = trees.get(app)!;
        assert.deepEqual(await installedAnywhere(tree, ENGINE_SDKS), [], `${app}: engine SDKs`);
      }
      assert.ok(
        existsSync(join(trees.get('translation')!, 'node_modules', 'openai')),
        'translation: the OpenAI SDK is missing',
      );
      // The extraction image carries its fonts and OCR data as npm packages.
      const extraction = trees.get('extraction')!;
      const modules = await readdir(join(extraction, 'node_modules'));
      assert.ok(
        modules.some((m) => m.includes('fonts')),
        'extraction: no font packages installed',
      );
      assert.ok(
        modules.includes('@tesseract.js-data') || modules.some((m) => m.includes('tesseract')),
        'extraction: no OCR data installed',
      );
    });

    test('every app starts from its own tree, reports ready, and runs a job end to end', async () => {
      const node = process.execPath;
      const launcher: Launcher = {
        root: (app) => trees.get(app === 'migrate' ? 'ingestion' : app)!,
        command: (script) =>
          isRoot
            ? {
                file: 'setpriv',
                args: [
                  `--reuid=${UNPRIVILEGED}`,
                  `--regid=${UNPRIVILEGED}`,
                  '--clear-groups',
                  '--',
                  node,
                  script,
                ],
              }
            : { file: node, args: [script] },
      };
      cluster = await startCluster({
        launcher,
        replicas: { gateway: 1, extraction: 1 },
        env: {
          NODE_ENV: 'production',
          HOME: writable,
          XDG_CACHE_HOME: join(writable, 'cache'),
          DOCAT_DATA_DIR: join(writable, 'data'),
        },
        readyTimeoutMs: 120_000,
      });
      // startCluster waited for every /readyz; check them once more, as a probe would.
      for (const p of cluster.processes) {
        const res = await fetch(`http://127.0.0.1:${p.managementPort}/readyz`);
        assert.equal(res.status, 200, `${p.app} not ready`);
      }
      if (isRoot) {
        for (const p of cluster.processes) {
          const status = await readFile(`/proc/${p.pid}/status`, 'utf8');
          const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
          assert.equal(uid, String(UNPRIVILEGED), `${p.app} runs as uid ${uid}`);
        }
      }
      const api = new DocatApi(cluster.gateways);
      await api.registerFresh();
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), {
        pages: '1-2',
        outputs: 'md,pdf',
        targetLanguage: 'de',
        noCache: 'true',
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const job = await api.waitFinished(upload.body.id, 180_000);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      const md = await api.result(upload.body.id, 'md');
      assert.equal(md.status, 200);
      assert.ok(md.body.length > 200, 'markdown result is too short');
      const pdf = await api.result(upload.body.id, 'pdf');
      assert.equal(pdf.status, 200);
      assert.ok(pdf.body.startsWith('%PDF-'), 'translated PDF result is not a PDF');
    });
  },
);
