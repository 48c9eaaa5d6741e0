// The file tree of the working copy: folders as <details>, files as
// buttons carrying their path (data-path), each marked with its change
// since the last commit. Built from a sorted list of paths; which folders
// are open survives a rebuild.
const h = (tag, props = {}, ...kids) => {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props)) {
		if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k in el) el[k] = v;
		else el.setAttribute(k, v);
	}
	el.append(...kids);
	return el;
};

// { dirs: Map name -> node, files: [name] } from sorted paths.
function nest(paths) {
	const root = { dirs: new Map(), files: [] };
	for (const p of paths) {
		const parts = p.split('/');
		let node = root;
		for (const d of parts.slice(0, -1)) {
			if (!node.dirs.has(d)) node.dirs.set(d, { dirs: new Map(), files: [] });
			node = node.dirs.get(d);
		}
		node.files.push(parts[parts.length - 1]);
	}
	return root;
}

export class Tree {
	/**
	 * el: the container; onOpen(path) when a file is chosen. The folder
	 * chosen last, or the open file's, is `dir`: where uploads and new
	 * files go.
	 */
	constructor(el, { onOpen }) {
		this.el = el;
		this.open = new Set(['site', 'zones']);
		this.selected = null;
		this.dir = 'site';
		el.addEventListener('click', (e) => {
			const file = e.target.closest('[data-path]');
			if (file) {
				onOpen(file.dataset.path);
				return;
			}
			const dir = e.target.closest('summary');
			if (dir) this.dir = dir.parentElement.dataset.dir;
		});
		el.addEventListener('toggle', (e) => {
			const d = e.target.dataset.dir;
			if (d === undefined) return;
			if (e.target.open) this.open.add(d);
			else this.open.delete(d);
		}, true);
	}

	/** Shows `paths` (sorted) with `changes`, a Map path -> 'added' | 'modified' | 'deleted'. */
	render(paths, changes = new Map()) {
		const frag = document.createDocumentFragment();
		const build = (node, prefix, parent) => {
			for (const [name, sub] of [...node.dirs].sort(([a], [b]) => a.localeCompare(b))) {
				const dir = prefix ? `${prefix}/${name}` : name;
				const details = h('details', { dataset: { dir }, open: this.open.has(dir) },
					h('summary', { title: dir }, name));
				const ul = h('ul');
				build(sub, dir, ul);
				details.append(ul);
				parent.append(h('li', {}, details));
			}
			for (const name of node.files) {
				const path = prefix ? `${prefix}/${name}` : name;
				const change = changes.get(path);
				const btn = h('button', {
					className: 'file' + (path === this.selected ? ' selected' : ''),
					dataset: { path, testid: 'file', ...(change ? { change } : {}) },
					title: path + (change ? ` (${change})` : ''),
				}, name);
				parent.append(h('li', {}, btn));
			}
		};
		const ul = h('ul');
		build(nest(paths), '', ul);
		frag.append(ul);
		this.el.replaceChildren(frag);
	}

	/** Marks `path` as the open file and shows it (its folders opened). */
	select(path) {
		this.selected = path;
		this.el.querySelectorAll('.file.selected').forEach((b) => b.classList.remove('selected'));
		if (!path) return;
		const parts = path.split('/');
		for (let i = 1; i < parts.length; i++) {
			const d = parts.slice(0, i).join('/');
			this.open.add(d);
			const el = this.el.querySelector(`details[data-dir="${CSS.escape(d)}"]`);
			if (el) el.open = true;
		}
		const btn = this.el.querySelector(`[data-path="${CSS.escape(path)}"]`);
		if (btn) {
			btn.classList.add('selected');
			btn.scrollIntoView({ block: 'nearest' });
		}
		this.dir = parts.length > 1 ? parts.slice(0, -1).join('/') : '';
	}

	/** The folder a drop at event target `target` goes to. */
	dropDir(target) {
		const d = target.closest?.('details[data-dir]');
		if (d) return d.dataset.dir;
		const f = target.closest?.('[data-path]');
		if (f) return f.dataset.path.split('/').slice(0, -1).join('/');
		return this.dir;
	}
}
