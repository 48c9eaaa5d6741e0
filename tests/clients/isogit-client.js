// isomorphic-git (npm, pinned in package-lock.json beside this file) under
// Node as a Git client of the twin, one step per call so the test checks
// each. Its modules are found through NODE_PATH (the test points it at the
// node_modules that `npm ci` made under build/), never in the source tree.
//
//   node isogit-client.js clone URL DIR           clone main over HTTPS
//   node isogit-client.js commit DIR PATH TEXT MSG   PATH (in DIR) gets TEXT,
//                                                 committed on main; prints the
//                                                 new commit's id
//   node isogit-client.js push DIR URL            push main to URL's main; the
//                                                 password from $CLIENT_PASSWORD,
//                                                 given through onAuth
//
// The server's certificate is checked as Node checks any (the test passes
// the twin's own through NODE_EXTRA_CA_CERTS). Exit 0 on success; otherwise
// 1 and the client's error (its class, code and data) on stderr. Set
// ISOGIT_TRACE=1 to log every HTTP request and response, bodies included
// (the first 2 KiB, escaped), on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const git = require('isomorphic-git');
const nodeHttp = require('isomorphic-git/http/node');

const AUTHOR = { name: 'Isomorphic Client', email: 'isogit@example.org' };
const TRACE_MAX = 2048;

function escaped(buf) {
	return buf.toString('latin1').replace(/[^\x20-\x7e]/g,
		(c) => (c === '\n' ? '\\n\n    ' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));
}

// An async iterator of Uint8Arrays, logged (its start) as it is consumed.
async function* traced(what, body) {
	let seen = 0;
	for await (const chunk of body) {
		if (seen < TRACE_MAX)
			console.error(`  ${what} body: ${escaped(Buffer.from(chunk).subarray(0, TRACE_MAX - seen))}`);
		seen += chunk.length;
		yield chunk;
	}
	console.error(`  ${what} body: ${seen} bytes in all`);
}

const http = !process.env.ISOGIT_TRACE ? nodeHttp : {
	async request(req) {
		const h = { ...req.headers };
		if (h.Authorization) h.Authorization = h.Authorization.replace(/ .*/, ' (hidden)');
		console.error(`> ${req.method || 'GET'} ${req.url} ${JSON.stringify(h)}`);
		if (req.body) req = { ...req, body: traced('request', req.body) };
		const res = await nodeHttp.request(req);
		console.error(`< ${res.statusCode} ${res.statusMessage} ${JSON.stringify(res.headers)}`);
		return res.body ? { ...res, body: traced('response', res.body) } : res;
	},
};

async function clone(url, dir) {
	await git.clone({ fs, http, dir, url, ref: 'main', singleBranch: true });
}

async function commit(dir, name, text, message) {
	fs.writeFileSync(path.join(dir, name), text);
	await git.add({ fs, dir, filepath: name });
	console.log(await git.commit({ fs, dir, message, author: AUTHOR, committer: AUTHOR }));
}

async function push(dir, url) {
	const password = process.env.CLIENT_PASSWORD;
	const r = await git.push({
		fs, http, dir, url, ref: 'main', remoteRef: 'main',
		onAuth: () => ({ username: 'isogit', password }),
		onMessage: (m) => process.stderr.write(`remote: ${m}`),
	});
	// A push that is not ok throws (GitPushError); this is belt and braces.
	if (!r.ok || !r.refs['refs/heads/main'] || !r.refs['refs/heads/main'].ok)
		throw new Error(`push not ok: ${JSON.stringify(r)}`);
}

const steps = { clone: [clone, 2], commit: [commit, 4], push: [push, 2] };
const [step, ...args] = process.argv.slice(2);
if (!steps[step] || args.length !== steps[step][1]) {
	console.error('usage: isogit-client.js clone URL DIR | commit DIR PATH TEXT MSG | push DIR URL');
	process.exit(2);
}
steps[step][0](...args).then(() => process.exit(0), (e) => {
	console.error(`isomorphic-git ${step}: ${e.name || 'Error'}${e.code ? ` (${e.code})` : ''}: ${e.message}`);
	if (e.data) console.error(`  data: ${JSON.stringify(e.data).slice(0, 2000)}`);
	process.exit(1);
});
