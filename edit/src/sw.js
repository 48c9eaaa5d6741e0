// The editor's service worker: the page and its assets from a cache of
// this build's files (so the editor opens with the board unreachable),
// and /edit/preview/<path> answered from the browser's copy of the site,
// which the editor page reads for it. Everything else (/site.git above
// all) goes to the network untouched.
//
// build.mjs defines VERSION (a hash of the files) and FILES (their names,
// relative to this script); a new build is a new worker, which fills a new
// cache and drops the old one.
/* global VERSION, FILES */
const CACHE = `editor-${VERSION}`;
const SCOPE = new URL(self.registration.scope).pathname;
const PREVIEW = 'preview/';
const ASK_TIMEOUT_MS = 5000;
// A previewed page may show its styles and images, and run nothing.
const PREVIEW_CSP = "default-src 'self' data: blob:; script-src 'none'; object-src 'none'; form-action 'none'";
const TYPES = {
	html: 'text/html', htm: 'text/html', css: 'text/css', js: 'text/javascript', mjs: 'text/javascript',
	json: 'application/json', txt: 'text/plain', md: 'text/plain', xml: 'application/xml',
	svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
	webp: 'image/webp', avif: 'image/avif', ico: 'image/x-icon', woff: 'font/woff', woff2: 'font/woff2',
	pdf: 'application/pdf', zone: 'text/plain',
};

self.addEventListener('install', (event) => {
	event.waitUntil((async () => {
		const cache = await caches.open(CACHE);
		// no-cache: this build's files, revalidated, not an older copy the HTTP cache holds.
		await cache.addAll(FILES.map((f) => new Request(f, { cache: 'no-cache' })));
		await self.skipWaiting();
	})());
});

self.addEventListener('activate', (event) => {
	event.waitUntil((async () => {
		for (const name of await caches.keys())
			if (name.startsWith('editor-') && name !== CACHE) await caches.delete(name);
		await self.clients.claim();
	})());
});

self.addEventListener('fetch', (event) => {
	const req = event.request;
	const url = new URL(req.url);
	if (req.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
	const rel = url.pathname.slice(SCOPE.length);
	if (rel.startsWith(PREVIEW)) {
		event.respondWith(preview(decodeURIComponent(rel.slice(PREVIEW.length))));
		return;
	}
	const name = rel === '' ? 'index.html' : rel;
	if (FILES.includes(name)) event.respondWith(cached(name, req));
});

async function cached(name, req) {
	const cache = await caches.open(CACHE);
	const hit = await cache.match(new URL(name, self.registration.scope).href);
	return hit || fetch(req);
}

function answer(status, body, type) {
	return new Response(body, {
		status,
		headers: { 'Content-Type': type, 'Content-Security-Policy': PREVIEW_CSP, 'Cache-Control': 'no-store' },
	});
}

// Asks editor page `client` for working-tree file `path`: a Response, or
// null if it does not answer.
function ask(client, path) {
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		const timer = setTimeout(() => resolve(null), ASK_TIMEOUT_MS);
		channel.port1.onmessage = ({ data }) => {
			clearTimeout(timer);
			if (!data.found) {
				resolve(answer(404, `${path} is not in this browser's copy of the site.\n`, 'text/plain; charset=utf-8'));
				return;
			}
			const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
			let type = TYPES[ext] || 'application/octet-stream';
			if (type.startsWith('text/')) type += '; charset=utf-8';
			resolve(answer(200, data.bytes, type));
		};
		client.postMessage({ type: 'preview', path }, [channel.port2]);
	});
}

async function preview(path) {
	if (path === '' || path.endsWith('/')) path += 'index.html';
	const file = `site/${path}`;
	const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
	const editors = windows.filter((c) => {
		const p = new URL(c.url).pathname;
		return p === SCOPE || p === `${SCOPE}index.html`;
	});
	for (const client of editors) {
		const res = await ask(client, file);
		if (res) return res;
	}
	return answer(503, 'Open the editor to preview its pages.\n', 'text/plain; charset=utf-8');
}
