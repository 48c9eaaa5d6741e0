// The browser's copy of the board's repository (main of /site.git), in a
// file system the caller gives (LightningFS over IndexedDB in the page),
// and what the editor does with it: clone, the working tree's files and
// changes, commits, and sync with the board. No DOM here: the page asks
// the owner through the callbacks it passes.
import * as git from 'isomorphic-git';
import webHttp from 'isomorphic-git/http/web';
import { mergeTrees } from './merge.js';

export const LOCAL = 'refs/heads/main';
export const REMOTE = 'refs/remotes/origin/main';
const MERGE_STATE = '.git/appliance-merge.json';
const ANCESTORS_MAX = 20000;
// How a push's reason begins when the board's storage failed under it (a write
// or a read of its device, or data read back damaged): git/receive.c begins
// every such reason, and no other, with the words of its STORAGE_FAILED.
const STORAGE_FAILED = /^the store's device failed/;
// How a push's reason begins when the board ran short of memory taking it:
// git/receive.c's OUT_OF_MEMORY begins so, the store's or the DNS service's
// veto's shortage included.
const OUT_OF_MEMORY = /^out of memory/;

// Same origin only, and never the browser's own password prompt or
// cached credentials: the page asks for the password and sends it itself.
const http = {
	request: (req) => webHttp.request({ ...req, fetchOptions: { credentials: 'omit', cache: 'no-store' } }),
};

/** True if `err` means the board could not be reached at all. */
export function isOffline(err) {
	return err instanceof TypeError || /Failed to fetch|NetworkError|network error/i.test(err?.message || '');
}

export class SyncError extends Error {
	constructor(kind, message) {
		super(message);
		this.kind = kind; // 'offline' | 'auth' | 'refused' | 'device' | 'memory' | 'dirty' | 'conflict'
	}
}

export class Repo {
	/**
	 * fs: a promise-based fs (fs.promises shape); dir: the working tree;
	 * url: the board's repository; auth: { get(), failed() } giving
	 * { username, password } or null (cancelled); author(): { name, email }.
	 */
	constructor({ fs, dir, url, auth, author }) {
		this.fs = fs;
		this.pfs = fs.promises;
		this.dir = dir;
		this.url = url;
		this.auth = auth;
		this.author = author;
		this.cache = {};
		this.parents = new Map();
	}

	_git(extra) {
		return { fs: this.fs, dir: this.dir, cache: this.cache, ...extra };
	}

	_remote(extra) {
		this.authFailed = false;
		return this._git({
			http, url: this.url,
			onAuth: async () => (await this.auth.get()) || { cancel: true },
			onAuthFailure: async () => {
				this.authFailed = true;
				this.auth.failed();
				return { cancel: true };
			},
			...extra,
		});
	}

	/**
	 * Saves the file system's metadata now. LightningFS writes it a moment
	 * after the last change; a tab closed in that moment would lose it,
	 * so each operation that changes the copy ends here.
	 */
	async persist() {
		await this.pfs.flush?.();
	}

	/** Whether the copy exists (cloned before). */
	async exists() {
		try {
			await git.resolveRef(this._git({ ref: LOCAL }));
			return true;
		} catch {
			return false;
		}
	}

	/** Clones main of the board; onProgress({ phase, loaded, total }). */
	async clone(onProgress) {
		await this._mkdirp(this.dir);
		try {
			await git.clone(this._remote({ ref: 'main', singleBranch: true, onProgress }));
		} catch (e) {
			throw this._remoteError(e);
		}
		await this.persist();
	}

	/** Removes the local copy entirely (a fresh clone follows). */
	async wipe() {
		await this._rmrf(this.dir);
		this.cache = {};
		this.parents.clear();
		await this.persist();
	}

	// ---- the working tree ----

	/** Every file of the working tree, sorted, ".git" aside. */
	async listFiles() {
		const out = [];
		const walk = async (rel) => {
			const names = await this.pfs.readdir(rel ? `${this.dir}/${rel}` : this.dir);
			await Promise.all(names.map(async (n) => {
				if (!rel && n === '.git') return;
				const p = rel ? `${rel}/${n}` : n;
				const st = await this.pfs.stat(`${this.dir}/${p}`);
				if (st.isDirectory()) await walk(p);
				else out.push(p);
			}));
		};
		await walk('');
		return out.sort();
	}

	/** The bytes of working-tree file `path` (Uint8Array). */
	async read(path) {
		return this.pfs.readFile(`${this.dir}/${path}`);
	}

	/** Writes `data` (a string or Uint8Array) to `path`, making its directories. */
	async write(path, data) {
		const full = `${this.dir}/${path}`;
		await this._mkdirp(full.slice(0, full.lastIndexOf('/')));
		await this.pfs.writeFile(full, typeof data === 'string' ? new TextEncoder().encode(data) : data);
		await this.persist();
	}

	/** Whether working-tree file (or directory) `path` exists. */
	async has(path) {
		try {
			await this.pfs.stat(`${this.dir}/${path}`);
			return true;
		} catch {
			return false;
		}
	}

