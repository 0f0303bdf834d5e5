import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Counts UploadPart retries on a client. The SDK retries inside `send()` and reports how many attempts it
 * made in `$metadata.attempts` (on the result, or on the error when it gave up), so the multipart writer
 * itself needs no retry loop of its own nor any hook for this.
 */
export function countPartRetries(client: S3Client, onRetries: (n: number) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counted = (attempts: unknown) => {
        if (context.commandName === 'UploadPartCommand' && typeof attempts === 'number' && attempts > 1)
          onRetries(attempts - 1);
      };
      try {
        const out = await next(args);
        counted((out.output as { $metadata?: { attempts?: number } }).$metadata?.attempts);
        return out;
      } catch (err) {
        counted((err as { $metadata?: { attempts?: number } }).$metadata?.attempts);
        throw err;
      }
    },
    { step: 'initialize', name: 'sluicePartRetries' },
  );
}
