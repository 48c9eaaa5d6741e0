// isomorphic-git uses Node's Buffer; esbuild injects this one (the buffer
// package) wherever the bundle names Buffer.
export { Buffer } from 'buffer';
