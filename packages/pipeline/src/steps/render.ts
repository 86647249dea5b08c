// Step 4, render (assembly, text outputs, PDFs): needs `@docat/pdf` only.
export * from './assemble.step.js';
export * from './outputs.step.js';
