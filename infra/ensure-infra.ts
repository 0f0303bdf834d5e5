import { SluiceError } from '../core/errors.ts';
import { checkDatabases } from './databases/probe.ts';
import { withInfraLock } from './lock.ts';
import { ensureService, stopRecorded, type ServiceSpec } from './managed-service.ts';
import { infraPaths, makeInfraDirs } from './paths.ts';
import { ensureBucket } from './s3proxy/probe.ts';
import { s3EndpointOf } from './s3proxy/service.ts';
import { managedServices } from './services.ts';
import { resolveInfraConfig, settingsOf, type InfraOptions, type InfraSettings } from './settings.ts';
import { describeError } from './wait-until.ts';

export interface InfraHandle {
  settings: InfraSettings;
  /** Names of the servers this call started ('kafka', 's3proxy'), as opposed to reused ones. */
  started: string[];
  /** Stops only what this call started; reused and external servers keep running. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Makes the local infrastructure usable and says how to reach it: checks PostgreSQL and MariaDB, then
 * reuses or starts the Kafka broker and S3Proxy (in parallel) and creates the bucket. Fails with
 * INFRA_UNAVAILABLE, naming the log and quoting its end, when anything cannot be had.
 */
export async function ensureInfra(opts: InfraOptions): Promise<InfraHandle> {
  const config = resolveInfraConfig(opts);
  const paths = infraPaths(config.root);
  makeInfraDirs(paths);
  const log = config.log;

  // The databases are not ours to start, so checking them first fails fast before a JVM is spent.
  await checkDatabases(config.databaseUrl, config.mysqlUrl);
  log('PostgreSQL and MariaDB answer SELECT 1');

  const specs = managedServices(config, paths);
  const startedHere: Array<{ spec: ServiceSpec; pid: number }> = [];
  const stop = async () => {
    const stopping = startedHere.splice(0).reverse();
    for (const { spec, pid } of stopping) {
      const outcome = await stopRecorded(paths.run, spec, pid);
      if (outcome === 'stopped') log(`${spec.title}: stopped pid ${pid}`);
    }
  };

  await withInfraLock(paths.run, log, async () => {
    const results = await Promise.allSettled(
      specs.map((spec) => ensureService(spec, paths.run, config.readyTimeoutMs, log)),
    );
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && r.value.kind === 'started')
        startedHere.push({ spec: specs[i]!, pid: r.value.pid });
    });
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      // Half an environment is worse than none: whatever this call started goes down again.
      await stop().catch(() => {});
      for (const extra of failures.slice(1)) log(`also failed: ${describeError(extra)}`);
      throw failures[0];
    }
  });

  try {
    if (await ensureBucket(s3EndpointOf(config), config.s3Bucket))
      log(`S3: created bucket ${config.s3Bucket}`);
  } catch (err) {
    await stop().catch(() => {});
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      `S3 at ${s3EndpointOf(config).endpoint} answers but bucket ${config.s3Bucket} cannot be had: ${describeError(err)}`,
      { cause: err, details: { bucket: config.s3Bucket } },
    );
  }

  return {
    settings: settingsOf(config),
    started: startedHere.map(({ spec }) => spec.name),
    stop,
  };
}
