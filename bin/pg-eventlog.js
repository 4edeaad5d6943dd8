#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx pg-eventlog` works without a build step.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli.ts', import.meta.url);
process.exitCode = await main(process.argv);
