#!/usr/bin/env node
// The AWS SDK warns on every process that its releases after January 2027 will want Node 22; sluice supports
// Node 20 (README, Prerequisites) and says so once there, so the 9-line warning would only bury real output.
// Set before anything loads the SDK; a value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { freshBuild } from './fresh-build.mjs';

// The compiled JavaScript in dist/ when it was built from the sources as they are now (or when there are no
// sources, as in the image); otherwise the TypeScript through tsx, so an edit never runs stale code.
const built = freshBuild(new URL('..', import.meta.url));
let main;
if (built) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv, process.env);
