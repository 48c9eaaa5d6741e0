// The conflict view: for each file changed both here and on the board,
// the two versions side by side (CodeMirror's merge view, read-only), and
// a result the owner edits or fills from either side. A choice is handed
// to the caller (onResolve) which records it; the merge is committed when
// every file has one.
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { MergeView } from '@codemirror/merge';
import { baseExtensions, languageFor, lineBreaks } from './editor.js';
import { asText, mergeText } from './merge.js';

const $ = (id) => document.getElementById(id);
const h = (tag, props = {}, ...kids) => {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props)) {
		if (k === 'dataset') Object.assign(el.dataset, v);
		else el[k] = v;
	}
	el.append(...kids);
	return el;
};
const MARKERS = /^(<{7}|>{7})( |$)/m;

const KIND = {
	'both-modified': 'changed on both sides',
	'deleted-here': 'deleted here, changed on the board',
	'deleted-there': 'changed here, deleted on the board',
};

export class ConflictView {
	/**
	 * blob(oid) gives a blob's bytes; onResolve(path, bytes | null) records
	 * a choice (null: delete the file) and resolves when recorded.
	 */
	constructor({ blob, onResolve, onMessage }) {
		this.blob = blob;
		this.onResolve = onResolve;
		this.onMessage = onMessage;
		this.views = [];
	}

	/** Shows merge state `state` ({ conflicts, resolutions }). */
	async show(state) {
		this.state = state;
		const list = $('conflict-files');
		list.replaceChildren(...state.conflicts.map((c) => h('li', {},
			h('button', {
				className: 'file', dataset: { path: c.path, testid: 'conflict-file' },
				onclick: () => this.open(c),
			}, c.path), ' ', h('span', { className: 'muted kind' }, KIND[c.kind]))));
		this._marks();
		const next = state.conflicts.find((c) => !this._resolved(c)) || state.conflicts[0];
		if (next) await this.open(next);
	}

	_resolved(c) {
		const r = this.state.resolutions[c.path];
		return !!r && r.ours === c.ours && r.theirs === c.theirs;
	}

	_marks() {
		let all = true;
		for (const c of this.state.conflicts) {
			const done = this._resolved(c);
			all &&= done;
			const b = $('conflict-files').querySelector(`[data-path="${CSS.escape(c.path)}"]`);
			b.dataset.resolved = done ? 'yes' : 'no';
		}
		$('finish-merge').disabled = !all;
	}

	_clear() {
		for (const v of this.views) v.destroy();
		this.views = [];
		$('conflict-body').replaceChildren();
	}

	async _text(oid) {
		if (!oid) return { bytes: null, text: null };
		const bytes = await this.blob(oid);
		return { bytes, text: asText(bytes) };
	}

	async open(c) {
		this._clear();
		$('conflict-files').querySelectorAll('.selected').forEach((b) => b.classList.remove('selected'));
		$('conflict-files').querySelector(`[data-path="${CSS.escape(c.path)}"]`)?.classList.add('selected');
		const [base, ours, theirs] = await Promise.all([c.base, c.ours, c.theirs].map((o) => this._text(o)));
		const body = $('conflict-body');
		body.dataset.path = c.path;
		const choose = async (bytes, what) => {
			await this.onResolve(c.path, bytes);
			this.state.resolutions[c.path] = { ours: c.ours, theirs: c.theirs };
			this._marks();
			this.onMessage(`${c.path}: ${what}.`);
		};
		const keepOurs = h('button', {
			id: 'take-ours', dataset: { testid: 'take-ours' },
			onclick: () => choose(ours.bytes, ours.bytes ? 'this browser\'s version kept' : 'deleted'),
		}, ours.bytes ? 'Keep this browser’s version' : 'Delete it, as here');
		const keepTheirs = h('button', {
			id: 'take-theirs', dataset: { testid: 'take-theirs' },
			onclick: () => choose(theirs.bytes, theirs.bytes ? 'the board\'s version kept' : 'deleted'),
		}, theirs.bytes ? 'Keep the board’s version' : 'Delete it, as the board did');
		body.append(h('h3', {}, c.path, ' ', h('span', { className: 'muted' }, KIND[c.kind])));

		if (ours.text === null || theirs.text === null) {
			// Binary, or deleted on one side: keep one or the other.
			body.append(h('div', { className: 'sides' },
				this._side('This browser', ours, c.path, keepOurs),
				this._side('The board', theirs, c.path, keepTheirs)));
			return;
		}
		const lang = languageFor(c.path);
		const ro = [baseExtensions(), lang, EditorState.readOnly.of(true), EditorView.editable.of(false)];
		body.append(h('div', { className: 'sides-head' },
			h('div', {}, h('strong', {}, 'This browser'), ' ', keepOurs),
			h('div', {}, h('strong', {}, 'The board'), ' ', keepTheirs)));
		const mv = new MergeView({
			a: { doc: ours.text, extensions: ro },
			b: { doc: theirs.text, extensions: ro },
			parent: body,
			collapseUnchanged: { margin: 3, minSize: 8 },
		});
		mv.dom.id = 'conflict-sides';
		this.views.push(mv);
		const merged = mergeText(base.text ?? '', ours.text, theirs.text).text;
		const useResult = h('button', {
			id: 'use-result', dataset: { testid: 'use-result' },
			onclick: () => {
				const text = result.state.sliceDoc();
				if (MARKERS.test(text)) {
					this.onMessage('The result still has conflict markers (<<<<<<< … >>>>>>>): edit them away first.', 'error');
					return;
				}
				choose(new TextEncoder().encode(text), 'the edited result kept');
			},
		}, 'Use this result');
		body.append(h('div', { className: 'sides-head' },
			h('div', {}, h('strong', {}, 'Result'), ' ',
				h('span', { className: 'muted' }, 'edit it, or keep a side above'), ' ', useResult)));
		const host = h('div', { id: 'conflict-result', dataset: { testid: 'conflict-result' } });
		body.append(host);
		const result = new EditorView({
			parent: host,
			state: EditorState.create({
				doc: merged,
				extensions: [baseExtensions(), lineBreaks(ours.text), lang],
			}),
		});
		this.views.push(result);
	}

	_side(title, side, path, button) {
		const box = h('div', { className: 'side' }, h('strong', {}, title), ' ', button);
		if (!side.bytes) box.append(h('p', { className: 'muted' }, 'No such file on this side.'));
		else if (/\.(png|jpe?g|gif|webp|avif|ico|svg)$/i.test(path)) {
			const url = URL.createObjectURL(new Blob([side.bytes], { type: path.endsWith('.svg') ? 'image/svg+xml' : '' }));
			box.append(h('img', { src: url, alt: `${title}'s ${path}` }));
		} else box.append(h('p', { className: 'muted' }, `${side.bytes.length} bytes`));
		return box;
	}

	hide() {
		this._clear();
	}
}