	/** Deletes file `path` and the directories it leaves empty. */
	async remove(path) {
		await this.pfs.unlink(`${this.dir}/${path}`);
		for (let d = path; d.includes('/');) {
			d = d.slice(0, d.lastIndexOf('/'));
			if ((await this.pfs.readdir(`${this.dir}/${d}`)).length) break;
			await this.pfs.rmdir(`${this.dir}/${d}`);
		}
		await this.persist();
	}

	async rename(from, to) {
		await this.write(to, await this.read(from));
		await this.remove(from);
	}

	async _mkdirp(dir) {
		const parts = dir.split('/').filter(Boolean);
		for (let i = 1; i <= parts.length; i++) {
			const d = '/' + parts.slice(0, i).join('/');
			try {
				await this.pfs.mkdir(d);
			} catch (e) {
				if (e.code !== 'EEXIST') throw e;
			}
		}
	}

	async _rmrf(path) {
		let st;
		try {
			st = await this.pfs.lstat(path);
		} catch {
			return;
		}
		if (!st.isDirectory()) return this.pfs.unlink(path);
		for (const n of await this.pfs.readdir(path)) await this._rmrf(`${path}/${n}`);
		await this.pfs.rmdir(path);
	}

	/**
	 * The working tree's changes against the last commit:
	 * [{ path, change: 'added' | 'modified' | 'deleted' }], sorted.
	 */
	async changes() {
		const rows = await git.statusMatrix(this._git({}));
		const out = [];
		for (const [path, head, work] of rows) {
			if (head === 0 && work === 2) out.push({ path, change: 'added' });
			else if (head === 1 && work === 2) out.push({ path, change: 'modified' });
			else if (head === 1 && work === 0) out.push({ path, change: 'deleted' });
		}
		return out;
	}

	/** Commits every change of the working tree; returns the commit's id. */
	async commit(message) {
		const rows = await git.statusMatrix(this._git({}));
		let changed = 0;
		for (const [path, head, work, stage] of rows) {
			if (head === 1 && work === 1 && stage === 1) continue;
			if (work === 0) await git.remove(this._git({ filepath: path }));
			else await git.add(this._git({ filepath: path }));
			if (work === 2 || (head === 1 && work === 0)) changed++;
		}
		if (!changed) throw new Error('Nothing to commit: no file has changed.');
		const oid = await git.commit(this._git({ message, author: this.author() }));
		await this.persist();
		return oid;
	}

	// ---- history ----

	async head(ref) {
		try {
			return await git.resolveRef(this._git({ ref }));
		} catch {
			return null;
		}
	}

	async _parents(oid) {
		let p = this.parents.get(oid);
		if (!p) {
			p = (await git.readCommit(this._git({ oid }))).commit.parent;
			this.parents.set(oid, p);
		}
		return p;
	}

	async _ancestors(oid, stop = new Set()) {
		const seen = new Set();
		const todo = oid ? [oid] : [];
		while (todo.length && seen.size < ANCESTORS_MAX) {
			const c = todo.pop();
			if (seen.has(c) || stop.has(c)) continue;
			seen.add(c);
			todo.push(...(await this._parents(c)));
		}
		return seen;
	}

	/** { local, remote, ahead, behind }: commits here not on the board and the reverse (as last fetched). */
	async counts() {
		const [local, remote] = await Promise.all([this.head(LOCAL), this.head(REMOTE)]);
		const mine = await this._ancestors(local);
		const theirs = await this._ancestors(remote);
		let ahead = 0, behind = 0;
		for (const c of mine) if (!theirs.has(c)) ahead++;
		for (const c of theirs) if (!mine.has(c)) behind++;
		return { local, remote, ahead, behind };
	}

	/** The commits of main, newest first: [{ oid, message, author, when }]. */
	async log(depth = 50) {
		const entries = await git.log(this._git({ ref: LOCAL, depth }));
		return entries.map((e) => ({
			oid: e.oid, message: e.commit.message, author: e.commit.author.name,
			when: new Date(e.commit.author.timestamp * 1000),
		}));
	}

	// ---- sync ----

	/** Fetches the board's main into REMOTE. */
	async fetch() {
		try {
			await git.fetch(this._remote({ ref: 'main', remoteRef: 'main', singleBranch: true, tags: false }));
		} catch (e) {
			throw this._remoteError(e);
		} finally {
			await this.persist();
		}
	}

	_remoteError(e) {
		if (e instanceof SyncError) return e;
		if (isOffline(e)) return new SyncError('offline', 'The board cannot be reached: you are offline, or it is.');
		if (e.code === 'UserCanceledError' || e.data?.statusCode === 401)
			return new SyncError('auth', this.authFailed
				? 'The board refused the password: nothing was sent. Sync again to enter it anew.'
				: 'No password given: nothing was sent.');
		return e;
	}

	/** The conflict being resolved (see mergeTrees), or null. */
	async mergeState() {
		try {
			return JSON.parse(await this.pfs.readFile(`${this.dir}/${MERGE_STATE}`, 'utf8'));
		} catch {
			return null;
		}
	}

