// The board's browser editor (/edit/, issue 12) in real Chromium (Debian's,
// driven by playwright-core; no browser of Playwright's own), against the
// host twin that tests/host/editor.sh starts; it runs this inside the
// twin's network namespace, with:
//
//   BASE        the board's site, https://ADDRESS
//   EDIT        the board's editor, an origin of its own: https://ADDRESS:8443
//   PASSWORD    the push password
//   SPKI        base64 SHA-256 of the board's public key: Chromium trusts
//               that key alone (--ignore-certificate-errors-spki-list), so
//               the origin is secure and the service worker registers
//   CA          the board's certificate (PEM), for git and for this
//               script's own requests
//   WORK        a scratch directory (git clones)
//   SHOTS       where the screenshots go: editor.png (the tree and the
//               editor), preview.png, conflict.png (the conflict view)
//   NODE_PATH   where `npm ci` put playwright-core
//   CHROMIUM    the browser (default /usr/bin/chromium)
//   ONLY        optional: run only the tests whose name contains it
//
// Each test is bounded in time and prints TAP-style `ok - ...` /
// `not ok - ...` lines for what it checks; the last line is
// `N passed, N failed`, and the exit status is 1 on any failure. Lines
// starting with "# " are the measurements (time to a usable editor).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import https from 'node:https';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const require = createRequire(join(process.env.NODE_PATH || '.', 'noop.js'));
const { chromium } = require('playwright-core');

const BASE = process.env.BASE;
const EDIT = process.env.EDIT;
const PASSWORD = process.env.PASSWORD;
const SPKI = process.env.SPKI;
const CA = readFileSync(process.env.CA);
const WORK = process.env.WORK;
const SHOTS = process.env.SHOTS || join(WORK, 'shots');
const HOST = new URL(BASE).host;
const TEST_MS = 150000;
const STEP_MS = 60000;
const AUTHOR = { name: 'Test Owner', email: 'owner@example.org' };
const CSP_WANTED = ["default-src 'self'", "object-src 'none'", "frame-ancestors 'self'"];
const LARGE_SITE_FILES = 1000;

let passed = 0, failed = 0;
function ok(what) {
	passed++;
	console.log(`ok - ${what}`);
}
function notOk(what, why) {
	failed++;
	console.log(`not ok - ${what}`);
	if (why) for (const l of String(why).split('\n').slice(0, 12)) console.log(`#   ${l}`);
}
function check(what, cond, why = '') {
	if (cond) ok(what);
	else notOk(what, why);
	return cond;
}
function eq(what, got, want) {
	return check(what, got === want, `got:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
}

// ---- the board, seen from outside the browser ----

function get(path) {
	return new Promise((resolve, reject) => {
		const req = https.get(`${BASE}${path}`, { ca: CA, timeout: 20000 }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
	});
}

const GIT_ENV = {
	...process.env, GIT_SSL_CAINFO: process.env.CA, GIT_TERMINAL_PROMPT: '0',
	GIT_AUTHOR_NAME: 'Command Line', GIT_AUTHOR_EMAIL: 'cli@example.org',
	GIT_COMMITTER_NAME: 'Command Line', GIT_COMMITTER_EMAIL: 'cli@example.org',
};
function git(args, cwd = WORK) {
	return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', timeout: STEP_MS, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
const REPO = `${BASE}/site.git`;
const PUSH_URL = `https://owner:${encodeURIComponent(PASSWORD)}@${HOST}/site.git`;
let clones = 0;
function freshClone() {
	const dir = join(WORK, `clone-${++clones}`);
	git(['clone', '-q', REPO, dir]);
	return dir;
}
function boardMain() {
	return git(['ls-remote', REPO, 'refs/heads/main']).split(/\s/)[0];
}

// A PNG of random pixels (binary, NULs and all), made here.
function png(width, height) {
	const crcTable = Array.from({ length: 256 }, (_, n) => {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		return c >>> 0;
	});
	const crc = (buf) => {
		let c = 0xffffffff;
		for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const c = Buffer.alloc(4);
		c.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, c]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let i = 0; i < raw.length; i++) raw[i] = i % (width * 3 + 1) === 0 ? 0 : Math.floor(Math.random() * 256);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
	]);
}

// ---- the browser ----

let browser;
const contexts = new Set();

async function newContext() {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 760 } });
	contexts.add(ctx);
	ctx.problems = [];
	ctx.foreign = [];
	ctx.on('request', (r) => {
		if (!r.url().startsWith(`${EDIT}/`) && !/^(data|blob):/.test(r.url())) ctx.foreign.push(r.url());
	});
	return ctx;
}

async function closeAll() {
	for (const c of contexts) await c.close().catch(() => {});
	contexts.clear();
}

/** Opens /edit/ in `ctx`: the page once the editor is usable, and how long it took. */
async function openEditor(ctx, { author = true } = {}) {
	const page = await ctx.newPage();
	page.on('console', (m) => {
		if (/Content.Security.Policy|Refused to/i.test(m.text())) ctx.problems.push(m.text());
	});
	page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
	const t0 = Date.now();
	page.response = await page.goto(`${EDIT}/edit/`);
	await page.waitForSelector('body[data-ready="yes"]', { timeout: STEP_MS });
	await page.waitForSelector('#tree [data-path="site/index.html"]', { timeout: STEP_MS });
	await page.waitForFunction(() => document.querySelector('#editor-host .cm-content')?.textContent.length > 0);
	page.openMs = Date.now() - t0;
	if (author) {
		await page.evaluate((a) => localStorage.setItem('editor.author', JSON.stringify(a)), AUTHOR);
	}
	return page;
}

