// The text editor: CodeMirror 6 with the pieces a site's files need, and
// the language for a file chosen by its name.
import { EditorState, Compartment } from '@codemirror/state';
import {
	EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
	highlightSpecialChars, drawSelection, dropCursor,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import {
	syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput,
} from '@codemirror/language';
import { html } from '@codemirror/lang-html';
import { css } from '@codemirror/lang-css';
import { markdown } from '@codemirror/lang-markdown';
import { javascript } from '@codemirror/lang-javascript';
import { zone } from './zone.js';

const LANGUAGES = [
	[/\.(html?|xhtml|svg)$/i, () => html()],
	[/\.css$/i, () => css()],
	[/\.(md|markdown)$/i, () => markdown()],
	[/\.m?js$/i, () => javascript()],
	[/\.zone$/i, () => zone],
];

/** The language extension for file `path`, or none. */
export function languageFor(path) {
	const found = LANGUAGES.find(([re]) => re.test(path));
	return found ? found[1]() : [];
}

/** What every editor here has, the file's own language apart. */
export function baseExtensions() {
	return [
		lineNumbers(),
		highlightActiveLineGutter(),
		highlightSpecialChars(),
		history(),
		drawSelection(),
		dropCursor(),
		indentOnInput(),
		syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
		bracketMatching(),
		highlightActiveLine(),
		highlightSelectionMatches(),
		EditorView.lineWrapping,
		keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
	];
}

/**
 * The line break of `text`: its first one, \r\n or \n. CodeMirror
 * otherwise splits lines at \r, \r\n and \n alike and joins them with
 * \n: one keystroke made a CRLF file LF throughout (every line a change)
 * and a lone \r a line break.
 */
export function lineBreakOf(text) {
	const i = text.indexOf('\n');
	return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * The line break of `text` for an editor of it, and text pasted or
 * dropped into it made to use it: with \r\n the only break, LF text
 * pasted into a CRLF file was one line of literal \n.
 */
export function lineBreaks(text) {
	const sep = lineBreakOf(text);
	return [
		EditorState.lineSeparator.of(sep),
		EditorView.clipboardInputFilter.of((t) => t.replace(/\r\n?|\n/g, sep)),
	];
}

/**
 * The editor of the page: one view whose state is swapped for each open
 * file, so each keeps its undo history for the session. onChange(path,
 * text) is called (debounced by the caller) after each edit. Read-only
 * while the caller says so (a sync changing the files underneath).
 */
export class Editor {
	constructor(parent, onChange) {
		this.states = new Map();
		this.path = null;
		this.language = new Compartment();
		this.lock = new Compartment();
		this.readOnly = false;
		this.onChange = onChange;
		this.view = new EditorView({ parent, state: EditorState.create({ doc: '' }) });
	}

	_state(path, text) {
		return EditorState.create({
			doc: text,
			extensions: [
				baseExtensions(),
				lineBreaks(text),
				this.lock.of(EditorState.readOnly.of(this.readOnly)),
				this.language.of(languageFor(path)),
				EditorView.updateListener.of((u) => {
					if (u.docChanged && this.path === path) this.onChange(path, u.state.sliceDoc());
				}),
			],
		});
	}

	/** Shows `path`, whose saved content is `text`. */
	open(path, text) {
		if (this.path) this.states.set(this.path, this.view.state);
		let state = this.states.get(path);
		// A file changed underneath (a sync) starts afresh.
		if (!state || state.sliceDoc() !== text) state = this._state(path, text);
		this.path = path;
		this.view.setState(state);
		this._applyLock();
	}

	/** No typing while `on` (every file). */
	setReadOnly(on) {
		this.readOnly = on;
		this._applyLock();
	}

	_applyLock() {
		if (this.path && this.view.state.facet(EditorState.readOnly) !== this.readOnly)
			this.view.dispatch({ effects: this.lock.reconfigure(EditorState.readOnly.of(this.readOnly)) });
	}

	/** The text of `path` as the editor has it (unsaved keystrokes included), or undefined. */
	text(path) {
		if (path === this.path) return this.view.state.sliceDoc();
		return this.states.get(path)?.sliceDoc();
	}

	/** Forgets `path` (deleted or renamed); closes it if shown. */
	forget(path) {
		this.states.delete(path);
		if (this.path === path) {
			this.path = null;
			this.view.setState(EditorState.create({ doc: '' }));
		}
	}

	focus() {
		this.view.focus();
	}
}
