// A three-way merge of two commits' trees, as `git merge` does it for the
// simple cases a site has: a file changed on one side only takes that
// side; a text file changed on both is merged line by line (diff3, as
// isomorphic-git's own merge does); what is left is a conflict for the
// owner. Unlike isomorphic-git's merge, it knows each conflict's full path,
// takes the owner's resolutions (any bytes, so images too, or "delete"),
// and never touches the working tree: the caller commits the tree it
// returns and checks it out.
import * as git from 'isomorphic-git';
import diff3Merge from 'diff3';

// A line is everything up to and with its \n: a lone \r, U+2028 and U+2029
// are characters of it (`.` matches none of them, and they were dropped).
const LINES = /[^\n]*\n|[^\n]+$/g;
const MARKER = 7;

/**
 * UTF-8 text of `bytes`, or null if they are not text (a NUL, or not
 * UTF-8). A byte-order mark stays, as U+FEFF: encoded again, the text is
 * the same bytes.
 */
export function asText(bytes) {
	if (bytes.includes(0)) return null;
	try {
		return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch {
		return null;
	}
}

function lines(text) {
	return text.match(LINES) || [];
}

/**
 * diff3 of three texts: { clean, text }, the text with git's conflict
 * markers where both sides changed the same lines.
 */
export function mergeText(base, ours, theirs, ourName = 'this browser', theirName = 'the board') {
	let text = '';
	let clean = true;
	const side = (l) => {
		const s = l.join('');
		return s === '' || s.endsWith('\n') ? s : s + '\n';
	};
	for (const item of diff3Merge(lines(ours), lines(base), lines(theirs))) {
		if (item.ok) text += item.ok.join('');
		if (item.conflict) {
			clean = false;
			text += `${'<'.repeat(MARKER)} ${ourName}\n${side(item.conflict.a)}`;
			text += `${'='.repeat(MARKER)}\n${side(item.conflict.b)}`;
			text += `${'>'.repeat(MARKER)} ${theirName}\n`;
		}
	}
	return { clean, text };
}

const dirname = (p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.');
const basename = (p) => p.slice(p.lastIndexOf('/') + 1);

async function describe(e) {
	if (!e) return null;
	const [oid, type, mode] = await Promise.all([e.oid(), e.type(), e.mode()]);
	return { oid, type, mode };
}

/**
 * Merges commit `theirs` into `ours` with `base` their merge base.
 * `resolutions` maps a conflicting path to { ours, theirs, oid } (the
 * blob the owner chose) or { ours, theirs, deleted: true }; one whose
 * ours/theirs blobs are no longer the conflict's is ignored.
 *
 * Returns { tree, conflicts }: tree the merged tree's id when conflicts is
 * empty; each conflict { path, kind, base, ours, theirs } with the three
 * blob ids (null where the side has no file), kind "both-modified",
 * "deleted-here" (deleted in ours, modified in theirs) or
 * "deleted-there".
 */
export async function mergeTrees({ fs, dir, cache, ours, base, theirs, resolutions = {} }) {
	const conflicts = [];
	const whole = new Set(); // directories taken whole from one side

	const take = (path, d) => {
		if (!d) return undefined;
		if (d.type === 'tree') whole.add(path);
		return { path: basename(path), ...d };
	};

	async function blobs(path, o, b, t) {
		const r = resolutions[path];
		if (r && r.ours === (o?.oid ?? null) && r.theirs === (t?.oid ?? null))
			return r.deleted ? undefined : { path: basename(path), oid: r.oid, type: 'blob', mode: (o || t).mode };
		const kind = !o ? 'deleted-here' : !t ? 'deleted-there' : 'both-modified';
		if (kind === 'both-modified') {
			const read = async (d) => (d && d.type === 'blob' ? asText((await git.readBlob({ fs, dir, cache, oid: d.oid })).blob) : '');
			const [bt, ot, tt] = await Promise.all([read(b), read(o), read(t)]);
			if (bt !== null && ot !== null && tt !== null) {
				const m = mergeText(bt, ot, tt);
				if (m.clean) {
					const oid = await git.writeBlob({ fs, dir, blob: new TextEncoder().encode(m.text) });
					const mode = b && b.mode === o.mode ? t.mode : o.mode;
					return { path: basename(path), oid, type: 'blob', mode };
				}
			}
		}
		conflicts.push({
			path, kind,
			base: b && b.type === 'blob' ? b.oid : null,
			ours: o ? o.oid : null,
			theirs: t ? t.oid : null,
		});
		return take(path, o || t);
	}

	async function map(path, entries) {
		const [o, b, t] = await Promise.all(entries.map(describe));
		if (path === '.') return { path, type: 'tree', mode: 0o40000, oid: null };
		const oo = o?.oid, bo = b?.oid, to = t?.oid;
		if (oo === to) return take(path, o);
		if (oo === bo) return take(path, t);
		if (to === bo) return take(path, o);
		// Both sides changed this path.
		const isTree = (d) => !d || d.type === 'tree';
		if (isTree(o) && isTree(t)) return { path: basename(path), type: 'tree', mode: 0o40000, oid: null };
		if ((o && o.type === 'tree') || (t && t.type === 'tree'))
			throw new Error(`${path} is a file on one side and a folder on the other: merge it with git`);
		return blobs(path, o, b, t);
	}

	async function reduce(parent, children) {
		if (!parent || parent.type !== 'tree' || parent.oid) return parent;
		const tree = children.filter(Boolean).map(({ path, oid, type, mode }) => ({ path, oid, type, mode }));
		if (!tree.length && parent.path !== '.') return undefined;
		return { ...parent, oid: await git.writeTree({ fs, dir, tree }) };
	}

	// A directory taken whole needs no walk below it.
	async function iterate(walk, children) {
		const list = [...children];
		const first = list[0]?.find(Boolean);
		if (first !== undefined && whole.has(dirname(first))) return [];
		return Promise.all(list.map(walk));
	}

	const TREE = git.TREE;
	const root = await git.walk({
		fs, dir, cache,
		trees: [TREE({ ref: ours }), TREE({ ref: base }), TREE({ ref: theirs })],
		map, reduce, iterate,
	});
	return { tree: conflicts.length ? null : root.oid, conflicts };
}
