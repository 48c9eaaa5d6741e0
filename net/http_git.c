/*
 * The HTTP side of the Git repository at /site.git/ (gitprotocol-http):
 * the routes, their content types and caching, in front of git/, which
 * speaks the protocol over the store. So far: the ref advertisement of
 * git-upload-pack (`git ls-remote`); fetch, push and authentication follow
 * (issue 10).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "git/refs.h"
#include "http_int.h"
#include "store/service.h"
#include "version.h"

#define GIT_PREFIX "/site.git/"

/* The capabilities of git-upload-pack: HEAD's branch, who we are, SHA-1. */
static void upload_caps(struct store *st, char *out, size_t size)
{
	char head[STORE_REF_MAX] = "";

	if (store_ref_symbolic(st, "HEAD", head, sizeof(head)) == 0 && git_ref_public(head))
		snprintf(out, size, "symref=HEAD:%s agent=appliance/%s object-format=sha1", head,
		         APP_VERSION);
	else
		snprintf(out, size, "agent=appliance/%s object-format=sha1", APP_VERSION);
}

static bool target_is(const struct http_request *req, const char *path)
{
	size_t n = strlen(path);

	return req->target_len == n && !memcmp(req->target, path, n);
}

static void info_refs(struct http_resp *r, const char *service, bool head_only)
{
	struct store *st = store_service();
	char caps[STORE_REF_MAX + 128], type[64];
	uint8_t *adv;
	size_t len;

	if (!st) {
		http_site_error(r, 503, "the store is not open\n");
		return;
	}
	upload_caps(st, caps, sizeof(caps));
	if (git_advertise(st, service, caps, &adv, &len)) {
		http_site_error(r, 503, "the store could not list its refs\n");
		return;
	}
	snprintf(type, sizeof(type), "application/x-%s-advertisement", service);
	http_site_made(r, adv, len, type, head_only);
}

int http_git_answer(struct http_resp *r, const struct http_request *req, bool head_only)
{
	if (req->target_len < sizeof(GIT_PREFIX) - 1 ||
	    memcmp(req->target, GIT_PREFIX, sizeof(GIT_PREFIX) - 1))
		return 0;
	if (target_is(req, GIT_PREFIX "info/refs?service=git-upload-pack"))
		info_refs(r, "git-upload-pack", head_only);
	else if (target_is(req, GIT_PREFIX "info/refs?service=git-receive-pack"))
		http_site_error(r, 403, "pushing to this board is not available yet\n");
	else if (req->target_len >= sizeof(GIT_PREFIX "info/refs") - 1 &&
	         !memcmp(req->target, GIT_PREFIX "info/refs", sizeof(GIT_PREFIX "info/refs") - 1))
		http_site_error(r, 403, "only Git's smart HTTP protocol (git-upload-pack)\n");
	else
		http_site_error(r, 404, "not found\n");
	return 1;
}
