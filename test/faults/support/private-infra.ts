import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaService } from '../../../infra/kafka/service.ts';
import type { ServiceSpec } from '../../../infra/managed-service.ts';
import type { InfraPaths } from '../../../infra/paths.ts';
import { makeInfraDirs } from '../../../infra/paths.ts';
import type { Launch } from '../../../infra/process.ts';
import { ensureBucket } from '../../../infra/s3proxy/probe.ts';
import { s3EndpointOf, s3ProxyService } from '../../../infra/s3proxy/service.ts';
import { resolveInfraConfig, settingsOf, type InfraSettings } from '../../../infra/settings.ts';
import { describeError, waitUntil } from '../../../infra/wait-until.ts';

/**
 * A server of the fault suite's own: a Kafka broker or an S3Proxy on free ports with its own data folder,
 * never the shared ones (other suites and engineers use 9092 and 9000). The tests kill, stop and restart it;
 * a restart comes back on the same port with the same data, as a real server's would.
 */
export interface PrivateServer {
  /** The process running now (changes with every start). */
  readonly pid: number;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data, and resolves once it serves. */
  start(): Promise<void>;
  /** SIGSTOP: the port stays open but nothing answers, like a stalled server. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Kills it (if running) and removes its data. */
  dispose(): Promise<void>;
}

export interface PrivateInfra {
  /** The shared settings with the broker and the store replaced by the private ones. */
  settings: InfraSettings;
  kafka: PrivateServer;
  s3: PrivateServer;
  dispose(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A port the kernel just handed out and took back: free for the server we start next. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a private Kafka broker (KRaft) and S3Proxy side by side (their JVMs start in parallel, ~10-20 s),
 * with the jars `infra up` cached. `shared` supplies everything else (databases, registry, mail).
 */
export async function startPrivateInfra(shared: InfraSettings): Promise<PrivateInfra> {
  const base = mkdtempSync(join(tmpdir(), 'sluice-faults-'));
  const [kafkaPort, kafkaController, s3Port] = [await freePort(), await freePort(), await freePort()];
  const config = resolveInfraConfig({
    root: ROOT,
    ports: { kafka: kafkaPort, kafkaController, s3: s3Port },
    databaseUrl: shared.DATABASE_URL,
    mysqlUrl: shared.MYSQL_URL,
    readyTimeoutMs: 60_000,
  });
  // The jars come from the repository's cache; everything a server writes goes under `base`.
  const paths: InfraPaths = {
    base,
    cache: join(ROOT, '.infra', 'cache'),
    data: join(base, 'data'),
    logs: join(base, 'logs'),
    run: join(base, 'run'),
    conf: join(base, 'conf'),
  };
  makeInfraDirs(paths);
  const started = await Promise.allSettled([
    startPrivate(kafkaService(config, paths), config.readyTimeoutMs),
    startPrivate(s3ProxyService(config, paths), config.readyTimeoutMs),
  ]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const server of servers) await server.dispose();
    rmSync(base, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  const [kafka, s3] = servers as [PrivateServer, PrivateServer];
  const settings = { ...shared, ...privateSettings(config) };
  await ensureBucket(s3EndpointOf(config), settings.S3_BUCKET);
  return {
    settings,
    kafka,
    s3,
    async dispose() {
      await Promise.all([kafka.dispose(), s3.dispose()]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function privateSettings(config: ReturnType<typeof resolveInfraConfig>) {
  const all = settingsOf(config);
  return {
    KAFKA_BROKERS: all.KAFKA_BROKERS,
    S3_ENDPOINT: all.S3_ENDPOINT,
    S3_REGION: all.S3_REGION,
    S3_ACCESS_KEY_ID: all.S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: all.S3_SECRET_ACCESS_KEY,
    S3_BUCKET: all.S3_BUCKET,
    S3_FORCE_PATH_STYLE: all.S3_FORCE_PATH_STYLE,
  };
}

/**
 * Runs a service spec as a child of this process (not detached, no pid file: nothing of `infra up`'s
 * bookkeeping sees it), so the suite owns it and can signal it by pid.
 */
async function startPrivate(spec: ServiceSpec, readyTimeoutMs: number): Promise<PrivateServer> {
  const launch = await spec.prepare();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const proc = spawnLogged(launch);
    child = proc;
    exited = once(proc, 'exit');
    const outcome = await waitUntil(spec.probe, {
      timeoutMs: readyTimeoutMs,
      intervalMs: 250,
      giveUpIf: () =>
        proc.exitCode !== null || proc.signalCode !== null
          ? `it exited (${proc.exitCode ?? proc.signalCode})`
          : undefined,
    });
    if (!outcome.ok) {
      proc.kill('SIGKILL');
      throw new Error(
        `private ${spec.title} on ${spec.port} did not serve: ${outcome.reason}; ` +
          `${describeError(outcome.lastError)} (log ${launch.logFile})`,
      );
    }
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // a paused process still dies of SIGKILL, but resuming first keeps it simple
    child.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    get pid() {
      return child!.pid!;
    },
    kill,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    dispose: kill,
  };
}

function spawnLogged(launch: Launch): ChildProcess {
  const out = openSync(launch.logFile, 'a');
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      stdio: ['ignore', out, out],
      // Restarts are on the tests' clock: C1 only and a shared class archive roughly halve a JVM's start on
      // a busy 2-core machine; these servers live for a minute, so C2's peak speed is never needed.
      env: { ...process.env, JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -Xshare:auto' },
    });
    // A spawn failure (no java) surfaces through the probe's giveUpIf; this keeps it from being unhandled.
    child.on('error', () => {});
    return child;
  } finally {
    closeSync(out);
  }
}
