export { buildProgram, run } from './program.js';
export { cliDataDir } from './data-dir.js';
export { outputPath } from './output-names.js';