	async _saveMergeState(state) {
		const path = `${this.dir}/${MERGE_STATE}`;
		if (state) await this.pfs.writeFile(path, JSON.stringify(state), 'utf8');
		else await this.pfs.unlink(path).catch(() => {});
		await this.persist();
	}

	/** Records the owner's choice for a conflicting path: bytes, or null to delete it. */
	async resolve(path, bytes) {
		const state = await this.mergeState();
		const c = state?.conflicts.find((x) => x.path === path);
		if (!c) return;
		const r = { ours: c.ours, theirs: c.theirs };
		if (bytes === null) r.deleted = true;
		else r.oid = await git.writeBlob(this._git({ blob: bytes }));
		state.resolutions[path] = r;
		await this._saveMergeState(state);
	}

	async blob(oid) {
		return (await git.readBlob(this._git({ oid }))).blob;
	}

	/**
	 * Sync with the board: fetch; then push (only ours changed),
	 * fast-forward (only theirs), or merge and push. Returns { result } one of
	 * 'up-to-date' | 'pushed' | 'fast-forward' | 'merged'; throws a SyncError
	 * (kind 'conflict' with the merge state when the owner must choose).
	 * onStep(text) tells what it is doing.
	 */
	async sync(onStep = () => {}) {
		try {
			return await this._sync(onStep);
		} finally {
			await this.persist();
		}
	}

	async _sync(onStep) {
		for (let attempt = 0; ; attempt++) {
			onStep('Fetching from the board…');
			await this.fetch();
			const [local, remote] = await Promise.all([this.head(LOCAL), this.head(REMOTE)]);
			if (local === remote) {
				await this._saveMergeState(null);
				return { result: 'up-to-date' };
			}
			const bases = await git.findMergeBase(this._git({ oids: [local, remote] }));
			let result = 'pushed';
			if (bases.includes(local)) {
				onStep('Fast-forwarding to the board…');
				await this._moveTo(remote);
				await this._saveMergeState(null);
				return { result: 'fast-forward' };
			}
			if (!bases.includes(remote)) {
				onStep('Merging the board’s changes…');
				await this._merge(local, remote, bases[0]);
				result = 'merged';
			}
			onStep('Pushing to the board…');
			try {
				await this._push();
				return { result };
			} catch (e) {
				// The board moved between the fetch and the push: once more.
				if (attempt < 2 && (e.code === 'PushRejectedError' || e.code === 'NotFoundError' ||
					(e.kind === 'refused' && /fast-forward|fetch first|stale|moved/i.test(e.message)))) continue;
				throw e;
			}
		}
	}

	async _dirty() {
		return (await this.changes()).length > 0;
	}

	/** Moves main and the working tree to commit `oid` (the tree is clean). */
	async _moveTo(oid) {
		if (await this._dirty())
			throw new SyncError('dirty', 'The board has changes: commit yours first, then sync.');
		await git.writeRef(this._git({ ref: LOCAL, value: oid, force: true }));
		await git.checkout(this._git({ ref: 'main' }));
	}

	async _merge(local, remote, base) {
		let state = await this.mergeState();
		if (!state || state.local !== local || state.remote !== remote)
			state = { local, remote, base, conflicts: [], resolutions: state?.resolutions || {} };
		if (await this._dirty())
			throw new SyncError('dirty', 'The board has changes: commit yours first, then sync.');
		const m = await mergeTrees({
			fs: this.fs, dir: this.dir, cache: this.cache,
			ours: local, base, theirs: remote, resolutions: state.resolutions,
		});
		if (m.conflicts.length) {
			state.conflicts = m.conflicts;
			await this._saveMergeState(state);
			const e = new SyncError('conflict', `${m.conflicts.length} file(s) changed both here and on the board.`);
			e.state = state;
			throw e;
		}
		const who = this.author();
		await git.commit(this._git({
			message: `Merge the board's changes into this browser's\n`,
			author: who, committer: who, tree: m.tree, parent: [local, remote], ref: LOCAL,
		}));
		await git.checkout(this._git({ ref: 'main' }));
		await this._saveMergeState(null);
	}

	/** The board's reason for refusing main, from a push error: the unpack line's where the ref's only names it. */
	_refusal(e) {
		const result = e.data?.result, why = result?.refs?.[LOCAL]?.error;
		return (why === 'unpacker error' && result.error) || why || null;
	}

	async _push() {
		try {
			await git.push(this._remote({ ref: 'main', remoteRef: 'main' }));
		} catch (e) {
			const reason = this._refusal(e);
			// The board's storage failed (STORAGE_FAILED): nothing to fix here, and
			// the push may even have been kept, which the board's restart tells.
			// Short of memory (OUT_OF_MEMORY): nothing to fix either, try again.
			if (reason) throw new SyncError(STORAGE_FAILED.test(reason) ? 'device' : OUT_OF_MEMORY.test(reason) ? 'memory' : 'refused', reason);
			throw this._remoteError(e);
		}
	}
}
