// The editor page: the browser's copy of the board's site (repo.js, in
// IndexedDB through LightningFS), its file tree, the text editor, the
// preview, commits, and sync with the indicator of where this copy stands.
import LightningFS from '@isomorphic-git/lightning-fs';
import { Repo, SyncError, LOCAL } from './repo.js';
import { Editor } from './editor.js';
import { Tree } from './tree.js';
import { ConflictView } from './conflict.js';
import { asText } from './merge.js';
import * as dialogs from './dialogs.js';

const $ = (id) => document.getElementById(id);
const DIR = '/site';
const SAVE_DELAY_MS = 300;
const PROBE_MS = 15000;
const AUTHOR_KEY = 'editor.author';
const CREDS_KEY = 'editor.credentials';
const DEFAULT_AUTHOR = { name: 'Editor', email: 'editor@appliance' };
const IMAGE = /\.(png|jpe?g|gif|webp|avif|ico|bmp)$/i;

// ---- credentials: this tab's memory (and sessionStorage), never stored for longer ----

let creds = null;
try {
	creds = JSON.parse(sessionStorage.getItem(CREDS_KEY));
} catch {}
let asking = null;
const auth = {
	async get() {
		if (creds) return creds;
		asking ||= dialogs.credentials().finally(() => { asking = null; });
		const c = await asking;
		if (c) {
			creds = c;
			sessionStorage.setItem(CREDS_KEY, JSON.stringify(c));
		}
		return c;
	},
	failed() {
		creds = null;
		sessionStorage.removeItem(CREDS_KEY);
	},
};

// Who commits: asked at the first commit, kept in localStorage (it is no secret).
function storedAuthor() {
	try {
		const a = JSON.parse(localStorage.getItem(AUTHOR_KEY));
		if (a?.name && a?.email) return a;
	} catch {}
	return null;
}
const author = () => storedAuthor() || DEFAULT_AUTHOR;

// ---- the page's state ----

const fs = new LightningFS('editor');
const repo = new Repo({ fs, dir: DIR, url: `${location.origin}/site.git`, auth, author });
let files = [];
let changes = new Map();
let current = null; // the open file's path
const pending = new Map(); // path -> { timer, text } not yet written
const saving = new Set(); // writes of those under way
let offline = false;
let conflicted = false;
let busy = null; // what changes the copy now (exclusive), or null
let syncs = 0;

const tree = new Tree($('tree'), { onOpen: (p) => guard(openFile)(p) });
const editor = new Editor($('editor-host'), (path, text) => scheduleSave(path, text));
const conflicts = new ConflictView({
	blob: (oid) => repo.blob(oid),
	onResolve: (path, bytes) => repo.resolve(path, bytes),
	onMessage: (t, kind) => say(t, kind),
});

// ---- messages and the indicator ----

let sayTimer = null;
function say(text, kind = 'info') {
	const m = $('message');
	m.textContent = text;
	m.dataset.kind = kind;
	m.hidden = false;
	clearTimeout(sayTimer);
	if (kind === 'info') sayTimer = setTimeout(() => { m.hidden = true; }, 8000);
}

async function refreshStatus() {
	const s = $('status');
	const { ahead, behind, remote } = await repo.counts();
	s.dataset.ahead = ahead;
	s.dataset.behind = behind;
	let state, text;
	if (conflicted) [state, text] = ['conflict', 'conflict'];
	else if (offline) [state, text] = ['offline', 'offline'];
	else if (!remote) [state, text] = ['unknown', 'not synced'];
	else if (ahead && behind) [state, text] = ['diverged', `↑${ahead} ↓${behind}`];
	else if (ahead) [state, text] = ['ahead', `↑${ahead} to push`];
	else if (behind) [state, text] = ['behind', `↓${behind} to pull`];
	else [state, text] = ['synced', 'in sync'];
	if (offline && ahead) text += ` · ↑${ahead}`;
	if (conflicted && (ahead || behind)) text += ` · ↑${ahead} ↓${behind}`;
	s.dataset.state = state;
	s.textContent = text;
	s.title = `${ahead} commit(s) here not on the board, ${behind} on the board not here (as of the last sync)` +
		(offline ? '; the board cannot be reached' : '');
}

