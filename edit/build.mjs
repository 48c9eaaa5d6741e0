// Bundles the editor (src/) into OUTDIR with esbuild: index.html, app.js,
// app.css, sw.js (the service worker, which caches the other three under
// a version made of their hash) and licenses.txt (the bundled packages),
// and beside each of the four its .gz, which the board sends a client
// that takes gzip.
//
//   node edit/build.mjs OUTDIR [NODE_MODULES]
//
// NODE_MODULES is where `npm ci` installed package-lock.json (never in the
// source tree): the argument, else $NODE_PATH, else build/edit/node_modules.
// The board serves OUTDIR's files at /edit/<name>, with the same names
// every build (it revalidates them by ETag).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const [outArg, modArg] = process.argv.slice(2);
if (!outArg) {
	console.error('usage: node edit/build.mjs OUTDIR [NODE_MODULES]');
	process.exit(2);
}
const out = resolve(outArg);
const modules = resolve(modArg || process.env.NODE_PATH?.split(':')[0] || join(here, '../build/edit/node_modules'));
const require = createRequire(join(modules, 'noop.js'));
const esbuild = require('esbuild');

// Browsers with service workers, ES2020 and <dialog>.
const target = ['chrome105', 'firefox110', 'safari16'];
const common = {
	bundle: true, minify: true, target, nodePaths: [modules], logLevel: 'warning',
	absWorkingDir: here, legalComments: 'none', charset: 'utf8',
};

mkdirSync(out, { recursive: true });
const app = await esbuild.build({
	...common,
	entryPoints: [join(src, 'main.js')],
	outfile: join(out, 'app.js'),
	format: 'iife',
	platform: 'browser',
	inject: [join(src, 'buffer-shim.js')],
	define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
	metafile: true,
});
await esbuild.build({ ...common, entryPoints: [join(src, 'app.css')], outfile: join(out, 'app.css') });
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));

const FILES = ['index.html', 'app.js', 'app.css'];
const hash = createHash('sha256');
for (const f of FILES) hash.update(readFileSync(join(out, f)));
const version = hash.digest('hex').slice(0, 16);
await esbuild.build({
	...common,
	entryPoints: [join(src, 'sw.js')],
	outfile: join(out, 'sw.js'),
	format: 'iife',
	define: { VERSION: JSON.stringify(version), FILES: JSON.stringify(FILES) },
});

// The packages in app.js, with their licenses (the bundle drops the comments).
const pkgs = new Map();
for (const input of Object.keys(app.metafile.inputs)) {
	const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
	if (!m || pkgs.has(m[1])) continue;
	const pj = JSON.parse(readFileSync(join(modules, m[1], 'package.json'), 'utf8'));
	pkgs.set(m[1], `${pj.name} ${pj.version} (${pj.license || 'see its package'})`);
}
writeFileSync(join(out, 'licenses.txt'),
	`The editor's app.js bundles these npm packages (edit/package-lock.json):\n${[...pkgs.values()].sort().join('\n')}\n`);
for (const f of [...FILES, 'sw.js'])
	writeFileSync(join(out, `${f}.gz`), gzipSync(readFileSync(join(out, f)), { level: constants.Z_BEST_COMPRESSION }));
console.log(`edit: ${out} (version ${version}, app.js ${readFileSync(join(out, 'app.js')).length} bytes)`);
