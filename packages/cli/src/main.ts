#!/usr/bin/env node
import { enableCompileCache } from 'node:module';

// Compiled code is cached on disk (the system temporary folder): a command starts faster
// from its second run on. Loaded after this call so the program's modules are cached too.
enableCompileCache();
const { run } = await import('./program.js');

process.exitCode = await run(process.argv);
