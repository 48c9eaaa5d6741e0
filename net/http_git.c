/*
 * The HTTP side of the Git repository at /site.git/ (gitprotocol-http):
 * the routes, content types, caching, CORS and credentials, in front of
 * git/, which speaks the protocol over the store.
 *
 *   GET  info/refs?service=git-upload-pack    the refs (v0), or v2's capabilities
 *   GET  info/refs?service=git-receive-pack   the refs for a push (password)
 *   POST git-upload-pack                       fetch and clone, ls-refs (v2)
 *   POST git-receive-pack                      push (password, HTTPS only)
 *   OPTIONS any of them                        a browser's CORS preflight
 *
 * Reads are public unless appliance.conf says git_read=private. Every
 * write needs the push password (git/auth.h), and only over HTTPS: over
 * plain HTTP a push gets 403 saying so, before any password is sent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "git/auth.h"
#include "git/receive.h"
#include "git/refs.h"
#include "git/upload.h"
#include "http_int.h"
#include "plat/conf.h"
#include "store/service.h"
#include "version.h"

#define GIT_PREFIX "/site.git/"
#define CORS_MAX_AGE 86400

/*
 * CORS (the browser editor's isomorphic-git): any origin may read, as any
 * Git client may; a write still needs the password, which a page gets
 * only from its user (Basic credentials are never sent cross-origin
 * without Allow-Credentials, so a hostile page cannot ride a session).
 */
static void cors(struct http_resp *r)
{
	snprintf(r->fields, sizeof(r->fields),
	         "Access-Control-Allow-Origin: *\r\n"
	         "Access-Control-Expose-Headers: Content-Type, WWW-Authenticate, Retry-After\r\n");
}

static void preflight(struct http_resp *r)
{
	snprintf(r->fields, sizeof(r->fields),
	         "Access-Control-Allow-Origin: *\r\n"
	         "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
	         "Access-Control-Allow-Headers: Content-Type, Authorization, Git-Protocol\r\n"
	         "Access-Control-Max-Age: %u\r\n",
	         CORS_MAX_AGE);
	http_site_error(r, 204, "");
}

/* The capabilities of git-upload-pack (v0/v1): HEAD's branch, who we are, SHA-1. */
static void upload_caps(struct store *st, char *out, size_t size)
{
	char head[STORE_REF_MAX] = "", sym[STORE_REF_MAX + 16] = "";

	if (store_ref_symbolic(st, "HEAD", head, sizeof(head)) == 0 && git_ref_public(head))
		snprintf(sym, sizeof(sym), "symref=HEAD:%s ", head);
	snprintf(out, size,
	         "multi_ack_detailed no-done side-band-64k thin-pack ofs-delta shallow "
	         "deepen-relative no-progress include-tag %sagent=appliance/%s object-format=sha1",
	         sym, APP_VERSION);
}

static bool target_is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);

	return req->target_len == n && !memcmp(req->target, path, n);
}

static bool method_is(const struct http_request *req, const char *m)
{
	return req->method_len == strlen(m) && !memcmp(req->method, m, req->method_len);
}

/* The protocol version the client asks for (Git-Protocol: version=2). */
static int protocol_version(const struct http_request *req)
{
	size_t len;
	const char *v = http_field_get(req, "git-protocol", &len);

	for (size_t i = 0; v && i + 9 <= len; i++)
		if (!memcmp(v + i, "version=2", 9) && (i == 0 || v[i - 1] == ':'))
			return 2;
	return 0;
}

/*
 * Whether the request may go on: 1 if so; 0 with the answer set (401 with
 * a challenge, 403, 429) if not.
 */
