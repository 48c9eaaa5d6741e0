// The page's modal dialogs (index.html's <dialog> elements), each as a
// promise. Forms never submit anywhere: the policy forbids it, and the
// submit event is only the Enter key's way of saying OK.
const $ = (id) => document.getElementById(id);

// Shows dialog `id`; resolves with onOk()'s value, or null when cancelled.
function modal(id, onOk) {
	const dlg = $(id);
	const form = dlg.querySelector('form');
	return new Promise((resolve) => {
		const done = (value) => {
			form.removeEventListener('submit', submit);
			dlg.removeEventListener('cancel', cancel);
			cancelButton.removeEventListener('click', cancel);
			dlg.close();
			resolve(value);
		};
		const submit = (e) => {
			e.preventDefault();
			const v = onOk();
			if (v !== undefined) done(v);
		};
		const cancel = (e) => {
			e.preventDefault();
			done(null);
		};
		const cancelButton = form.querySelector('.cancel');
		form.addEventListener('submit', submit);
		dlg.addEventListener('cancel', cancel);
		cancelButton.addEventListener('click', cancel);
		dlg.showModal();
	});
}

/** Asks for a line of text; resolves with it (trimmed), or null. */
export function ask(title, label, value = '', select = null) {
	$('prompt-title').textContent = title;
	$('prompt-label').textContent = label;
	const input = $('prompt-input');
	input.value = value;
	const p = modal('dlg-prompt', () => input.value.trim() || undefined);
	input.focus();
	if (select) input.setSelectionRange(...select);
	return p;
}

/** Asks a yes/no question; resolves true for OK. */
export async function confirm(text, ok = 'OK') {
	$('confirm-text').textContent = text;
	$('confirm-ok').textContent = ok;
	const p = modal('dlg-confirm', () => true);
	$('confirm-ok').focus();
	return (await p) === true;
}

/** Asks for the board's password; resolves { username, password }, or null. */
export function credentials() {
	const pw = $('auth-password');
	pw.value = '';
	const p = modal('dlg-auth', () => pw.value
		? { username: $('auth-user').value.trim() || 'owner', password: pw.value }
		: undefined);
	pw.focus();
	return p;
}

/**
 * The settings dialog: author { name, email } in, the new one out (or
 * null); actions.forget() and actions.startOver() for its buttons.
 */
export function settings(author, info, actions) {
	$('author-name').value = author.name;
	$('author-email').value = author.email;
	$('local-info').textContent = info;
	const forget = () => actions.forget();
	const over = () => {
		$('dlg-settings').querySelector('.cancel').click();
		actions.startOver();
	};
	$('forget-password').onclick = forget;
	$('start-over').onclick = over;
	return modal('dlg-settings', () => {
		const name = $('author-name').value.trim(), email = $('author-email').value.trim();
		return name && email ? { name, email } : undefined;
	});
}
