import { SluiceError } from '../core/errors.ts';
import type { AvroType } from '../schemas/avro-schemas.ts';
import type { CompatibilityVerdict, RegistryClient } from './registry-client.ts';
import { TOPIC_CONTRACTS, valueSubjectOf } from './subjects.ts';

export interface SubjectCheck {
  subject: string;
  contract: string;
  verdict: CompatibilityVerdict;
}

/**
 * Asks the registry, subject by subject, whether these schemas may become the next versions; registers
 * nothing. `schemas` holds one Avro schema per contract name (the committed .avsc files, or a producer
 * team's edited copies).
 */
export async function checkSchemas(
  registry: RegistryClient,
  schemas: Record<string, AvroType>,
): Promise<SubjectCheck[]> {
  const checks: SubjectCheck[] = [];
  for (const { topic, contract } of TOPIC_CONTRACTS) {
    const schema = schemas[contract];
    if (!schema) continue;
    const subject = valueSubjectOf(topic);
    checks.push({ subject, contract, verdict: await registry.checkCompatibility(subject, schema) });
  }
  return checks;
}

export function formatChecks(checks: SubjectCheck[]): string {
  return checks
    .map(({ subject, contract, verdict }) => {
      switch (verdict.kind) {
        case 'new-subject':
          return `${subject}\t${contract}\tnew subject (nothing registered yet)`;
        case 'compatible':
          return `${subject}\t${contract}\tcompatible with version ${verdict.latestVersion}`;
        case 'incompatible':
          return (
            `${subject}\t${contract}\tINCOMPATIBLE with version ${verdict.latestVersion}` +
            verdict.messages.map((m) => `\n  ${m}`).join('')
          );
      }
    })
    .join('\n');
}

/** Fails the command (exit code 1) naming every subject that would refuse its schema. */
export function assertCompatible(checks: SubjectCheck[]): void {
  const refused = checks.filter((c) => c.verdict.kind === 'incompatible').map((c) => c.subject);
  if (refused.length > 0) {
    throw new SluiceError(
      'SCHEMA_INCOMPATIBLE',
      `the registry would refuse the schema of ${refused.join(', ')}`,
      { details: { subjects: refused } },
    );
  }
}
