import { SluiceError } from '../core/errors.ts';

export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM; hand it to the export. */
  signal: AbortSignal;
  /** Which signal arrived, if one did. */
  received(): 'SIGINT' | 'SIGTERM' | undefined;
  dispose(): void;
}

/**
 * Ctrl-C and SIGTERM abort the running export through its AbortSignal, so pipeline() tears the chain down
 * the way any failure does: the query is cancelled, the multipart upload aborted, the partial file removed.
 * A second signal while that cleanup runs exits at once (130/143), for whoever cannot wait.
 */
export function listenForInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const handler = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (received) {
      process.stderr.write(`\nsluice: ${name} again: exiting without cleaning up\n`);
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    received = name;
    controller.abort(new SluiceError('INTERRUPTED', `${name} received`, { details: { signal: name } }));
  };
  const onInt = handler('SIGINT');
  const onTerm = handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => received,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