static int authorized(struct http_resp *r, struct store *st, const struct http_request *req,
                      const struct http_peer *peer, bool write)
{
	size_t len;
	const char *authz = http_field_get(req, "authorization", &len);
	unsigned retry = 0;
	size_t used = strlen(r->fields);

	if (!peer->tls) {
		http_site_error(
		    r, 403,
		    write ? "pushing needs HTTPS: use the https:// address of this board\n"
		          : "this repository is private: use its https:// address\n");
		return 0;
	}
	switch (git_auth_check(st, authz, authz ? len : 0, peer->addr, &retry)) {
	case GIT_AUTH_OK:
		return 1;
	case GIT_AUTH_MISSING:
	case GIT_AUTH_WRONG:
		snprintf(r->fields + used, sizeof(r->fields) - used,
		         "WWW-Authenticate: Basic realm=\"appliance\", charset=\"UTF-8\"\r\n");
		http_site_error(r, 401, "the push password is needed (any user name)\n");
		return 0;
	case GIT_AUTH_LIMITED:
		snprintf(r->fields + used, sizeof(r->fields) - used, "Retry-After: %u\r\n", retry);
		http_site_error(r, 429, "too many wrong passwords from this address: wait\n");
		return 0;
	case GIT_AUTH_BUSY:
		snprintf(r->fields + used, sizeof(r->fields) - used, "Retry-After: %u\r\n", retry);
		http_site_error(r, 503, "too many push passwords to check at once: try again\n");
		return 0;
	default:
		http_site_error(r, 403, "no push password is set: set one with storectl passwd\n");
		return 0;
	}
}

static bool reads_private(void)
{
	char v[16];

	return plat_config_get("git_read", v, sizeof(v)) == 0 && !strcmp(v, "private");
}

static void info_refs(struct http_resp *r, struct store *st, const char *service, int version,
                      bool head_only)
{
	char caps[STORE_REF_MAX + 256], type[64];
	uint8_t *adv;
	size_t len;
	int rc;

	if (!strcmp(service, "git-receive-pack"))
		snprintf(caps, sizeof(caps), "%s agent=appliance/%s", GIT_RECEIVE_CAPS,
		         APP_VERSION);
	else
		upload_caps(st, caps, sizeof(caps));
	rc = version == 2 && strcmp(service, "git-receive-pack")
	         ? git_upload_caps_v2(&adv, &len)
	         : git_advertise(st, service, caps, &adv, &len);
	if (rc) {
		http_site_error(r, 503, "the store could not list its refs\n");
		return;
	}
	snprintf(type, sizeof(type), "application/x-%s-advertisement", service);
	http_site_made(r, adv, len, type, head_only);
}

/* ---- the POSTs, streamed (http_int.h, struct http_stream) ---- */

/*
 * Fetches answered at once: each holds a packer, whose memory grows with
 * the repository (store.h; the guest's heap peaked at 10.7 MiB serving
 * one clone of the 31,000-object bench repository, 3.3 MiB of it there
 * before: tests/bench/guest-git.sh), so a few at a time keep the heap bounded
 * whatever the load. More get 503 with Retry-After (git says so and stops;
 * a retry a moment later works). Pushes are one at a time in the store.
 *
 * A fetch takes its place only once its request has ended: a body may
 * come at HTTP's slowest (HTTP_PROGRESS_MIN bytes in HTTP_IDLE_NS, e.g.
 * have lines without end), and three such must not shut every other
 * fetch out. Until then it holds what its lines made (git/upload.h): a
 * body of GIT_SMALL_BODY bytes at most about 5 times that (each 50-byte
 * have line in common: its id, its place in a set, its ACK line), so
 * HTTP_MAX_CONNS of them about 2.6 MiB. A longer body (a clone of a
 * repository with hundreds of refs, 50 bytes a want) takes one of
 * GIT_MAX_LARGE_BODIES places as it passes GIT_SMALL_BODY: up to 1.2 MiB
 * each (8,192 wants and shallow lines, 4,096 haves in common); more such
 * get 503 as they pass it, while short requests are still answered.
 *
 * Its answer must then be taken at GIT_ANSWER_MIN_RATE bytes a second at
 * least, over each GIT_ANSWER_WINDOW_NS that it waits on the client (not
 * the time the pack takes to make): else it ends (the connection closes,
 * git says the transfer failed). HTTP's own rule (HTTP_PROGRESS_MIN bytes
 * in HTTP_IDLE_NS) would let three clients hold every place at 35 bytes a
 * second for as long as their packs last; a window, not the average since
 * the start, so that what was read fast at first buys no time later.
 * 2 KiB/s is 16 kbit/s: a poor mobile link still clones.
 */
