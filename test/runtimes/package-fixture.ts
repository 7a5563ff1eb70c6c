// Shared by the runtime tests: an up-to-date dist/ (built once, under a lock, when a source is
// newer than it — `npm test` builds it before vitest starts), the package packed with `npm pack`
// and installed from the tarball into an empty folder, as a user's machine would, and the
// twenty-step fixture as JavaScript for runtimes that do not read TypeScript.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A binary installed by a devDependency. */
export const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name);

/** The newest modification time under `path` (a file or a folder, recursively). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** The oldest modification time of the files in a folder (0 when it is missing or empty). */
function oldest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const times = readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs);
  return times.length ? Math.min(...times) : 0;
}

/** Whether dist/ holds everything package.json points at and is newer than its sources. */
function distFresh(): boolean {
  const dist = join(ROOT, 'dist');
  const needed = [
    'node.js',
    'browser.js',
    'workerd.js',
    'inline.js',
    'cli.js',
    'index.d.ts',
    'strand-simd.wasm',
    'strand-relaxed.wasm',
  ];
  if (!needed.every((f) => existsSync(join(dist, f)))) return false;
  const sources = Math.max(
    newest(join(ROOT, 'src')),
    newest(join(ROOT, 'build')),
    newest(join(ROOT, 'tsup.config.ts')),
  );
  return oldest(dist) >= sources;
}

/** Sleeps without blocking the event loop. */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work` holding the build lock: test files run in parallel, and one may be rebuilding
 * dist/ while another packs it (a lock older than three minutes is taken as abandoned).
 */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, 'node_modules', '.cache', 'strand-build-dist.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds dist/ unless it is newer than every source (call while holding the build lock). */
async function buildDistIfStale(): Promise<void> {
  if (distFresh()) return;
  const run = await exec(bin('tsup'), ['--silent'], { cwd: ROOT, timeout: 180_000 });
  if (run.code !== 0) throw new Error(`npm run build:dist failed:\n${run.stdout}\n${run.stderr}`);
}

/** The result of a finished child process. */
export interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeout` ms); never throws for a non-zero exit. */
export function exec(
  command: string,
  args: string[],
  options: { cwd: string; timeout?: number; env?: NodeJS.ProcessEnv },
): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An installed copy of the package in a temporary folder. */
export interface Installed {
  /** The temporary folder (remove it with {@link removeInstalled}). */
  root: string;
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** The consumer project: package.json, node_modules/strand, and the files tests put there. */
  app: string;
}

/** `npm` with the repository's npm config, quiet. */
function npm(args: string[], cwd: string, timeout = 120_000): Promise<Exec> {
  return exec(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    [...args, '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd, timeout },
  );
}

/**
 * `npm pack` → an empty folder with a package.json → `npm install <tarball>` (offline: the
 * package has no dependencies). Builds dist/ first if a source is newer than it.
 */
export async function packAndInstall(label: string): Promise<Installed> {
  const root = mkdtempSync(join(tmpdir(), `strand-${label}-`));
  const packDir = join(root, 'pack');
  const app = join(root, 'app');
  mkdirSync(packDir);
  mkdirSync(app);
  const pack = await withBuildLock(async () => {
    await buildDistIfStale();
    return npm(['pack', '--pack-destination', packDir], ROOT);
  });
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball:\n${pack.stdout}`);
  const tarball = join(packDir, tgz);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'strand-consumer', private: true, type: 'module' }, null, 2),
  );
  const install = await npm(['install', '--offline', tarball], app);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  writeTwentySteps(join(app, 'twenty-steps.mjs'));
  copyFileSync(new URL('./smoke.mjs', import.meta.url), join(app, 'smoke.mjs'));
  return { root, tarball, app };
}

/** Removes an installation made by {@link packAndInstall}. */
export function removeInstalled(installed: Installed | undefined): void {
  if (installed) rmSync(installed.root, { recursive: true, force: true });
}

/** Writes test/runtimes/twenty-steps.ts as plain JavaScript (it imports nothing). */
export function writeTwentySteps(file: string): void {
  const source = readFileSync(new URL('./twenty-steps.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  writeFileSync(file, js);
}

/** What smoke.mjs prints (one JSON line) in every runtime. */
export interface SmokeReport {
  runtime: string;
  /** The backend init() chose with no arguments: name and flavor. */
  backend: string;
  /** The forward pass on init()'s own choice. */
  forwardAuto: number[];
  /** The same forward pass on the plain SIMD build. */
  forwardSimd: number[];
  /** The twenty-step fixture on the plain SIMD build (the cross-runtime reference). */
  simd: { digest: string; losses: number[] };
  /** The twenty-step fixture on init()'s own choice. */
  auto: { digest: string; losses: number[] };
}

/** Parses smoke.mjs's output (its last line), with the whole output in the error if it is not there. */
export function smokeReport(run: Exec): SmokeReport {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as SmokeReport;
  } catch {
    throw new Error(`the smoke script printed no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
