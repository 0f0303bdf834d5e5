import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../core/errors.ts';
import { createDirectSink } from '../../sinks/direct-sink.ts';
import { createLocalFolderSink } from '../../sinks/local-folder.ts';
import type { Env } from '../env.ts';
import type { OutputTarget } from './target.ts';

export type { OutputTarget } from './target.ts';

/** Paths that name a stream of this process rather than a file, whatever they resolve to. */
const STDOUT_PATHS = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/**
 * `--out`: `-` (standard output), a path or `file://…`, or `s3://bucket/key`. A path that is a device, a FIFO
 * or a socket, or lies in /dev or /proc, is written directly and never renamed over (renaming over
 * /dev/stdout would replace the device node for everyone); a regular file is written to a temporary name in
 * its folder and renamed when complete. A symlink is followed, so the link stays a link.
 */
export async function resolveOutputTarget(
  out: string,
  env: Env,
  { noClobber = false }: { noClobber?: boolean } = {},
): Promise<OutputTarget> {
  const none = async () => {};
  if (out === '-' || STDOUT_PATHS.has(out)) {
    return {
      kind: 'stdout',
      sink: createDirectSink({ kind: 'stdout', stream: process.stdout }),
      key: '-',
      display: '-',
      assertAbsent: none,
      close: () => {},
    };
  }
  if (out.startsWith('s3://')) return (await import('./s3-target.ts')).s3Target(out, env, noClobber);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(out) && !out.startsWith('file://')) {
    throw new SluiceError('USAGE', `--out ${out}: use -, a path, file://… or s3://bucket/key`);
  }
  const given = resolve(out.startsWith('file://') ? fileURLToPath(out) : out);
  const path = realpathOrSelf(given);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new SluiceError('USAGE', `--out ${out} is a folder; name a file in it`);
  const special = /^\/(dev|proc)\//.test(given) || /^\/(dev|proc)\//.test(path);
  if ((stat && !stat.isFile()) || special) {
    if (noClobber)
      throw new SluiceError('USAGE', `--no-clobber has no meaning for ${out}, which is not a file`);
    return {
      kind: 'device',
      sink: createDirectSink({ kind: 'path', path }),
      key: basename(path),
      display: given,
      assertAbsent: none,
      close: () => {},
    };
  }
  return {
    kind: 'file',
    sink: createLocalFolderSink({ root: dirname(path), noClobber }),
    key: basename(path),
    display: given,
    async assertAbsent() {
      if (noClobber && statSync(path, { throwIfNoEntry: false })) {
        throw new SluiceError('TARGET_EXISTS', `${given} exists (--no-clobber)`, {
          details: { target: given },
        });
      }
    },
    close: () => {},
  };
}

/** The file a symlink points to (so the rename replaces the file, not the link); the path if none yet. */
function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return resolve(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}