#define GIT_MAX_UPLOADS 3
#define GIT_SMALL_BODY (16 * 1024)
#define GIT_MAX_LARGE_BODIES 3
#define GIT_ANSWER_MIN_RATE 2048
#define GIT_ANSWER_WINDOW_NS (20ull * 1000000000u)
static unsigned uploads, large_bodies;

/* One POST to git/'s upload-pack or receive-pack: a request's body in, an answer out. */
struct call {
	struct git_upload *upload; /* one of the two */
	struct git_receive *receive;
	size_t body;    /* an upload's body bytes so far */
	bool large;     /* it holds one of large_bodies */
	bool answering; /* it holds one of uploads */
	/* The answer's window: bytes taken, time waited on the client; when a read last gave. */
	uint64_t sent, waited_ns, gave_ns;
};

/* 503 with Retry-After, logged: `held` places are taken by fetches `doing` so. */
static void busy(struct http_resp *r, unsigned held, const char *doing)
{
	size_t used = strlen(r->fields);

	snprintf(r->fields + used, sizeof(r->fields) - used, "Retry-After: 2\r\n");
	http_site_error(r, 503, "busy: other fetches are being answered, try again\n");
	plat_log("git", "fetch refused: %u already %s", held, doing);
}

/* An upload's body past GIT_SMALL_BODY takes a place (1), or is refused (0). */
static int body_place(struct call *c, size_t len, struct http_resp *r)
{
	c->body += len;
	if (c->large || c->body <= GIT_SMALL_BODY)
		return 1;
	if (large_bodies >= GIT_MAX_LARGE_BODIES) {
		busy(r, large_bodies, "sending long requests");
		return 0;
	}
	large_bodies++;
	c->large = true;
	return 1;
}

static int call_body(void *ctx, const uint8_t *data, size_t len, struct http_resp *r)
{
	struct call *c = ctx;

	/* A refused request is answered by its ERR line: the rest of the body is dropped. */
	if (c->upload && !body_place(c, len, r))
		return -1;
	if (c->upload)
		git_upload_feed(c->upload, data, len);
	else
		git_receive_feed(c->receive, data, len);
	return 0;
}

static void call_end(void *ctx, struct http_resp *r)
{
	struct call *c = ctx;

	if (c->upload) {
		large_bodies -= c->large;
		c->large = false;
		if (uploads >= GIT_MAX_UPLOADS) {
			busy(r, uploads, "being answered");
			return;
		}
		uploads++;
		c->answering = true;
		git_upload_finish(c->upload);
	} else {
		git_receive_finish(c->receive);
	}
	http_site_stream(r, 200,
	                 c->upload ? "application/x-git-upload-pack-result"
	                           : "application/x-git-receive-pack-result");
}

/*
 * Whether the client takes an upload's answer fast enough. The time from
 * a read that gave bytes to the next read is the socket's, waiting on the
 * client; the time inside a read is the pack's.
 */
static bool fast_enough(struct call *c)
{
	uint64_t now = plat_now_ns();

	if (c->gave_ns)
		c->waited_ns += now - c->gave_ns;
	c->gave_ns = 0;
	if (c->waited_ns < GIT_ANSWER_WINDOW_NS)
		return true;
	if (c->sent >= c->waited_ns / 1000000 * GIT_ANSWER_MIN_RATE / 1000) {
		c->sent = c->waited_ns = 0; /* the next window */
		return true;
	}
	plat_log("git", "fetch ended: its client took %u bytes in %u s", (unsigned)c->sent,
	         (unsigned)(c->waited_ns / 1000000000u));
	return false;
}

static long call_read(void *ctx, uint8_t *buf, size_t len)
{
	struct call *c = ctx;
	long n;

	if (!c->upload)
		return git_receive_read(c->receive, buf, len);
	if (!fast_enough(c))
		return -ETIMEDOUT;
	if ((n = git_upload_read(c->upload, buf, len)) > 0) {
		c->sent += (uint64_t)n;
		c->gave_ns = plat_now_ns();
	}
	return n;
}