/** Opens `path` from the tree (its folders opened first). */
async function openFile(page, path) {
	const parts = path.split('/');
	for (let i = 1; i < parts.length; i++) {
		const dir = parts.slice(0, i).join('/');
		const d = page.locator(`#tree details[data-dir="${dir}"]`);
		if (!(await d.evaluate((el) => el.open))) await d.locator('> summary').click();
	}
	await page.click(`#tree [data-path="${path}"]`);
	await page.waitForFunction((p) => document.getElementById('file-path').textContent === p, path);
}

/** Replaces the open file's text, as typed, and waits until it is saved. */
async function setText(page, path, text) {
	await openFile(page, path);
	await page.click('#editor-host .cm-content');
	await page.keyboard.press('Control+A');
	await page.keyboard.insertText(text);
	await page.waitForSelector(`#changes [data-path="${path}"]`, { timeout: STEP_MS });
}

async function commit(page, message) {
	const before = await page.evaluate(() => document.body.dataset.commit || '');
	await page.fill('#commit-message', message);
	await page.click('#commit');
	await page.waitForFunction((b) => (document.body.dataset.commit || '') !== b, before, { timeout: STEP_MS });
	return page.evaluate(() => document.body.dataset.commit);
}

/**
 * Clicks Sync and waits for it to end, giving `password` if the page asks
 * for one; returns { state, message, kind, asked, ahead, behind }.
 */
async function sync(page, password = PASSWORD) {
	const before = await page.evaluate(() => Number(document.body.dataset.syncs || 0));
	await page.click('#sync');
	let asked = false;
	const done = page.waitForFunction((n) => Number(document.body.dataset.syncs || 0) > n, before, { timeout: STEP_MS });
	const ask = page.waitForSelector('#dlg-auth[open]', { timeout: STEP_MS }).then(async () => {
		asked = true;
		await page.fill('#auth-password', password);
		await page.click('#auth-ok');
	}, () => {});
	await Promise.race([done, ask.then(() => done)]);
	return page.evaluate(() => {
		const s = document.getElementById('status'), m = document.getElementById('message');
		return {
			state: s.dataset.state, ahead: Number(s.dataset.ahead), behind: Number(s.dataset.behind),
			message: m.hidden ? '' : m.textContent, kind: m.dataset.kind,
		};
	}).then((r) => ({ ...r, asked }));
}

async function shot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, name) });
}

function noProblems(ctx, what) {
	check(`${what}: no policy violation or page error`, !ctx.problems.length, ctx.problems.join('\n'));
	check(`${what}: nothing fetched from anywhere but the board`, !ctx.foreign.length, ctx.foreign.join('\n'));
}

async function page_(path) {
	return (await get(path)).body.toString('utf8');
}

// ---- the tests ----

const timings = [];

