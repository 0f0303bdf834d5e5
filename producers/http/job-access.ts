import type { TokenIdentity } from '../../auth/tokens.ts';
import type { Job } from '../../jobs/job.ts';

/**
 * Who a job belongs to: the person who asked for it and the person whose rows it holds (the recipient,
 * who downloads it; the requester unless a trusted Kafka producer delegated it). Both see, fetch and
 * cancel it; so does an admin token of the workspace. Everyone else gets the same 404 as for a job that
 * does not exist, so job ids reveal nothing across people either.
 */
export function jobPeople(job: Job): { requestedBy?: string; recipient?: string } {
  const request = (job.request ?? {}) as { requestedBy?: unknown; recipient?: unknown };
  const requestedBy = typeof request.requestedBy === 'string' ? request.requestedBy : undefined;
  const recipient = typeof request.recipient === 'string' ? request.recipient : requestedBy;
  return { ...(requestedBy ? { requestedBy } : {}), ...(recipient ? { recipient } : {}) };
}

export function canAccessJob(identity: TokenIdentity, job: Job): boolean {
  if (job.workspaceId !== identity.workspaceId) return false;
  if (identity.role === 'admin') return true;
  const { requestedBy, recipient } = jobPeople(job);
  return identity.userId === requestedBy || identity.userId === recipient;
}

/** The user a job listing is narrowed to; undefined (the whole workspace) for an admin. */
export function listingOwner(identity: TokenIdentity): string | undefined {
  return identity.role === 'admin' ? undefined : identity.userId;
}