async function refreshChanges() {
	const list = await repo.changes();
	changes = new Map(list.map((c) => [c.path, c.change]));
	$('change-count').textContent = list.length ? `(${list.length})` : '';
	$('changes').replaceChildren(...list.map((c) => {
		const li = document.createElement('li');
		const b = document.createElement('button');
		b.className = 'file';
		b.dataset.path = c.path;
		b.dataset.change = c.change;
		b.textContent = c.path;
		b.disabled = c.change === 'deleted';
		b.onclick = () => openFile(c.path);
		li.append(b);
		return li;
	}));
	$('commit').disabled = !list.length;
	for (const b of $('tree').querySelectorAll('[data-path]')) {
		const c = changes.get(b.dataset.path);
		if (c) b.dataset.change = c;
		else delete b.dataset.change;
	}
}

let changesTimer = null;
function refreshChangesSoon() {
	clearTimeout(changesTimer);
	changesTimer = setTimeout(() => refreshChanges().catch(report), 400);
}

async function reloadTree() {
	files = await repo.listFiles();
	tree.render(files, changes);
	tree.select(current);
}

function report(e) {
	console.error(e);
	say(e.message || String(e), 'error');
}

// ---- files ----

function scheduleSave(path, text) {
	const p = pending.get(path);
	if (p) clearTimeout(p.timer);
	const entry = { text, timer: setTimeout(() => save(path).catch(() => {}), SAVE_DELAY_MS) };
	pending.set(path, entry);
	previewSoon();
}

/*
 * Write `path`'s pending text. A write that fails (IndexedDB full, say)
 * is said, and its text waits again for the next save, unless newer
 * keystrokes took its place: it was dropped unsaid, and the next commit
 * went without it.
 */
async function save(path) {
	const p = pending.get(path);
	if (!p) return;
	pending.delete(path);
	clearTimeout(p.timer);
	const write = repo.write(path, p.text);
	saving.add(write);
	try {
		await write;
	} catch (e) {
		if (!pending.has(path)) pending.set(path, { text: p.text, timer: null });
		say(`${path} could not be saved in this browser: ${e.message}. It is kept here and tried again.`, 'error');
		throw e;
	} finally {
		saving.delete(write);
	}
	refreshChangesSoon();
}

/** Writes every pending edit now, and waits for the writes already under way. */
async function flush() {
	await Promise.all([...pending.keys()].map(save));
	await Promise.all([...saving]);
}

function showPane(which) {
	for (const id of ['editor-host', 'image-view', 'binary-view']) $(id).hidden = id !== which;
}

async function openFile(path) {
	await flush();
	let bytes;
	try {
		bytes = await repo.read(path);
	} catch {
		say(`${path} is not in the working copy.`, 'error');
		return;
	}
	current = path;
	tree.select(path);
	$('file-path').textContent = path;
	$('file-path').classList.remove('muted');
	for (const id of ['rename', 'delete']) $(id).disabled = false;
	const text = IMAGE.test(path) ? null : asText(bytes);
	if (text !== null) {
		showPane('editor-host');
		editor.open(path, text);
	} else if (IMAGE.test(path)) {
		showPane('image-view');
		const url = URL.createObjectURL(new Blob([bytes]));
		const img = document.createElement('img');
		img.src = url;
		img.alt = path;
		img.onload = () => URL.revokeObjectURL(url);
		const cap = document.createElement('p');
		cap.className = 'muted';
		cap.textContent = `${bytes.length} bytes`;
		$('image-view').replaceChildren(img, cap);
	} else {
		showPane('binary-view');
		$('binary-view').textContent = `${path}: a binary file of ${bytes.length} bytes.`;
	}
	previewSoon();
}

function closeFile() {
	current = null;
	$('file-path').textContent = 'No file open';
	$('file-path').classList.add('muted');
	for (const id of ['rename', 'delete']) $(id).disabled = true;
	showPane('editor-host');
}

// A path the owner typed: relative, no "..", not into .git.
function checkPath(p) {
	p = p.replace(/^\/+/, '').replace(/\/+/g, '/');
	const parts = p.split('/');
	if (!p || p.endsWith('/') || parts.some((x) => x === '..' || x === '.') || parts[0] === '.git')
		throw new Error(`“${p}” is not a file name this editor can use.`);
	return p;
}

async function newFile() {
	const dir = tree.dir ? `${tree.dir}/` : '';
	const name = await dialogs.ask('New file', 'Path', `${dir}`, [dir.length, dir.length]);
	if (!name) return;
	const path = checkPath(name);
	if (await repo.has(path)) throw new Error(`${path} exists already.`);
	await repo.write(path, '');
	await reloadTree();
	await openFile(path);
	await refreshChanges();
	editor.focus();
}