async function testEditCommitSync() {
	const ctx = await newContext();
	const page = await openEditor(ctx, { author: false });
	timings.push(`seeded site (${(await page.$$('#tree [data-path]')).length} files): ${page.openMs} ms from opening /edit/ to a usable editor (first visit: clone included)`);
	const h = page.response.headers();
	const csp = h['content-security-policy'] || '';
	check('/edit/ comes with a Content-Security-Policy that keeps the page to the board',
		CSP_WANTED.every((d) => csp.includes(d)), csp);
	check('the editor shows site/ and zones/',
		(await page.$('#tree details[data-dir="site"]')) && (await page.$('#tree details[data-dir="zones"]')));
	eq('a fresh clone is in sync', await page.getAttribute('#status', 'data-state'), 'synced');
	await openFile(page, 'zones/example.org.zone');
	check('a zone file is highlighted (its comments and types)',
		(await page.$$('#editor-host .cm-line span')).length > 10);
	const text = `<!doctype html>\n<link rel="stylesheet" href="css/site.css">\n<h1>Edited in the browser ${Date.now()}</h1>\n`;
	await setText(page, 'site/index.html', text);
	check('the edit shows as a change', (await page.getAttribute('#tree [data-path="site/index.html"]', 'data-change')) === 'modified');
	await page.fill('#commit-message', 'Home page edited in the browser');
	await shot(page, 'editor.png');
	// The first commit asks who commits.
	await page.click('#commit');
	await page.waitForSelector('#dlg-settings[open]', { timeout: STEP_MS });
	await page.fill('#author-name', AUTHOR.name);
	await page.fill('#author-email', AUTHOR.email);
	await page.click('#settings-ok');
	await page.waitForFunction(() => document.body.dataset.commit, null, { timeout: STEP_MS });
	const oid = await page.evaluate(() => document.body.dataset.commit);
	eq('after the commit: one commit ahead', await page.getAttribute('#status', 'data-ahead'), '1');
	const r = await sync(page);
	check('sync asks for the password once', r.asked);
	eq('after sync: in sync', r.state, 'synced');
	eq('the board\'s main is the browser\'s commit', boardMain(), oid);
	eq('the board serves the edited page at /', await page_('/'), text);
	const dir = freshClone();
	eq('git log of a fresh clone: the commit, its author and message',
		git(['log', '-1', '--format=%H|%an <%ae>|%s'], dir), `${oid}|${AUTHOR.name} <${AUTHOR.email}>|Home page edited in the browser`);
	eq('git fsck --full --strict on it', (() => { git(['fsck', '--full', '--strict', '--no-progress'], dir); return true; })(), true);
	// A second edit in the same tab: the password is not asked again.
	await setText(page, 'site/index.html', text.replace('</h1>', ', twice</h1>'));
	await commit(page, 'Second edit');
	const r2 = await sync(page);
	check('the password is asked once per session', !r2.asked && r2.state === 'synced', JSON.stringify(r2));
	const stored = await page.evaluate(async () => {
		const dbs = (await indexedDB.databases()).map((d) => d.name);
		return { local: JSON.stringify({ ...localStorage }), dbs };
	});
	check('the password is not in localStorage', !stored.local.includes(PASSWORD));
	const inIdb = await page.evaluate(async (pw) => {
		// Every value in every IndexedDB store, searched for the password.
		const found = [];
		for (const { name } of await indexedDB.databases()) {
			const db = await new Promise((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => res(r.result); r.onerror = rej; });
			for (const s of db.objectStoreNames) {
				const all = await new Promise((res) => { const r = db.transaction(s).objectStore(s).getAll(); r.onsuccess = () => res(r.result); });
				for (const v of all) {
					const bytes = v instanceof Uint8Array ? v : new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
					if (new TextDecoder().decode(bytes).includes(pw)) found.push(`${name}/${s}`);
				}
			}
			db.close();
		}
		return found;
	}, PASSWORD);
	check(`nor in IndexedDB (${stored.dbs.join(', ')})`, stored.dbs.length > 0 && !inIdb.length, inIdb.join(', '));
	noProblems(ctx, 'edit, commit, sync');
	// The site's pages, and so any script on them, are another origin: what
	// the editor keeps (its copy, its author, the session's password, its
	// service worker) is out of their reach.
	const site = await ctx.newPage();
	await site.goto(`${BASE}/`);
	const seen = await site.evaluate(async () => ({
		databases: (await indexedDB.databases()).length,
		workers: (await navigator.serviceWorker.getRegistrations()).length,
		local: localStorage.length, session: sessionStorage.length,
	}));
	eq("a page of the site sees none of the editor's storage nor its service worker", JSON.stringify(seen),
		JSON.stringify({ databases: 0, workers: 0, local: 0, session: 0 }));
	await site.goto(`${BASE}/edit/`);
	eq("the site's /edit/ leads to the editor's own origin", site.url(), `${EDIT}/edit/`);
	// An editor from before the move left its service worker and cache on the
	// site's origin; that worker's update, the site's /edit/sw.js, drops both.
	await site.goto(`${BASE}/`);
	const retired = await site.evaluate(async () => {
		await (await caches.open('editor-before-the-move')).put('/edit/x', new Response('old'));
		await navigator.serviceWorker.register('/edit/sw.js', { scope: '/edit/' });
		for (let i = 0; i < 100 && (await navigator.serviceWorker.getRegistrations()).length; i++)
			await new Promise((r) => setTimeout(r, 100));
		return {
			workers: (await navigator.serviceWorker.getRegistrations()).length,
			caches: (await caches.keys()).filter((k) => k.startsWith('editor-')).length,
		};
	});
	eq("an old editor's worker on the site's origin retires, with its cache", JSON.stringify(retired),
		JSON.stringify({ workers: 0, caches: 0 }));
	await ctx.close();
	contexts.delete(ctx);
}

async function testImage() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const image = png(40, 30);
	const dropped = png(20, 20);
	const id = Date.now().toString(36); // names of this run's own
	await openFile(page, 'site/index.html');
	await page.setInputFiles('#upload-input', { name: `photo-${id}.png`, mimeType: 'image/png', buffer: image });
	await page.waitForSelector(`#tree [data-path="site/photo-${id}.png"]`, { timeout: STEP_MS });
	// The view opens after the tree shows the file: wait for it (isVisible does not).
	check('an uploaded image shows in the tree and opens as an image',
		await page.waitForSelector('#image-view img', { state: 'visible', timeout: STEP_MS }).then(() => true, () => false));
	// Drag and drop: a file dropped on the css folder lands there.
	const dt = await page.evaluateHandle(({ b64, name }) => {
		const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		const t = new DataTransfer();
		t.items.add(new File([bytes], `dropped-${name}.png`, { type: 'image/png' }));
		return t;
	}, { b64: dropped.toString('base64'), name: id });
	await page.dispatchEvent('#tree details[data-dir="site/css"] > summary', 'dragover', { dataTransfer: dt });
	await page.dispatchEvent('#tree details[data-dir="site/css"] > summary', 'drop', { dataTransfer: dt });
	await page.waitForSelector(`#tree [data-path="site/css/dropped-${id}.png"]`, { timeout: STEP_MS });
	ok('a file dropped on a folder of the tree is added there');
	const html = '<!doctype html>\n<link rel="stylesheet" href="css/site.css">\n<h1>With a picture</h1>\n' +
		`<img id="photo" src="photo-${id}.png" alt="photo"> <img id="dropped" src="css/dropped-${id}.png" alt="dropped">\n`;
	await setText(page, 'site/index.html', html);
	await page.click('#preview-toggle');
	const frame = await (await page.waitForSelector('#preview')).contentFrame();
	await frame.waitForURL(/\/edit\/preview\//, { timeout: STEP_MS });
	await frame.waitForSelector('#dropped', { timeout: STEP_MS });
	const seen = await page.waitForFunction(() => {
		const d = document.getElementById('preview').contentDocument;
		const imgs = d && [...d.images];
		if (!imgs || imgs.length < 2 || !imgs.every((i) => i.complete && i.naturalWidth)) return null;
		return { widths: imgs.map((i) => i.naturalWidth), color: getComputedStyle(d.querySelector('h1')).color };
	}, null, { timeout: STEP_MS }).then((h) => h.jsonValue());
	eq('the preview shows the page with its images, from the browser\'s copy', seen.widths.join(','), '40,20');
	eq('  ... and its style (css/site.css)', seen.color, 'rgb(0, 128, 128)');
	await shot(page, 'preview.png');
	await commit(page, 'A picture');
	const r = await sync(page);
	eq('after sync: in sync', r.state, 'synced');
	const served = await get(`/photo-${id}.png`);
	check('the board serves the image byte for byte', served.status === 200 && served.body.equals(image),
		`status ${served.status}, ${served.body.length} bytes, want ${image.length}`);
	check('  ... and the dropped one', (await get(`/css/dropped-${id}.png`)).body.equals(dropped));
	eq('  ... and the page that shows them', await page_('/'), html);
	noProblems(ctx, 'images');
	await ctx.close();
	contexts.delete(ctx);
}

