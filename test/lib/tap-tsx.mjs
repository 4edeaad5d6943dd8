// Loaded through NODE_OPTIONS (scripts/test.ts sets it for tap): the test processes compile their
// TypeScript with tsx (esbuild, with its disk cache) instead of tap's @tapjs/typescript, which
// loads ts-node and the TypeScript compiler into every test process: 6 to 9 s per file on the
// loaded 2-core machine against 2 to 3 with tsx, most of make test's time outside the tests
// themselves (docs/testing.md, "Where the time goes"). Neither checks types;
// test/harness/typecheck.test.ts runs tsc.
//
// TAP_TYPE_STRIP_ONLY=1 is tap's own switch for leaving ts-node out (meant for Node's type
// stripping, which Node 20 lacks; its runner sets it back to 0 there, so it is set here, in each
// test process, before tap's import hook reads it). The tap runner itself only passes NODE_OPTIONS
// on; a test process (TAP_CHILD_ID set) takes this file out of NODE_OPTIONS again, so the programs
// the tests start run as they would outside tap.
import { fileURLToPath } from 'node:url';

if (process.env.TAP_CHILD_ID) {
  process.env.TAP_TYPE_STRIP_ONLY = '1';
  const { register } = await import('tsx/esm/api');
  register();
  const self = fileURLToPath(import.meta.url);
  // tap's processinfo writes NODE_OPTIONS back with each option in double quotes.
  process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((o) => o && o.replace(/^"(.*)"$/, '$1') !== `--import=${self}`)
    .join(' ');
}