async function addFiles(fileList, dir) {
	const added = [];
	for (const f of fileList) {
		const path = checkPath(dir ? `${dir}/${f.name}` : f.name);
		if (await repo.has(path) && !(await dialogs.confirm(`${path} exists. Replace it?`, 'Replace'))) continue;
		await repo.write(path, new Uint8Array(await f.arrayBuffer()));
		editor.forget(path);
		added.push(path);
	}
	if (!added.length) return;
	await reloadTree();
	await refreshChanges();
	await openFile(added[added.length - 1]);
	say(`Added ${added.join(', ')}.`);
}

async function renameFile() {
	if (!current) return;
	await flush();
	const slash = current.lastIndexOf('/') + 1;
	const dot = current.lastIndexOf('.');
	const to = await dialogs.ask('Rename', 'New path', current, [slash, dot > slash ? dot : current.length]);
	if (!to || to === current) return;
	const path = checkPath(to);
	if (await repo.has(path)) throw new Error(`${path} exists already.`);
	await repo.rename(current, path);
	editor.forget(current);
	current = null;
	await reloadTree();
	await refreshChanges();
	await openFile(path);
}

async function deleteFile() {
	if (!current) return;
	if (!(await dialogs.confirm(`Delete ${current}?`, 'Delete'))) return;
	await flush();
	await repo.remove(current);
	editor.forget(current);
	closeFile();
	await reloadTree();
	await refreshChanges();
}

// ---- preview: the service worker serves preview/<path> from here ----

function sitePath(path) {
	return path && path.startsWith('site/') ? path.slice(5) : null;
}

let previewTimer = null;
function previewSoon() {
	if ($('preview').hidden) return;
	clearTimeout(previewTimer);
	previewTimer = setTimeout(showPreview, 500);
}

// The page previewed: the open file if it is one, else the last one, else the home page.
let previewed = '';
async function showPreview() {
	await navigator.serviceWorker.ready;
	await flush();
	const page = sitePath(current);
	if (page && /\.html?$/i.test(page)) previewed = page;
	$('preview').src = `preview/${previewed.split('/').map(encodeURIComponent).join('/')}`;
}

function togglePreview() {
	const on = $('preview').hidden;
	$('preview').hidden = !on;
	$('preview-toggle').setAttribute('aria-pressed', String(on));
	$('panes').classList.toggle('with-preview', on);
	if (on) showPreview().catch(report);
}

// The worker asks for a working-tree file; the open file as typed.
async function answerPreview(event) {
	if (event.data?.type !== 'preview') return;
	const port = event.ports[0];
	const path = event.data.path;
	try {
		const text = pending.get(path)?.text ?? (path === editor.path ? editor.text(path) : undefined);
		const bytes = text !== undefined ? new TextEncoder().encode(text) : await repo.read(path);
		port.postMessage({ found: true, bytes }, [bytes.buffer]);
	} catch {
		port.postMessage({ found: false });
	}
}

// ---- commit and sync ----

async function commit() {
	const message = $('commit-message').value.trim();
	if (!message) {
		say('Write what changed first: the commit needs a message.', 'error');
		$('commit-message').focus();
		return;
	}
	await flush();
	if (!storedAuthor() && !(await openSettings('Your commits are signed with this name and email.'))) return;
	const oid = await repo.commit(message);
	$('commit-message').value = '';
	await refreshChanges();
	await refreshStatus();
	say(`Committed ${oid.slice(0, 7)} here. Sync to send it to the board.`);
	document.body.dataset.commit = oid;
}

async function afterMove() {
	// The working tree changed under the editor: reread what is shown.
	await reloadTree();
	await refreshChanges();
	if (current && files.includes(current)) await openFile(current);
	else if (current) closeFile();
}

const RESULTS = {
	'up-to-date': 'Already in sync with the board.',
	pushed: 'Your commits are on the board.',
	'fast-forward': 'Updated to the board’s latest.',
	merged: 'Merged with the board’s changes and pushed.',
};

/*
 * One change of this copy at a time: a sync, a commit, a new file, an
 * upload, a rename, a delete. While one runs the editor is read-only and
 * the others are turned away. A keystroke saved after a sync's checkout
 * wrote the text from before it over the board's version, and a commit
 * between its steps committed the old tree over the board's commit: both
 * undid the board's change without a word, and the next sync pushed that.
 */
function exclusive(what, fn) {
	return async (...args) => {
		if (busy) {
			say(`Wait until ${busy} is over.`, 'warn');
			return;
		}
		busy = what;
		editor.setReadOnly(true);
		try {
			return await fn(...args);
		} finally {
			busy = null;
			editor.setReadOnly(false);
		}
	};
}