async function dialog(page, value) {
	await page.waitForSelector('#dlg-prompt[open]');
	await page.fill('#prompt-input', value);
	await page.click('#prompt-ok');
}

async function testAddRenameDelete() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	await openFile(page, 'site/index.html');
	await page.click('#new-file');
	await dialog(page, 'site/about/index.html');
	await page.waitForSelector('#tree [data-path="site/about/index.html"][data-change="added"]');
	await setText(page, 'site/about/index.html', '<h1>About</h1>\n');
	await page.click('#new-file');
	await dialog(page, 'site/old.txt');
	await setText(page, 'site/old.txt', 'to be deleted\n');
	await commit(page, 'Two new files');
	eq('new files (one in a new folder) sync', (await sync(page)).state, 'synced');
	eq('the board serves the new page', await page_('/about/'), '<h1>About</h1>\n');
	await openFile(page, 'site/about/index.html');
	await page.click('#rename');
	await dialog(page, 'site/about-us.html');
	await page.waitForSelector('#tree [data-path="site/about-us.html"]');
	check('a renamed file leaves its old place (and its emptied folder)',
		!(await page.$('#tree [data-path="site/about/index.html"]')) && !(await page.$('#tree details[data-dir="site/about"]')));
	await openFile(page, 'site/old.txt');
	await page.click('#delete');
	await page.waitForSelector('#dlg-confirm[open]');
	await page.click('#confirm-ok');
	await page.waitForSelector('#changes [data-path="site/old.txt"][data-change="deleted"]');
	ok('a deleted file shows as deleted among the changes');
	await commit(page, 'Renamed one, deleted the other');
	eq('the rename and the deletion sync', (await sync(page)).state, 'synced');
	eq('the board serves the page at its new name', await page_('/about-us.html'), '<h1>About</h1>\n');
	eq('  ... not at the old one', (await get('/about/')).status, 404);
	eq('  ... nor the deleted file', (await get('/old.txt')).status, 404);
	noProblems(ctx, 'add, rename, delete');
	await closeAll();
}

async function testTwoContextsDifferentFiles() {
	const [ca, cb] = [await newContext(), await newContext()];
	const [a, b] = [await openEditor(ca), await openEditor(cb)];
	const css = `h1 { color: teal }\np { color: #333 } /* ${Date.now()} */\n`;
	const html = (await page_('/')).replace('</h1>', ' (B)</h1>');
	await setText(a, 'site/css/site.css', css);
	const oa = await commit(a, 'Style from A');
	await setText(b, 'site/index.html', html);
	const ob = await commit(b, 'Page from B');
	eq('A syncs first: pushed', (await sync(a)).state, 'synced');
	const rb = await sync(b);
	eq('B syncs second: merged and pushed', rb.state, 'synced');
	const dir = freshClone();
	const parents = git(['log', '-1', '--format=%P'], dir).split(' ');
	check('main is a merge commit of both', parents.length === 2 && parents.includes(ob) && parents.includes(oa), parents.join(' '));
	eq('the board serves A\'s style', await page_('/css/site.css'), css);
	eq('  ... and B\'s page', await page_('/'), html);
	const ra = await sync(a);
	await openFile(a, 'site/index.html');
	check('A syncs again: fast-forwarded to the merge, and shows B\'s page',
		ra.state === 'synced' && (await a.evaluate(() => document.querySelector('#editor-host .cm-content').innerText)).includes('(B)'));
	noProblems(ca, 'two browsers, different files (A)');
	noProblems(cb, 'two browsers, different files (B)');
	await closeAll();
}