static void call_free(void *ctx)
{
	struct call *c = ctx;

	uploads -= c->answering;
	large_bodies -= c->large;
	git_upload_free(c->upload);
	git_receive_free(c->receive);
	free(c);
}

/* The request's body goes to the call (taken over), its answer streams back. */
static void take_body(struct http_resp *r, struct call call)
{
	struct call *c = malloc(sizeof(*c));

	if (!c) {
		git_upload_free(call.upload);
		git_receive_free(call.receive);
		http_site_error(r, 503, "out of memory\n");
		return;
	}
	*c = call;
	r->stream = (struct http_stream){call_body, call_end, call_read, call_free, c};
	r->takes_body = true;
}

static bool content_type_is(const struct http_request *req, const char *want)
{
	size_t len;
	const char *v = http_field_get(req, "content-type", &len);

	return v && len == strlen(want) && !strncasecmp(v, want, len);
}

static void post_upload(struct http_resp *r, struct store *st, const struct http_request *req)
{
	struct git_upload *u;

	if (!content_type_is(req, "application/x-git-upload-pack-request")) {
		http_site_error(r, 415, "expected application/x-git-upload-pack-request\n");
	} else if (git_upload_new(st, protocol_version(req), &u)) {
		http_site_error(r, 503, "out of memory\n");
	} else {
		take_body(r, (struct call){.upload = u});
	}
}

static void post_receive(struct http_resp *r, struct store *st, const struct http_request *req)
{
	struct git_receive *rc;

	if (!content_type_is(req, "application/x-git-receive-pack-request"))
		http_site_error(r, 415, "expected application/x-git-receive-pack-request\n");
	else if (git_receive_new(st, req->chunked ? 0 : req->content_length, &rc))
		http_site_error(r, 503, "out of memory\n");
	else
		take_body(r, (struct call){.receive = rc});
}

/* The routes below /site.git/, once the method and credentials allow. */
static void route(struct http_resp *r, struct store *st, const struct http_request *req,
                  const struct http_peer *peer)
{
	bool head_only = method_is(req, "HEAD"), get = head_only || method_is(req, "GET");
	bool upload = target_is(req, GIT_PREFIX "info/refs?service=git-upload-pack") ||
	              target_is(req, GIT_PREFIX "git-upload-pack");
	bool receive = target_is(req, GIT_PREFIX "info/refs?service=git-receive-pack") ||
	               target_is(req, GIT_PREFIX "git-receive-pack");
	bool refs = req->target_len > 18 && !memcmp(req->target, GIT_PREFIX "info/refs?", 19);

	if (!upload && !receive) {
		http_site_error(r, refs ? 403 : 404,
		                refs ? "only Git's smart HTTP protocol (git-upload-pack, "
		                       "git-receive-pack)\n"
		                     : "not found\n");
		return;
	}
	if (get != (bool)refs || (!get && !method_is(req, "POST"))) {
		http_site_not_allowed(r, refs ? "GET, HEAD, OPTIONS" : "POST, OPTIONS",
		                      refs ? "info/refs takes GET\n" : "the service takes POST\n");
		return;
	}
	if ((receive || reads_private()) && !authorized(r, st, req, peer, receive))
		return;
	if (refs)
		info_refs(r, st, upload ? "git-upload-pack" : "git-receive-pack",
		          upload ? protocol_version(req) : 0, head_only);
	else if (upload)
		post_upload(r, st, req);
	else
		post_receive(r, st, req);
}

int http_git_answer(struct http_resp *r, const struct http_request *req,
                    const struct http_peer *peer)
{
	struct store *st = store_service();

	if (req->target_len < sizeof(GIT_PREFIX) - 1 ||
	    memcmp(req->target, GIT_PREFIX, sizeof(GIT_PREFIX) - 1))
		return 0;
	if (method_is(req, "OPTIONS")) {
		preflight(r);
		return 1;
	}
	cors(r);
	if (!st) {
		http_site_error(r, 503, "the store is not open\n");
		return 1;
	}
	route(r, st, req, peer);
	return 1;
}