const sync = exclusive('the sync', async () => {
	$('sync').disabled = true;
	$('status').dataset.busy = 'yes';
	const before = await repo.head(LOCAL);
	try {
		await flush();
		const { result } = await repo.sync((step) => say(step));
		offline = false;
		conflicted = false;
		showConflicts(null);
		say(RESULTS[result]);
	} catch (e) {
		await syncFailed(e);
	} finally {
		// A fast-forward or a merge (pushed or not) changed the files.
		if ((await repo.head(LOCAL)) !== before) await afterMove().catch(report);
		$('sync').disabled = false;
		delete $('status').dataset.busy;
		await refreshStatus().catch(() => {});
		// How many syncs have ended, for whoever waits for one (the tests).
		document.body.dataset.syncs = ++syncs;
	}
});

async function syncFailed(e) {
	if (!(e instanceof SyncError)) return report(e);
	offline = e.kind === 'offline';
	if (e.kind === 'conflict') {
		conflicted = true;
		showConflicts(e.state);
		say(`${e.message} Choose what to keep, then finish the merge.`, 'warn');
	} else if (e.kind === 'refused') {
		say(`The board refused the push: ${e.message}. Nothing was pushed; your commit stays here. Fix it, commit, and sync again.`, 'error');
	} else if (e.kind === 'device') {
		say(`The board's storage failed: ${e.message}. Your commit stays here; sync again once the board has restarted.`, 'error');
	} else if (e.kind === 'memory') {
		say(`The board ran short of memory taking the push (${e.message}). Nothing was pushed; your commit stays here. Sync again in a while.`, 'error');
	} else say(e.message, e.kind === 'offline' ? 'warn' : 'error');
}

function showConflicts(state) {
	$('conflict').hidden = !state;
	$('workspace').hidden = !!state;
	if (state) conflicts.show(state).catch(report);
	else conflicts.hide();
}

// While offline, look for the board now and then; once back, sync if the
// password is known and there is something to send.
async function probe() {
	if (!offline || busy) return;
	try {
		await repo.fetch();
	} catch {
		return;
	}
	offline = false;
	const { ahead } = await repo.counts();
	if (ahead && creds && !conflicted) await sync();
	else await refreshStatus();
}

// ---- settings ----

// The settings dialog; resolves with the author saved, or null.
async function openSettings(why = '') {
	const a = await dialogs.settings(author(), why || `${files.length} files in this browser's copy (IndexedDB).` +
		(creds ? ' The password is known for this tab.' : ''), {
		forget: () => {
			auth.failed();
			say('The password is forgotten; the next sync asks for it.');
		},
		startOver: async () => {
			if (!(await dialogs.confirm('Drop this browser’s copy, with any commit not synced, and clone the board again?', 'Drop and clone'))) return;
			await repo.wipe();
			location.reload();
		},
	});
	if (a) localStorage.setItem(AUTHOR_KEY, JSON.stringify(a));
	return a;
}

// ---- start ----

function guard(fn) {
	return (...args) => Promise.resolve().then(() => fn(...args)).catch(report);
}

function wire() {
	$('sync').onclick = guard(sync);
	$('commit').onclick = guard(exclusive('the commit', commit));
	$('new-file').onclick = guard(exclusive('the new file', newFile));
	$('upload').onclick = () => $('upload-input').click();
	$('upload-input').onchange = guard(exclusive('the upload', async () => {
		const input = $('upload-input');
		await addFiles([...input.files], tree.dir);
		input.value = '';
	}));
	$('rename').onclick = guard(exclusive('the rename', renameFile));
	$('delete').onclick = guard(exclusive('the delete', deleteFile));
	$('preview-toggle').onclick = togglePreview;
	$('settings').onclick = guard(() => openSettings());
	$('finish-merge').onclick = guard(sync);
	// The conflict stays (the indicator says so); the next sync shows it again.
	$('merge-later').onclick = () => showConflicts(null);
	document.addEventListener('keydown', (e) => {
		if (e.key === 's' && (e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			guard(async () => {
				await flush();
				say('Saved in this browser. Commit, then sync, to publish.');
			})();
		}
	});
	$('commit-message').addEventListener('keydown', (e) => {
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) guard(exclusive('the commit', commit))();
	});
	const side = $('sidebar');
	side.addEventListener('dragover', (e) => {
		if (![...e.dataTransfer.types].includes('Files')) return;
		e.preventDefault();
		side.classList.add('dropping');
	});
	side.addEventListener('dragleave', (e) => {
		if (!side.contains(e.relatedTarget)) side.classList.remove('dropping');
	});
	const drop = exclusive('the upload', (files, dir) => addFiles(files, dir));
	side.addEventListener('drop', (e) => {
		e.preventDefault();
		side.classList.remove('dropping');
		// Read from the event now: its files are gone once it returns.
		if (e.dataTransfer.files.length) guard(drop)([...e.dataTransfer.files], tree.dropDir(e.target));
	});
	window.addEventListener('online', () => probe().catch(() => {}));
	setInterval(() => probe().catch(() => {}), PROBE_MS);
	document.addEventListener('visibilitychange', () => {
		if (document.visibilityState === 'hidden') flush().then(() => repo.persist()).catch(() => {});
	});
	window.addEventListener('beforeunload', (e) => {
		if (pending.size) {
			flush();
			e.preventDefault();
		}
	});
}