async function testConflict() {
	const [ca, cb] = [await newContext(), await newContext()];
	const [a, b] = [await openEditor(ca), await openEditor(cb)];
	const base = await page_('/');
	const lineOf = (t) => t.split('\n').find((l) => l.startsWith('<h1>'));
	const htmlA = base.replace(lineOf(base), '<h1>Title by A</h1>');
	const htmlB = base.replace(lineOf(base), '<h1>Title by B</h1>');
	const cssBase = await page_('/css/site.css');
	const cssA = `${cssBase}p { color: red } /* A */\n`, cssB = `${cssBase}p { color: blue } /* B */\n`;
	await setText(a, 'site/index.html', htmlA);
	await setText(a, 'site/css/site.css', cssA);
	await commit(a, 'A\'s title and style');
	await setText(b, 'site/index.html', htmlB);
	await setText(b, 'site/css/site.css', cssB);
	await commit(b, 'B\'s title and style');
	eq('A syncs first', (await sync(a)).state, 'synced');
	const rb = await sync(b);
	eq('B sees the conflict', rb.state, 'conflict');
	check('  ... in the conflict view, both versions side by side',
		await b.isVisible('#conflict') && await b.isVisible('#conflict-sides'));
	eq('  ... for both files', (await b.$$eval('#conflict-files [data-path]', (e) => e.map((x) => x.dataset.path))).sort().join(' '),
		'site/css/site.css site/index.html');
	await b.click('#conflict-files [data-path="site/index.html"]');
	// The view names its file first, then CodeMirror draws both sides.
	await b.waitForFunction(() => document.getElementById('conflict-body').dataset.path === 'site/index.html' &&
		[...document.querySelectorAll('#conflict-sides .cm-content')].filter((e) => e.innerText.includes('<h1>')).length === 2,
		null, { timeout: STEP_MS });
	const sides = await b.$$eval('#conflict-sides .cm-content', (els) => els.map((e) => e.innerText));
	check('  ... this browser\'s on the left, the board\'s on the right',
		sides.length === 2 && sides[0].includes('Title by B') && sides[1].includes('Title by A'), JSON.stringify(sides));
	check('  ... and nothing was pushed', (await page_('/')) === htmlA);
	await shot(b, 'conflict.png');
	const resolved = base.replace(lineOf(base), '<h1>Title by A and B</h1>');
	await b.click('#conflict-result .cm-content');
	await b.keyboard.press('Control+A');
	await b.keyboard.insertText(resolved);
	await b.click('#use-result');
	await b.waitForSelector('#conflict-files [data-path="site/index.html"][data-resolved="yes"]');
	check('with one file of two resolved, the merge cannot finish yet', !(await b.isEnabled('#finish-merge')));
	await b.click('#conflict-files [data-path="site/css/site.css"]');
	await b.waitForFunction(() => document.getElementById('conflict-body').dataset.path === 'site/css/site.css');
	await b.click('#take-ours');
	await b.waitForSelector('#conflict-files [data-path="site/css/site.css"][data-resolved="yes"]');
	check('the finish button is enabled once every file is resolved', await b.isEnabled('#finish-merge'));
	const before = await b.evaluate(() => Number(document.body.dataset.syncs));
	await b.click('#finish-merge');
	await b.waitForFunction((n) => Number(document.body.dataset.syncs) > n, before, { timeout: STEP_MS });
	eq('after the merge: in sync', await b.getAttribute('#status', 'data-state'), 'synced');
	check('  ... and the conflict view is gone', !(await b.isVisible('#conflict')));
	eq('the board serves the edited result', await page_('/'), resolved);
	eq('  ... and the side kept (this browser\'s style)', await page_('/css/site.css'), cssB);
	const dir = freshClone();
	eq('  ... in a merge commit', git(['log', '-1', '--format=%P'], dir).split(' ').length, 2);
	noProblems(cb, 'conflict');
	await closeAll();
}

async function testCliAndBrowser() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const dir = freshClone();
	const html = (await page_('/')).replace('</h1>', ' + browser</h1>');
	await setText(page, 'site/index.html', html);
	await commit(page, 'Browser, meanwhile');
	const note = `Pushed with git at ${Date.now()}\n`;
	writeFileSync(join(dir, 'site/notes.txt'), note);
	git(['add', '-A'], dir);
	git(['commit', '-q', '-m', 'From the command line'], dir);
	git(['push', '-q', PUSH_URL, 'main'], dir);
	const cliOid = git(['rev-parse', 'HEAD'], dir);
	const r = await sync(page);
	eq('the browser merges the command line\'s push and pushes', r.state, 'synced');
	eq('the board serves the browser\'s page', await page_('/'), html);
	eq('  ... and the command line\'s file', await page_('/notes.txt'), note);
	git(['pull', '-q', '--no-rebase', REPO, 'main'], dir);
	check('the command line\'s commit is a parent of main',
		git(['log', '-1', '--format=%P'], dir).split(' ').includes(cliOid));
	check('the browser shows the command line\'s file', !!(await page.$('#tree [data-path="site/notes.txt"]')));
	noProblems(ctx, 'command line and browser');
	await closeAll();
}

async function testOffline() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	await setText(page, 'site/index.html', (await page_('/')).replace('</h1>', ' (before going offline)</h1>'));
	await commit(page, 'Before going offline');
	eq('online: a commit synced, the password given', (await sync(page)).state, 'synced');
	await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated', null, { timeout: STEP_MS });
	// The board unreachable: every request from the context fails, the
	// service worker's included.
	let blocked = 0;
	await ctx.route('**/*', (route) => {
		blocked++;
		return route.abort('internetdisconnected');
	});
	const t0 = Date.now();
	const response = await page.reload();
	await page.waitForSelector('body[data-ready="yes"]', { timeout: STEP_MS });
	await page.waitForSelector('#tree [data-path="site/index.html"]', { timeout: STEP_MS });
	timings.push(`reopening with the board unreachable: ${Date.now() - t0} ms to a usable editor`);
	check('with the board unreachable the editor opens, from the service worker',
		response.fromServiceWorker() && response.status() === 200, `status ${response.status()}`);
	await page.waitForSelector('#status[data-state="offline"]', { timeout: STEP_MS });
	ok('the indicator says offline');
	check('  ... and the board was indeed asked for, and blocked', blocked > 0);
	const mainBefore = boardMain();
	const html = (await page_('/')).replace('</h1>', ' (offline)</h1>');
	await setText(page, 'site/index.html', html);
	await commit(page, 'Written offline');
	const r = await sync(page);
	check('a sync offline says so, keeps the commit', r.state === 'offline' && r.ahead === 1 && /reached/.test(r.message), JSON.stringify(r));
	eq('  ... and nothing reached the board', boardMain(), mainBefore);
	await ctx.unroute('**/*');
	// The tab knows the password: once the board answers, it syncs by itself.
	await page.waitForSelector('#status[data-state="synced"]', { timeout: STEP_MS });
	ok('back online, the commit syncs by itself');
	eq('the board serves the page written offline', await page_('/'), html);
	noProblems(ctx, 'offline');
	await closeAll();
}

