import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { AVRO_CONTRACTS, type AvroType } from '../../schemas/avro-schemas.ts';
import { assertCompatible, checkSchemas, formatChecks } from '../../schema-registry/check-schemas.ts';
import { createRegistryClient } from '../../schema-registry/registry-client.ts';
import type { Env } from '../env.ts';

const COMMITTED = fileURLToPath(new URL('../../schemas/avro/', import.meta.url));

export function registerSchemasCommand(program: Command, env: Env): void {
  const schemas = program.command('schemas').description('The Avro contracts and the schema registry.');
  schemas
    .command('check')
    .description(
      'Ask the schema registry whether the Avro schemas may become the next versions of their subjects ' +
        '(<topic>-value); registers nothing. Exit code 0: all compatible (or new); 1: refused or unreachable.',
    )
    .option('--registry <url>', 'Confluent-compatible registry URL (default: SCHEMA_REGISTRY_URL)')
    .option(
      '--dir <folder>',
      'folder of <Contract>.avsc files to check (default: the committed schemas/avro/)',
    )
    .action(async (opts: { registry?: string; dir?: string }) => {
      const url = opts.registry ?? env.SCHEMA_REGISTRY_URL;
      if (!url) throw new SluiceError('USAGE', 'give --registry or set SCHEMA_REGISTRY_URL');
      const dir = opts.dir ?? COMMITTED;
      const checks = await checkSchemas(createRegistryClient(url), readSchemas(dir));
      process.stdout.write(formatChecks(checks) + '\n');
      assertCompatible(checks);
    });
}

function readSchemas(dir: string): Record<string, AvroType> {
  const out: Record<string, AvroType> = {};
  for (const name of Object.keys(AVRO_CONTRACTS)) {
    const file = join(dir, `${name}.avsc`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // a producer team checks only the contracts it owns
    }
    try {
      out[name] = JSON.parse(text) as AvroType;
    } catch (err) {
      throw new SluiceError('USAGE', `${file} is not JSON: ${(err as Error).message}`);
    }
  }
  if (Object.keys(out).length === 0) {
    throw new SluiceError('USAGE', `no ${Object.keys(AVRO_CONTRACTS).join('.avsc, ')}.avsc in ${dir}`);
  }
  return out;
}