function loading(text, progress) {
	$('loading').hidden = !text;
	$('loading-text').textContent = text || '';
	const bar = $('loading-progress');
	if (progress?.total) {
		bar.max = progress.total;
		bar.value = progress.loaded;
	} else bar.removeAttribute('value');
}

async function cloneFirst() {
	loading('Cloning the site from the board…');
	for (;;) {
		try {
			await repo.clone(({ phase, loaded, total }) => loading(`Cloning: ${phase}…`, { loaded, total }));
			return;
		} catch (e) {
			await repo.wipe().catch(() => {});
			const msg = e instanceof SyncError ? e.message : `The clone failed: ${e.message}`;
			loading(msg);
			$('loading-progress').hidden = true;
			$('retry').hidden = false;
			await new Promise((r) => { $('retry').onclick = r; });
			$('retry').hidden = true;
			$('loading-progress').hidden = false;
			loading('Cloning the site from the board…');
		}
	}
}

/*
 * One tab edits this browser's copy at a time: two kept buffers of the
 * same files, each written over the other's at its next keystroke, and
 * could sync the same repository at once. Another tab waits, saying so,
 * and takes over when the first closes. The lock is held for the page's
 * life.
 */
function oneTab() {
	if (!navigator.locks) return Promise.resolve();
	return new Promise((held) => {
		const hold = () => {
			held();
			return new Promise(() => {});
		};
		// A lock refused (storage blocked): start all the same, as without locks.
		navigator.locks.request('editor.copy', { ifAvailable: true }, (lock) => {
			if (lock) return hold();
			loading('This editor is open in another tab of this browser: edit there. Once that tab is closed, this one takes over.');
			$('loading-progress').hidden = true;
			document.body.dataset.waiting = 'another-tab';
			navigator.locks.request('editor.copy', () => {
				$('loading-progress').hidden = false;
				delete document.body.dataset.waiting;
				return hold();
			}).catch(held);
			return undefined;
		}).catch(held);
	});
}

async function start() {
	$('board').textContent = location.host;
	await oneTab();
	if ('serviceWorker' in navigator) {
		navigator.serviceWorker.addEventListener('message', (e) => answerPreview(e));
		navigator.serviceWorker.startMessages();
		navigator.serviceWorker.register('sw.js', { scope: './' }).catch((e) => console.warn('service worker:', e));
		// A worker replacing the one that served this page: a newer editor.
		if (navigator.serviceWorker.controller)
			navigator.serviceWorker.addEventListener('controllerchange', () =>
				say('A new version of the editor is installed: reload the page to use it.', 'warn'));
	}
	wire();
	if (!(await repo.exists())) await cloneFirst();
	loading(null);
	for (const id of ['new-file', 'upload', 'sync', 'preview-toggle']) $(id).disabled = false;
	await reloadTree();
	const first = ['site/index.html', files.find((f) => f.startsWith('site/')), files[0]].find((f) => f && files.includes(f));
	if (first) await openFile(first);
	document.body.dataset.ready = 'yes';
	const state = await repo.mergeState();
	if (state?.conflicts.length) {
		conflicted = true;
		showConflicts(state);
	}
	await refreshStatus();
	refreshChanges().catch(report);
	// Where the board stands now, without changing anything here.
	repo.fetch().then(() => { offline = false; }, (e) => {
		offline = e instanceof SyncError && e.kind === 'offline';
	}).finally(() => refreshStatus().catch(() => {}));
}

start().catch((e) => {
	loading(null);
	report(e);
});