async function testWrongPassword() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const html = (await page_('/')).replace('</h1>', ' (password)</h1>');
	await setText(page, 'site/index.html', html);
	await commit(page, 'Needs the right password');
	const mainBefore = boardMain();
	const r = await sync(page, `not-${PASSWORD}`);
	check('a wrong password: a clear message', r.asked && r.kind === 'error' && /refused the password/.test(r.message), JSON.stringify(r));
	eq('  ... nothing pushed', boardMain(), mainBefore);
	eq('  ... the commit kept here', r.ahead, 1);
	const r2 = await sync(page);
	check('the next sync asks again, and the right one lands it', r2.asked && r2.state === 'synced', JSON.stringify(r2));
	noProblems(ctx, 'wrong password');
	await closeAll();
}

async function testBrokenZone() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	await openFile(page, 'zones/example.org.zone');
	const zone = await page.evaluate(() => document.querySelector('#editor-host .cm-content').innerText);
	const lines = zone.replace(/\n$/, '').split('\n').length;
	await setText(page, 'zones/example.org.zone', `${zone.replace(/\n$/, '')}\nbroken 3600 IN A 999.1.2.3\n`);
	await commit(page, 'A broken zone');
	const mainBefore = boardMain();
	const r = await sync(page);
	check('the board refuses the broken zone, and the page shows its message',
		r.kind === 'error' && /^The board refused the push: zones\/example\.org\.zone:(\d+): .*999\.1\.2\.3/.test(r.message) &&
		r.message.includes(`zones/example.org.zone:${lines + 1}:`), JSON.stringify(r));
	eq('  ... nothing pushed', boardMain(), mainBefore);
	eq('  ... the commit kept here', r.ahead, 1);
	await setText(page, 'zones/example.org.zone', zone);
	await commit(page, 'Zone fixed');
	eq('fixed and committed, it syncs', (await sync(page)).state, 'synced');
	noProblems(ctx, 'broken zone');
	await closeAll();
}

/** A pkt-line of `data` (a string or bytes). */
function pkt(data) {
	const b = Buffer.from(data);
	return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
}

/** A receive-pack answer as the board sends it with side-band-64k: the report's `lines` on band 1. */
function receivePackAnswer(lines) {
	const report = Buffer.concat([...lines.map((l) => pkt(`${l}\n`)), Buffer.from('0000')]);
	return Buffer.concat([pkt(Buffer.concat([Buffer.from([1]), report])), Buffer.from('0000')]);
}

// The board's answers when its store's device fails under a push (git/receive.c,
// each reason beginning with STORAGE_FAILED's words: a write failing, then a read),
// made here: a failing device cannot be had from the running twin.
const DEVICE_FAILED = [
	['the update perhaps kept', 'unpack ok', "ng refs/heads/main the store's device failed while writing this update: whether it was kept is known after the appliance restarts"],
	['the update not made', 'unpack ok', "ng refs/heads/main the store's device failed: the update was not made, and the store takes no writes until the appliance restarts"],
	['the pack not taken', "unpack the store's device failed", 'ng refs/heads/main unpacker error'],
	['the pack not taken, the device failed before', "unpack the store's device failed before this push: it takes no writes until the appliance restarts", 'ng refs/heads/main unpacker error'],
	['a read failing, the new commit', 'unpack ok', "ng refs/heads/main the store's device failed, or the data there is damaged: the store could not read the new object"],
	["a read failing, the site's history", 'unpack ok', "ng refs/heads/main the store's device failed, or the data there is damaged: the store could not read the site's history"],
	["a read failing, the update's objects", 'unpack ok', "ng refs/heads/main the store's device failed, or the data there is damaged: the store could not read an object the update reaches: it was not made"],
];

// ... and when it runs short of memory taking one (git/receive.c's
// OUT_OF_MEMORY: the command list, the unpack, the DNS service's check of
// the zones), nothing pushed.
const SHORT_OF_MEMORY = [
	['the commands', 'unpack ok', 'ng refs/heads/main out of memory'],
	['the unpack', 'unpack out of memory', 'ng refs/heads/main unpacker error'],
	["the zones' check", 'unpack ok', 'ng refs/heads/main out of memory checking the zones'],
];

async function testDeviceFailed() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const html = (await page_('/')).replace('</h1>', ' (device)</h1>');
	await setText(page, 'site/index.html', html);
	await commit(page, 'Meets a failing device');
	const mainBefore = boardMain();
	// Each of the board's `answers` to a sync of that commit: what the editor says of it, `said(why)`.
	const answered = async (answers, name, said) => {
		for (const [what, unpack, ng] of answers) {
			const why = ng.endsWith('unpacker error') ? unpack.slice('unpack '.length) : ng.slice('ng refs/heads/main '.length);
			await ctx.route('**/site.git/git-receive-pack', (route) => route.fulfill({
				status: 200, contentType: 'application/x-git-receive-pack-result', body: receivePackAnswer([unpack, ng]),
			}));
			const r = await sync(page);
			await ctx.unroute('**/site.git/git-receive-pack');
			check(`${name}, ${what}`, r.kind === 'error' && r.message === said(why), JSON.stringify(r));
			eq('  ... the commit kept here', r.ahead, 1);
		}
	};
	// "Nothing was pushed" would be untrue of an update perhaps kept.
	await answered(DEVICE_FAILED, 'the device failed: the board\'s reason, never "nothing was pushed", sync after the restart',
		(why) => `The board's storage failed: ${why}. Your commit stays here; sync again once the board has restarted.`);
	await answered(SHORT_OF_MEMORY, 'the board short of memory: no refusal to fix, sync again',
		(why) => `The board ran short of memory taking the push (${why}). Nothing was pushed; your commit stays here. Sync again in a while.`);
	eq('  ... nothing reached the board', boardMain(), mainBefore);
	eq('the board answering again, the commit syncs', (await sync(page)).state, 'synced');
	eq('the board serves it', await page_('/'), html);
	noProblems(ctx, 'device failed');
	await closeAll();
}

async function testLargeSite() {
	const dir = freshClone();
	mkdirSync(join(dir, 'site/many'), { recursive: true });
	for (let i = 0; i < LARGE_SITE_FILES; i++)
		writeFileSync(join(dir, `site/many/page-${String(i).padStart(4, '0')}.html`), `<h1>Page ${i}</h1>\n<p>${'text '.repeat(i % 50)}</p>\n`);
	git(['add', '-A'], dir);
	git(['commit', '-q', '-m', `${LARGE_SITE_FILES} pages`], dir);
	git(['push', '-q', PUSH_URL, 'main'], dir);
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const n = await page.$$eval('#tree [data-path^="site/many/"]', (e) => e.length);
	eq(`a ${LARGE_SITE_FILES}-file site: every file in the tree`, n, LARGE_SITE_FILES);
	timings.push(`${LARGE_SITE_FILES}-file site (${await page.$$eval('#tree [data-path]', (e) => e.length)} files): ${page.openMs} ms from opening /edit/ to a usable editor (first visit: clone included)`);
	const t0 = Date.now();
	await openFile(page, 'site/many/page-0999.html');
	const t1 = Date.now() - t0;
	check('  ... and one of them opens', (await page.evaluate(() => document.querySelector('#editor-host .cm-content').innerText)).includes('Page 999'));
	await page.reload();
	const t2 = Date.now();
	await page.waitForSelector('body[data-ready="yes"]', { timeout: STEP_MS });
	timings.push(`${LARGE_SITE_FILES}-file site, reopened (copy in IndexedDB): ${Date.now() - t2} ms to a usable editor; a file from the tree opens in ${t1} ms`);
	await closeAll();
}

/** The open file's text as the editor shows it. */
function editorText(page) {
	return page.evaluate(() => document.querySelector('#editor-host .cm-content').innerText);
}

/*
 * Keystrokes while a sync runs: the board changed the open file meanwhile.
 * The editor is read-only until the sync is over, so what was typed then
 * is not in the file and the board's version is what shows. Typed into,
 * the editor saved its text from before the sync over the board's version
 * after the checkout, as a change of the owner's own: the next sync
 * pushed it, undoing the board's change without a word.
 */
async function testTypingDuringSync() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const dir = freshClone();
	const board = (await page_('/')).replace('</h1>', ` (pushed with git at ${Date.now()})</h1>`);
	writeFileSync(join(dir, 'site/index.html'), board);
	git(['commit', '-q', '-am', 'The home page, from the command line'], dir);
	git(['push', '-q', PUSH_URL, 'main'], dir);
	await openFile(page, 'site/index.html');
	const before = await page.evaluate(() => Number(document.body.dataset.syncs || 0));
	await page.click('#sync');
	// Back in the text at once (the click took the focus), typing.
	await page.click('#editor-host .cm-content');
	await page.keyboard.type('TYPED');
	const during = await page.evaluate(() => document.getElementById('status').dataset.busy === 'yes');
	await page.waitForFunction((n) => Number(document.body.dataset.syncs || 0) > n, before, { timeout: STEP_MS });
	await page.waitForTimeout(1000); // past the editor's save delay
	check('the keystrokes came while the sync ran', during);
	const shown = await editorText(page);
	check('after the sync the editor shows the board\'s version, nothing typed meanwhile',
		shown.includes(board.match(/<h1>.*<\/h1>/)[0]) && !shown.includes('TYPED'), shown);
	check('  ... and the file is no change of this copy', !(await page.$('#changes [data-path="site/index.html"]')));
	eq('the board still serves its version', await page_('/'), board);
	await page.click('#editor-host .cm-content');
	await page.keyboard.press('Control+End');
	await page.keyboard.type('<!-- typed after -->');
	await page.waitForSelector('#changes [data-path="site/index.html"]', { timeout: STEP_MS });
	check('once it is over, typing edits the board\'s version', (await editorText(page)).includes('<!-- typed after -->'));
	noProblems(ctx, 'typing during a sync');
	await closeAll();
}

/*
 * Files whose bytes a text editor could change without being asked: LF
 * with a lone \r and U+2028 inside lines, and CRLF after a byte-order
 * mark. Each is changed on its first line with git and on its last in the
 * browser (typed; pasted as LF text into the CRLF one), so the sync merges
 * them line by line: every other byte stays.
 * The merge dropped the lone \r and the U+2028 (its line pattern matched
 * neither), and one keystroke made the CRLF file LF throughout.
 */
async function testMergeKeepsEveryByte() {
	const ctx = await newContext();
	const page = await openEditor(ctx);
	const dir = freshClone();
	const files = {
		'site/odd.txt': ['first line\n', 'a lone \r inside\n', 'a separator \u2028 inside\n', 'last line\n'],
		'site/dos.txt': ['\ufefffirst line\r\n', 'second\r\n', 'third\r\n', 'last line\r\n'],
	};
	for (const [path, lines] of Object.entries(files)) writeFileSync(join(dir, path), lines.join(''));
	git(['add', '-A'], dir);
	git(['commit', '-q', '-m', 'Two files a text editor could change'], dir);
	git(['push', '-q', PUSH_URL, 'main'], dir);
	eq('the browser takes them', (await sync(page)).state, 'synced');
	const want = {};
	for (const [path, lines] of Object.entries(files)) {
		const eol = lines[0].endsWith('\r\n') ? '\r\n' : '\n';
		const cli = [lines[0].replace('first line', 'first line, from git'), ...lines.slice(1)];
		writeFileSync(join(dir, path), cli.join(''));
		await reloadFromTree(page, path);
		await page.click('#editor-host .cm-content');
		await page.keyboard.press('Control+End');
		if (eol === '\n') {
			want[path] = `${cli.join('')}added in the browser\n`;
			await page.keyboard.type('added in the browser');
			await page.keyboard.press('Enter');
		} else {
			// LF text pasted into the CRLF file takes its line breaks (it was one line of literal \n).
			want[path] = `${cli.join('')}added in the browser\r\npasted too\r\n`;
			await page.evaluate((t) => {
				const dt = new DataTransfer();
				dt.setData('text/plain', t);
				document.querySelector('#editor-host .cm-content').dispatchEvent(
					new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
			}, 'added in the browser\npasted too\n');
		}
		await page.waitForSelector(`#changes [data-path="${path}"]`, { timeout: STEP_MS });
	}
	git(['commit', '-q', '-am', 'First lines, from git'], dir);
	git(['push', '-q', PUSH_URL, 'main'], dir);
	await commit(page, 'Last lines, from the browser');
	eq('the sync merges both sides', (await sync(page)).state, 'synced');
	for (const path of Object.keys(files)) {
		const got = (await get(`/${path.slice(5)}`)).body;
		check(`${path}: every byte of both sides`, got.equals(Buffer.from(want[path])),
			`got:  ${JSON.stringify(got.toString())}\nwant: ${JSON.stringify(want[path])}`);
	}
	noProblems(ctx, 'merging files with odd bytes');
	await closeAll();
}

async function reloadFromTree(page, path) {
	await page.waitForSelector(`#tree [data-path="${path}"]`, { timeout: STEP_MS });
	await openFile(page, path);
}

/*
 * Two tabs of one browser share its copy: the second waits, saying why,
 * and takes over once the first is closed, with what the first saved.
 * Both edited before, each writing its own buffer of a file over the
 * other's at its next keystroke.
 */
async function testOneTabAtATime() {
	const ctx = await newContext();
	const first = await openEditor(ctx);
	const second = await ctx.newPage();
	await second.goto(`${EDIT}/edit/`);
	await second.waitForSelector('body[data-waiting="another-tab"]', { timeout: STEP_MS });
	check('a second tab of the same browser waits, saying why',
		(await second.textContent('#loading-text')).includes('another tab') && !(await second.$('body[data-ready="yes"]')));
	const text = (await page_('/')).replace('</h1>', ' (first tab)</h1>');
	await setText(first, 'site/index.html', text);
	await first.close();
	await second.waitForSelector('body[data-ready="yes"]', { timeout: STEP_MS });
	await openFile(second, 'site/index.html');
	check('once the first tab is closed the second takes over, with the first one\'s edit',
		(await editorText(second)).includes('(first tab)'));
	noProblems(ctx, 'two tabs of one browser');
	await closeAll();
}

const TESTS = [
	['open, clone, edit, commit, sync', testEditCommitSync],
	['upload an image, reference it, preview, sync', testImage],
	['add, rename and delete files', testAddRenameDelete],
	['two browsers, different files', testTwoContextsDifferentFiles],
	['two browsers, the same line', testConflict],
	['a git push and a browser edit at the same time', testCliAndBrowser],
	['typing while a sync runs', testTypingDuringSync],
	['two tabs of one browser', testOneTabAtATime],
	['a merge keeps every byte (lone CR, U+2028, CRLF and a BOM)', testMergeKeepsEveryByte],
	['offline', testOffline],
	['a wrong password', testWrongPassword],
	['a broken zone file', testBrokenZone],
	["the board's storage failing, or its memory short, under a push", testDeviceFailed],
	['a 1,000-file site', testLargeSite],
];

async function main() {
	rmSync(SHOTS, { recursive: true, force: true });
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		// As root Chromium needs --no-sandbox; the board's key is the one trusted.
		args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${SPKI}`],
	});
	console.log(`# ${browser.version()} (playwright-core ${require('playwright-core/package.json').version})`);
	const only = process.env.ONLY;
	for (const [name, fn] of TESTS) {
		if (only && !name.includes(only)) continue;
		let timer;
		try {
			const run = fn();
			run.catch(() => {}); // a test that timed out fails later, unheard
			await Promise.race([run, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${TEST_MS / 1000} s`)), TEST_MS); })]);
		} catch (e) {
			notOk(`${name}: ${e.message.split('\n')[0]}`, e.stack);
		} finally {
			clearTimeout(timer);
			await closeAll();
		}
	}
	await browser.close();
	for (const t of timings) console.log(`# ${t}`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`not ok - ${e.message}`);
	console.log(`${passed} passed, ${failed + 1} failed`);
	process.exit(1);
});
