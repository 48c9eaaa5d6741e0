/*
 * What the HTTP server answers: the site is tree site/ of branch main.
 * Each response resolves main once, so it is served from one version to
 * its end, whatever a push does meanwhile; ETag is the blob's Git id.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/server.h"
#include "http_int.h"
#include "net.h"
#include "store/service.h"
#include "tls/tls.h"
#include "version.h"

#define SITE_REF "refs/heads/main"
#define HTTP_HSTS_MAX_AGE 31536000u
/* How soon to ask again after the store failed a read (store_failed). */
#define HTTP_STORE_RETRY_S 5u
#define SITE_PATH_MAX 1024

/* The codes /metrics counts, in http_stats.by_code's order; the last counts the others. */
static const int http_codes[] = {200, 204, 206, 301, 304, 400, 401, 403, 404, 405, 408,
                                 413, 414, 415, 416, 429, 431, 500, 501, 503, 505, 0};
_Static_assert(sizeof(http_codes) / sizeof(http_codes[0]) <=
                   sizeof(http_stats.by_code) / sizeof(http_stats.by_code[0]),
               "a counter for each code");

/* Where a status is counted: its place in http_codes, the last for any other. */
static uint64_t *counter(int status)
{
	size_t i = 0;

	while (http_codes[i] && http_codes[i] != status)
		i++;
	return &http_stats.by_code[i];
}

static void count(int status)
{
	++*counter(status);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

/* Content types by extension; anything else is bytes. */
static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".htm", "text/html; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".map", "application/json"},
	    {".webmanifest", "application/manifest+json"},
	    {".json", "application/json"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".md", "text/markdown; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".gif", "image/gif"},
	    {".webp", "image/webp"},
	    {".ico", "image/vnd.microsoft.icon"},
	    {".woff2", "font/woff2"},
	    {".pdf", "application/pdf"},
	    {".xml", "application/xml"},
	    {".wasm", "application/wasm"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* Append to the response head; a head that would not fit is cut (never overrun). */
static void put(struct http_resp *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->head + r->head_len, sizeof(r->head) - r->head_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->head_len += (size_t)n < sizeof(r->head) - r->head_len
		                   ? (size_t)n
		                   : sizeof(r->head) - r->head_len - 1;
}

/* RFC 9110 5.6.7: the IMF-fixdate of now. */
static void date(struct http_resp *r)
{
	struct plat_wallclock w;
	char when[40] = "";
	struct tm tm;
	time_t t;

	plat_wallclock(&w);
	t = (time_t)w.sec;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	put(r, "Date: %s\r\n", when);
}

static void start(struct http_resp *r, int status)
{
	count(status);
	r->status = status;
	r->active = true;
	r->head_len = r->head_off = 0;
	r->body_left = r->skip = 0;
	put(r, "HTTP/1.1 %d %s\r\n", status, status_text(status));
	date(r);
	put(r, "Server: appliance\r\nX-Content-Type-Options: nosniff\r\n");
	/* RFC 6797: browsers keep to HTTPS for a year (and ignore it over a certificate they
	 * refused). */
	if (r->tls)
		put(r, "Strict-Transport-Security: max-age=%u\r\n", HTTP_HSTS_MAX_AGE);
	if (r->close)
		put(r, "Connection: close\r\n");
	else if (r->keep_alive)
		put(r,
		    "Connection: keep-alive\r\n"); /* an HTTP/1.0 client waits for the close else */
	put(r, "%s", r->fields);
	r->fields[0] = '\0';
}

/* An answer of its own text; `allow`, if any, lists the methods the target takes. */
static void error_allow(struct http_resp *r, int status, const char *allow, const char *text)
{
	start(r, status);
	if (allow)
		put(r, "Allow: %s\r\n", allow);
	if (status == 204) /* RFC 9110 8.6: no Content-Length, no body */
		put(r, "\r\n");
	else /* a HEAD gets the length its GET would, and no text (RFC 9110 9.3.2) */
		put(r, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %u\r\n\r\n%s",
		    (unsigned)strlen(text), r->head_only ? "" : text);
}

void http_site_error(struct http_resp *r, int status, const char *text)
{
	error_allow(r, status, status == 405 ? "GET, HEAD" : NULL, text);
}

void http_site_not_allowed(struct http_resp *r, const char *allow, const char *text)
{
	error_allow(r, 405, allow, text);
}

/* ---- the path ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/*
 * The request target's path, percent-decoded, as a path of the store below
 * "site": no query, no "." or ".." segment, no empty one, no NUL. 0, or
 * the status.
 */
/*
 * The target's path and query as sent: of an absolute-form target (RFC 9112
 * 3.2.2, a scheme in any case) what follows the authority. NULL if it has
 * none (authority- or asterisk-form).
 */
static const char *target_path(const struct http_request *req)
{
	const char *p = req->target, *end = req->target + req->target_len;
	size_t scheme = end - p > 7 && !strncasecmp(p, "http://", 7)    ? 7
	                : end - p > 8 && !strncasecmp(p, "https://", 8) ? 8
	                                                                : 0;

	if (scheme && (p = memchr(p + scheme, '/', (size_t)(end - p) - scheme)) == NULL)
		return NULL;
	return p < end && *p == '/' ? p : NULL;
}

static int site_path(const struct http_request *req, char *out, size_t size, bool *slash)
{
	const char *p = target_path(req), *end = req->target + req->target_len, *q;
	size_t n = strlen("site");

	if (!p)
		return 400;
	if ((q = memchr(p, '?', (size_t)(end - p))))
		end = q;
	memcpy(out, "site", n);
	for (; p < end; p++) {
		char c = *p;
		if (c == '%') {
			int hi = end - p > 2 ? hexval(p[1]) : -1,
			    lo = end - p > 2 ? hexval(p[2]) : -1;
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return 400;
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		/*
		 * Empty segments collapse here, not only in the lookup: the path
		 * is also a redirect's Location, where "//name/" is another host.
		 */
		if (c == '/' && out[n - 1] == '/')
			continue;
		if (n + 2 > size)
			return 414;
		out[n++] = c;
	}
	out[n] = '\0';
	*slash = out[n - 1] == '/';
	/* Segments "." and ".." are refused. */
	for (char *s = out; (s = strstr(s, "/.")); s++)
		if (s[2] == '/' || s[2] == '\0' || (s[2] == '.' && (s[3] == '/' || s[3] == '\0')))
			return 400;
	while (n > 4 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

/* ---- answering ---- */

/* Whether field `name`'s comma-separated list holds `token`, in any case (RFC 9110 5.6.1). */
static bool field_has_token(const struct http_request *req, const char *name, const char *token)
{
	size_t n, len = strlen(token);
	const char *v = http_field_get(req, name, &n);

	while (v && n) {
		size_t k = 0;
		while (n && (*v == ' ' || *v == '\t' || *v == ','))
			v++, n--;
		while (k < n && v[k] != ',' && v[k] != ' ' && v[k] != '\t')
			k++;
		if (k && k == len && !strncasecmp(v, token, len))
			return true;
		v += k;
		n -= k;
	}
	return false;
}

/* Connection: close, anywhere in its list (TE, close), or HTTP/1.0 without keep-alive. */
static bool wants_close(const struct http_request *req)
{
	if (field_has_token(req, "connection", "close"))
		return true;
	return req->minor == 0 && !field_has_token(req, "connection", "keep-alive");
}

static bool accepts_gzip(const struct http_request *req)
{
	size_t n = 0;
	const char *v = http_field_get(req, "accept-encoding", &n);

	return v && http_accepts_coding(v, n, "gzip");
}

/* A lookup's failure that says the file is not there; any other is the store's. */
static bool absent(int err)
{
	return err == -ENOENT || err == -ENOTDIR || err == -ELOOP || err == -ENAMETOOLONG;
}

/*
 * The store could not read what the answer needs (a device error, damage,
 * or memory short for a moment): 503 and a time to try again, never a 404
 * a browser or a cache would keep.
 */
static void try_later(struct http_resp *r, const char *text)
{
	size_t used = strlen(r->fields);

	snprintf(r->fields + used, sizeof(r->fields) - used, "Retry-After: %u\r\n",
	         HTTP_STORE_RETRY_S);
	http_site_error(r, 503, text);
}

static void store_failed(struct http_resp *r, int err)
{
	try_later(r, err == -ENOMEM ? "short of memory: try again shortly\n"
	                            : "the store could not read this: try again shortly\n");
}

/* The blob at `path` below `tree`; a directory answers with its index.html. */
static int find(struct store *st, const struct store_oid *tree, char *path, size_t size,
                struct store_oid *oid, bool *dir)
{
	uint32_t mode;
	int r = http_cache_lookup(st, tree, path, oid, &mode);

	*dir = false;
	if (r)
		return r;
	if (mode == STORE_MODE_TREE) {
		*dir = true;
		if (strlen(path) + strlen("/index.html") + 1 > size)
			return -ENAMETOOLONG;
		strcat(path, "/index.html");
		r = http_cache_lookup(st, tree, path, oid, &mode);
	}
	return r ? r : mode == STORE_MODE_FILE || mode == STORE_MODE_EXEC ? 0 : -ENOENT;
}

static void not_found(struct http_resp *r, struct store *st, const struct store_oid *tree,
                      bool head_only);

/*
 * RFC 9110 13.1.5: a Range counts only if an If-Range sent with it names
 * this version, by our strong ETag compared strongly (we send no
 * Last-Modified, so a date never does); else the answer is whole.
 */
static bool if_range_holds(const struct http_request *req, const char *etag)
{
	size_t n;
	const char *v = http_field_get(req, "if-range", &n);

	return !v || (n == strlen(etag) && !memcmp(v, etag, n));
}

/* Which copy of a file an answer sends. */
enum copy {
	COPY_ONLY,  /* the file, which has no gzip copy */
	COPY_PLAIN, /* the file, which has one (path.gz) the client did not take */
	COPY_GZIP,  /* that gzip copy */
};

/*
 * Serve blob `oid` as `path` with `status` (200, or 404 for the site's own
 * page). Both copies of a file that has two say Vary (RFC 9110 12.5.5):
 * the answer depends on Accept-Encoding, which a shared cache must know.
 */
static void serve(struct http_resp *r, struct store *st, const struct http_request *req,
                  const struct store_oid *oid, const char *path, int status, enum copy copy,
                  bool head_only)
{
	const char *vary = copy == COPY_ONLY ? "" : "Vary: Accept-Encoding\r\n";
	int err;
	char etag[STORE_OID_HEX + 2], hex[STORE_OID_HEX];
	uint64_t size, first = 0, last = 0;
	enum http_range range = HTTP_RANGE_NONE;
	const char *v;
	size_t n;

	store_oid_hex(oid, hex);
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	if (status == 200 && (v = http_field_get(req, "if-none-match", &n)) &&
	    http_if_none_match(v, n, etag, strlen(etag)) == 1) {
		start(r, 304);
		/* The fields the 200 would have that say which version this is (RFC 9110 15.4.5).
		 */
		put(r, "ETag: %s\r\nCache-Control: no-cache\r\n%s\r\n", etag, vary);
		return;
	}
	/* A small file from the cache (or into it); a larger one streams from the store. */
	if ((err = http_cache_get(st, oid, &r->cached)) == -EAGAIN) {
		try_later(r, "busy sending other large files: try again shortly\n");
		return;
	}
	if (r->cached) {
		http_cache_data(r->cached, &n);
		size = n;
	} else if (err || (err = store_blob_open(st, oid, &r->blob, &size))) {
		store_failed(r, err);
		return;
	}
	if (status == 200 && (v = http_field_get(req, "range", &n)) && if_range_holds(req, etag))
		range = http_parse_range(v, n, size, &first, &last);
	if (range == HTTP_RANGE_UNSATISFIABLE) {
		store_blob_close(r->blob);
		r->blob = NULL;
		start(r, 416);
		put(r, "Content-Range: bytes */%llu\r\nContent-Length: 0\r\n\r\n",
		    (unsigned long long)size);
		return;
	}
	start(r, range == HTTP_RANGE_OK ? 206 : status);
	if (range == HTTP_RANGE_OK)
		put(r, "Content-Range: bytes %llu-%llu/%llu\r\n", (unsigned long long)first,
		    (unsigned long long)last, (unsigned long long)size);
	else
		last = size ? size - 1 : 0;
	put(r, "%s%s", copy == COPY_GZIP ? "Content-Encoding: gzip\r\n" : "", vary);
	put(r,
	    "Content-Type: %s\r\nContent-Length: %llu\r\nETag: %s\r\nAccept-Ranges: bytes\r\n"
	    "Cache-Control: no-cache\r\n\r\n",
	    content_type(path), (unsigned long long)(size ? last - first + 1 : 0), etag);
	r->skip = r->cached ? 0 : first;
	r->mem_off = r->cached ? (size_t)first : 0;
	r->body_left = head_only || size == 0 ? 0 : last - first + 1;
	if (head_only || !size) {
		store_blob_close(r->blob);
		r->blob = NULL;
	}
}

/* The file `path`, blob `oid` of `tree`; its precompressed "path.gz" if the client takes gzip. */
static void serve_file(struct http_resp *r, struct store *st, const struct http_request *req,
                       const struct store_oid *tree, const struct store_oid *oid, const char *path,
                       bool head_only)
{
	char gz[SITE_PATH_MAX + 20];
	struct store_oid gzoid;
	uint32_t mode;

	if (strlen(path) + 4 < sizeof(gz)) {
		snprintf(gz, sizeof(gz), "%s.gz", path);
		if (!http_cache_lookup(st, tree, gz, &gzoid, &mode) && mode == STORE_MODE_FILE) {
			if (accepts_gzip(req))
				serve(r, st, req, &gzoid, path, 200, COPY_GZIP, head_only);
			else
				serve(r, st, req, oid, path, 200, COPY_PLAIN, head_only);
			return;
		}
	}
	serve(r, st, req, oid, path, 200, COPY_ONLY, head_only);
}

static void not_found(struct http_resp *r, struct store *st, const struct store_oid *tree,
                      bool head_only)
{
	struct store_oid oid;
	uint32_t mode;
	static const struct http_request none;

	if (!http_cache_lookup(st, tree, "site/404.html", &oid, &mode) && mode == STORE_MODE_FILE)
		serve(r, st, &none, &oid, "404.html", 404, COPY_ONLY, head_only);
	else
		http_site_error(r, 404, "not found\n");
}

/* ---- status and metrics, for the LAN only ---- */

/* Bytes of bodies made in memory that answers hold (http_site_made), every connection's. */
static size_t made_bytes;

void http_site_made(struct http_resp *r, void *data, size_t len, const char *type, bool head_only)
{
	if (http_over_budget(made_bytes, len, HTTP_MADE_BYTES)) {
		free(data);
		try_later(r, "busy sending other answers: try again shortly\n");
		return;
	}
	made_bytes += len;
	r->made = len;
	start(r, 200);
	put(r, "Content-Type: %s\r\nContent-Length: %u\r\nCache-Control: no-store\r\n\r\n", type,
	    (unsigned)len);
	r->mem = data;
	r->mem_off = 0;
	r->body_left = head_only ? 0 : len;
}

void http_site_stream(struct http_resp *r, int status, const char *type)
{
	if (!r->chunked)
		r->close = true;
	start(r, status);
	put(r, "Content-Type: %s\r\nCache-Control: no-cache, max-age=0, must-revalidate\r\n%s\r\n",
	    type, r->chunked ? "Transfer-Encoding: chunked\r\n" : "");
	r->streaming = true;
	r->stream_ended = false;
}

/* A text made here (malloc'd, taken over; NULL: out of memory) as `type`. */
static void made(struct http_resp *r, char *text, const char *type, bool head_only)
{
	if (!text)
		http_site_error(r, 503, "out of memory\n");
	else
		http_site_made(r, text, strlen(text), type, head_only);
}

/* An snprintf into a growing malloc'd string (NULL stays NULL). */
static char *cat(char *s, const char *fmt, ...)
{
	size_t n = s ? strlen(s) : 0, add;
	va_list ap;
	char *t;

	if (!s)
		return NULL;
	va_start(ap, fmt);
	add = (size_t)vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (!(t = realloc(s, n + add + 1))) {
		free(s);
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(t + n, add + 1, fmt, ap);
	va_end(ap);
	return t;
}

/* The certificate's part of the status: null while TLS is off. */
static const char *tls_json(char buf[256])
{
	const struct tls_identity_info *id = tls_identity();
	struct plat_wallclock now;
	char when[32] = "";
	time_t t;
	struct tm tm;

	if (!id)
		return "null";
	t = (time_t)id->not_after;
	if (id->not_after && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	plat_wallclock(&now);
	snprintf(buf, 256,
	         "{\"certificate_subject\":\"%s\",\"certificate_origin\":\"%s\","
	         "\"certificate_expiry\":\"%s\",\"certificate_days_left\":%lld}",
	         id->subject, id->origin, when, (long long)((id->not_after - now.sec) / 86400));
	return buf;
}

static char *status_json(struct store *st)
{
	char when[256];
	struct plat_mem_stats m;
	struct store_oid head;
	char hex[STORE_OID_HEX] = "";

	plat_mem_stats(&m);
	if (st && !store_ref_get(st, SITE_REF, &head))
		store_oid_hex(&head, hex);
	return cat(calloc(1, 1),
	           "{\"version\":\"%s\",\"uptime_s\":%llu,\"site_commit\":\"%s\","
	           "\"heap_used\":%u,\"heap_peak\":%u,\"http_connections\":%u,"
	           "\"tls\":%s}\n",
	           APP_VERSION,
	           (unsigned long long)((plat_now_ns() - http_stats.started_ns) / 1000000000u), hex,
	           (unsigned)m.heap_used, (unsigned)m.heap_peak, http_stats.conns, tls_json(when));
}

static char *dns_metrics(char *s);

/*
 * lwIP's buffers and TCP control blocks (net_stats in net.h): gauges that
 * a soak watches for leaks (tests/qemu/soak.sh).
 */
static char *lwip_metrics(char *s)
{
	struct net_stats n;

	net_stats(&n);
	return cat(
	    s,
	    "# HELP appliance_pbuf_pool_used lwIP receive buffers (PBUF_POOL) in use.\n"
	    "# TYPE appliance_pbuf_pool_used gauge\nappliance_pbuf_pool_used %u\n"
	    "# TYPE appliance_pbuf_pool_peak gauge\nappliance_pbuf_pool_peak %u\n"
	    "# TYPE appliance_pbuf_pool_size gauge\nappliance_pbuf_pool_size %u\n"
	    "# HELP appliance_pbuf_ram_bytes Bytes lwIP holds from malloc: PBUF_RAM buffers "
	    "(and the DHCP client's state).\n"
	    "# TYPE appliance_pbuf_ram_bytes gauge\nappliance_pbuf_ram_bytes %lu\n"
	    "# TYPE appliance_pbuf_ram_peak_bytes gauge\nappliance_pbuf_ram_peak_bytes %lu\n"
	    "# HELP appliance_tcp_segments TCP segments queued or unacknowledged.\n"
	    "# TYPE appliance_tcp_segments gauge\nappliance_tcp_segments %u\n"
	    "# HELP appliance_tcp_pcbs TCP control blocks by state.\n"
	    "# TYPE appliance_tcp_pcbs gauge\n"
	    "appliance_tcp_pcbs{state=\"active\"} %u\n"
	    "appliance_tcp_pcbs{state=\"time_wait\"} %u\n"
	    "appliance_tcp_pcbs{state=\"listen\"} %u\n"
	    "# HELP appliance_diag_connections Echo, discard and chargen connections (echo=on).\n"
	    "# TYPE appliance_diag_connections gauge\nappliance_diag_connections %u\n"
	    "# HELP appliance_tcp_syn_cookies_total SYN cookies sent for a SYN to a full "
	    "backlog (a SYN flood), and the ACKs to a listener that returned one or not.\n"
	    "# TYPE appliance_tcp_syn_cookies_total counter\n"
	    "appliance_tcp_syn_cookies_total{event=\"sent\"} %lu\n"
	    "appliance_tcp_syn_cookies_total{event=\"accepted\"} %lu\n"
	    "appliance_tcp_syn_cookies_total{event=\"refused\"} %lu\n"
	    "# HELP appliance_lwip_pool_failures_total Failed allocations from lwIP's pools.\n"
	    "# TYPE appliance_lwip_pool_failures_total counter\n"
	    "appliance_lwip_pool_failures_total{pool=\"pbuf_pool\"} %lu\n"
	    "appliance_lwip_pool_failures_total{pool=\"tcp_pcb\"} %lu\n"
	    "appliance_lwip_pool_failures_total{pool=\"tcp_seg\"} %lu\n"
	    "appliance_lwip_pool_failures_total{pool=\"other\"} %lu\n",
	    n.pbuf_pool_used, n.pbuf_pool_peak, n.pbuf_pool_size, n.pbuf_ram_bytes, n.pbuf_ram_peak,
	    n.tcp_segs, n.tcp_active, n.tcp_time_wait, n.tcp_listen, n.diag_conns,
	    n.syn_cookies_sent, n.syn_cookies_accepted, n.syn_cookies_refused, n.fail_pbuf_pool,
	    n.fail_tcp_pcb, n.fail_tcp_seg, n.fail_other);
}

static char *metrics_text(struct store *st)
{
	struct plat_mem_stats m;
	struct store_stats ss = {0};
	char *s = calloc(1, 1);

	plat_mem_stats(&m);
	if (st)
		store_stats(st, &ss);
	s = cat(s, "# HELP appliance_http_requests_total HTTP responses sent, by status code.\n"
	           "# TYPE appliance_http_requests_total counter\n");
	for (size_t i = 0; i < sizeof(http_codes) / sizeof(http_codes[0]); i++)
		if (http_codes[i])
			s = cat(s, "appliance_http_requests_total{code=\"%d\"} %llu\n",
			        http_codes[i], (unsigned long long)http_stats.by_code[i]);
		else
			s = cat(s, "appliance_http_requests_total{code=\"other\"} %llu\n",
			        (unsigned long long)http_stats.by_code[i]);
	s = cat(
	    s,
	    "# TYPE appliance_http_bytes_sent_total counter\nappliance_http_bytes_sent_total %llu\n"
	    "# TYPE appliance_http_connections gauge\nappliance_http_connections %u\n"
	    "# TYPE appliance_http_connections_accepted_total counter\n"
	    "appliance_http_connections_accepted_total %llu\n"
	    "# TYPE appliance_http_connections_refused_total counter\n"
	    "appliance_http_connections_refused_total %llu\n"
	    "# TYPE appliance_http_connections_stalled_total counter\n"
	    "appliance_http_connections_stalled_total %llu\n"
	    "# TYPE appliance_heap_bytes gauge\nappliance_heap_bytes %u\n"
	    "# TYPE appliance_heap_peak_bytes gauge\nappliance_heap_peak_bytes %u\n"
	    "# HELP appliance_heap_refused_total Allocations refused for a full heap (0 on the "
	    "twin).\n"
	    "# TYPE appliance_heap_refused_total counter\nappliance_heap_refused_total %llu\n"
	    "# HELP appliance_stack_bytes The main stack's size (0: not known, as on the twin).\n"
	    "# TYPE appliance_stack_bytes gauge\nappliance_stack_bytes %u\n"
	    "# HELP appliance_stack_peak_bytes The most of it used since boot.\n"
	    "# TYPE appliance_stack_peak_bytes gauge\nappliance_stack_peak_bytes %u\n"
	    "# TYPE appliance_uptime_seconds gauge\nappliance_uptime_seconds %llu\n"
	    "# TYPE appliance_store_objects gauge\nappliance_store_objects %u\n"
	    "# TYPE appliance_store_log_bytes gauge\nappliance_store_log_bytes %llu\n"
	    "# TYPE appliance_http_cache_hits_total counter\nappliance_http_cache_hits_total %llu\n"
	    "# TYPE appliance_http_cache_misses_total counter\n"
	    "appliance_http_cache_misses_total %llu\n"
	    "# TYPE appliance_http_cache_bytes gauge\nappliance_http_cache_bytes %u\n"
	    "# HELP appliance_http_rebuilt_bytes Large files kept as deltas, rebuilt to be sent.\n"
	    "# TYPE appliance_http_rebuilt_bytes gauge\nappliance_http_rebuilt_bytes %u\n"
	    "# TYPE appliance_http_rebuilt_refused_total counter\n"
	    "appliance_http_rebuilt_refused_total %llu\n"
	    "# TYPE appliance_tls_handshakes_total counter\nappliance_tls_handshakes_total %llu\n"
	    "# TYPE appliance_tls_resumed_total counter\nappliance_tls_resumed_total %llu\n"
	    "# TYPE appliance_tls_handshake_failures_total counter\n"
	    "appliance_tls_handshake_failures_total %llu\n"
	    "# TYPE appliance_tls_sessions gauge\nappliance_tls_sessions %u\n"
	    "# TYPE appliance_tls_certificate_expiry_seconds gauge\n"
	    "appliance_tls_certificate_expiry_seconds %lld\n",
	    (unsigned long long)http_stats.bytes_sent, http_stats.conns,
	    (unsigned long long)http_stats.accepted, (unsigned long long)http_stats.refused,
	    (unsigned long long)http_stats.stalled, (unsigned)m.heap_used, (unsigned)m.heap_peak,
	    (unsigned long long)m.heap_refused, (unsigned)m.stack_size, (unsigned)m.stack_peak,
	    (unsigned long long)((plat_now_ns() - http_stats.started_ns) / 1000000000u),
	    (unsigned)ss.objects, (unsigned long long)ss.log_used,
	    (unsigned long long)http_cache_stats.hits, (unsigned long long)http_cache_stats.misses,
	    (unsigned)http_cache_stats.bytes, (unsigned)http_cache_stats.rebuilt_bytes,
	    (unsigned long long)http_cache_stats.rebuilt_refused,
	    (unsigned long long)tls_stats.handshakes, (unsigned long long)tls_stats.resumed,
	    (unsigned long long)tls_stats.failures, tls_stats.active,
	    (long long)(tls_identity() ? tls_identity()->not_after : 0));
	return dns_metrics(lwip_metrics(s));
}

/* The LAN forwarder's counters (dns/forward.h). */
static char *dns_forward_metrics(char *s)
{
	return cat(
	    s,
	    "# TYPE appliance_dns_forwarded_total counter\nappliance_dns_forwarded_total %llu\n"
	    "# TYPE appliance_dns_forward_cache_hits_total counter\n"
	    "appliance_dns_forward_cache_hits_total %llu\n"
	    "# TYPE appliance_dns_forward_failed_total counter\n"
	    "appliance_dns_forward_failed_total %llu\n"
	    "# TYPE appliance_dns_forward_cache_bytes gauge\n"
	    "appliance_dns_forward_cache_bytes %u\n",
	    (unsigned long long)dns_stats.forwarded, (unsigned long long)dns_stats.fwd_cache_hits,
	    (unsigned long long)dns_stats.fwd_failed, dns_stats.fwd_cache_bytes);
}

/*
 * The DNS answers sent by rcode, one line for each dns_stats counts
 * (dns_rcode_name's names; an unassigned one by its number). They add up
 * to appliance_dns_queries_total's two transports; nxdomain_total and
 * refused_total, which dashboards and tests read, repeat two of them.
 */
static char *dns_rcode_metrics(char *s)
{
	s = cat(s, "# HELP appliance_dns_answers_total DNS answers sent, by the rcode they carry "
	           "(a TSIG error's is NOTAUTH).\n"
	           "# TYPE appliance_dns_answers_total counter\n");
	for (unsigned i = 0; i < DNS_STATS_RCODES; i++) {
		unsigned long long n = (unsigned long long)dns_stats.by_rcode[i];
		if (dns_rcode_name(i))
			s = cat(s, "appliance_dns_answers_total{rcode=\"%s\"} %llu\n",
			        dns_rcode_name(i), n);
		else
			s = cat(s, "appliance_dns_answers_total{rcode=\"%u\"} %llu\n", i, n);
	}
	return s;
}

/* The DNS server's counters (dns/server.h). */
static char *dns_metrics(char *s)
{
	s = dns_rcode_metrics(dns_forward_metrics(s));
	return cat(
	    s,
	    "# TYPE appliance_dns_queries_total counter\n"
	    "appliance_dns_queries_total{transport=\"udp\"} %llu\n"
	    "appliance_dns_queries_total{transport=\"tcp\"} %llu\n"
	    "# TYPE appliance_dns_dropped_total counter\nappliance_dns_dropped_total %llu\n"
	    "# TYPE appliance_dns_limited_total counter\nappliance_dns_limited_total %llu\n"
	    "# TYPE appliance_dns_slipped_total counter\nappliance_dns_slipped_total %llu\n"
	    "# TYPE appliance_dns_nxdomain_total counter\nappliance_dns_nxdomain_total %llu\n"
	    "# TYPE appliance_dns_refused_total counter\nappliance_dns_refused_total %llu\n"
	    "# HELP appliance_dns_transfers_total Zone transfers begun (AXFR, IXFR over TCP), each "
	    "counted once in the answers however many messages it takes.\n"
	    "# TYPE appliance_dns_transfers_total counter\nappliance_dns_transfers_total %llu\n"
	    "# HELP appliance_dns_transfers_failed_total Zone transfers begun that could not be "
	    "sent whole (the log says why): answered SERVFAIL, or their connection closed.\n"
	    "# TYPE appliance_dns_transfers_failed_total counter\n"
	    "appliance_dns_transfers_failed_total %llu\n"
	    "# HELP appliance_dns_updates_total UPDATE requests received (RFC 2136), whatever "
	    "their answer: applied, refused, FORMERR, BADVERS, or dropped by the rate limit.\n"
	    "# TYPE appliance_dns_updates_total counter\nappliance_dns_updates_total %llu\n"
	    "# TYPE appliance_dns_tcp_connections gauge\nappliance_dns_tcp_connections %u\n"
	    "# HELP appliance_dns_tcp_connections_stalled_total Reset: the client stopped "
	    "taking its answers.\n"
	    "# TYPE appliance_dns_tcp_connections_stalled_total counter\n"
	    "appliance_dns_tcp_connections_stalled_total %llu\n"
	    "# HELP appliance_dns_tcp_connections_idle_closed_total Closed while idle to make "
	    "room for a new one.\n"
	    "# TYPE appliance_dns_tcp_connections_idle_closed_total counter\n"
	    "appliance_dns_tcp_connections_idle_closed_total %llu\n",
	    (unsigned long long)dns_stats.udp, (unsigned long long)dns_stats.tcp,
	    (unsigned long long)dns_stats.dropped, (unsigned long long)dns_stats.limited,
	    (unsigned long long)dns_stats.slipped,
	    (unsigned long long)dns_stats.by_rcode[DNS_R_NXDOMAIN],
	    (unsigned long long)dns_stats.by_rcode[DNS_R_REFUSED],
	    (unsigned long long)dns_stats.transfers, (unsigned long long)dns_stats.transfers_failed,
	    (unsigned long long)dns_stats.updates, dns_stats.tcp_conns,
	    (unsigned long long)dns_stats.tcp_stalled,
	    (unsigned long long)dns_stats.tcp_idle_closed);
}

/* 1 if the request was for status or metrics (answered), else 0. */
static int appliance_page(struct http_resp *r, const struct http_request *req, bool lan,
                          bool head_only)
{
	static const char status[] = "/.well-known/appliance/status", metrics[] = "/metrics";
	bool is_status = req->target_len == sizeof(status) - 1 &&
	                 !memcmp(req->target, status, sizeof(status) - 1);
	bool is_metrics = req->target_len == sizeof(metrics) - 1 &&
	                  !memcmp(req->target, metrics, sizeof(metrics) - 1);

	if (!is_status && !is_metrics)
		return 0;
	if (!lan)
		http_site_error(r, 403, "for the LAN only\n");
	else if (is_status)
		made(r, status_json(store_service()), "application/json", head_only);
	else
		made(r, metrics_text(store_service()), "text/plain; version=0.0.4", head_only);
	return 1;
}

/* ---- plain HTTP to HTTPS ---- */

/* The Host field's name without its port, if it is a plain host name or address. */
static bool host_name(const struct http_request *req, char *out, size_t size)
{
	size_t len, n;
	const char *v = http_field_get(req, "Host", &len), *end;

	if (!v || len == 0)
		return false;
	/* A bracketed IPv6 literal keeps its brackets; a port goes. */
	if (v[0] == '[')
		n = (end = memchr(v, ']', len)) ? (size_t)(end - v) + 1 : 0;
	else
		n = (end = memchr(v, ':', len)) ? (size_t)(end - v) : len;
	if (n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr(".-[]:", v[i]))
			return false;
	memcpy(out, v, n);
	out[n] = 0;
	return true;
}

/*
 * 301 to the same target at https://HOST (the name the client used, else
 * our address) on `port` (0: HTTPS's own), which holds it.
 */
static void to_port(struct http_resp *r, const struct http_request *req,
                    const struct http_peer *peer, uint16_t port)
{
	const char *p = target_path(req);
	char host[256], colon_port[8] = "";

	if (!host_name(req, host, sizeof(host)))
		snprintf(host, sizeof(host), "%s", peer->local);
	if (port)
		snprintf(colon_port, sizeof(colon_port), ":%u", (unsigned)port);
	start(r, 301);
	put(r, "Location: https://%s%s%.*s\r\nContent-Length: 0\r\n\r\n", host, colon_port,
	    (int)(req->target + req->target_len - p), p);
	if (r->head_len >= sizeof(r->head) - 1) {
		--*counter(301);
		http_site_error(r, 414, "the target is too long to redirect\n");
	}
}

/*
 * 1 if a plain request was redirected to the same target over HTTPS. Not
 * /.well-known/ (ACME's http-01 challenges, and our status), nor /metrics
 * (a LAN scraper), and not for a method other than GET or HEAD.
 */
static int to_https(struct http_resp *r, const struct http_request *req,
                    const struct http_peer *peer)
{
	static const char wk[] = "/.well-known/", metrics[] = "/metrics";

	if (peer->tls || !peer->https || req->target[0] != '/' ||
	    (req->target_len >= sizeof(wk) - 1 && !memcmp(req->target, wk, sizeof(wk) - 1)) ||
	    (req->target_len == sizeof(metrics) - 1 &&
	     !memcmp(req->target, metrics, sizeof(metrics) - 1)))
		return 0;
	to_port(r, req, peer, 0);
	return 1;
}

/* ---- the editor (/edit/) ---- */

/*
 * The browser editor's files (edit/ of the build), in the store's
 * non-public part: a push cannot change them, and they come with the
 * image. Its page may load from the board only (the policy below), and
 * is served on a port of its own, over HTTPS: an origin of its own, so
 * that no script of the site (which the owner may take from anyone) can
 * read its storage or password, frame or script it, or put a service
 * worker over it; and a secure one, which its service worker and the
 * credentials it asks for need. CodeMirror adds <style> elements, hence
 * 'unsafe-inline' for styles; scripts are the bundle's files alone.
 */
#define EDITOR_REF "refs/appliance/editor"
static const char editor_csp[] =
    "Content-Security-Policy: default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' blob: data:; frame-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'none'; frame-ancestors 'self'\r\n";

/*
 * The service worker an editor from before its move left on the site's
 * origin (scope /edit/) answers /edit/ from its cache, so the browser
 * never sees the redirect below, and its update check of /edit/sw.js
 * refuses a redirect: that old editor would live on where the site's
 * scripts reach it. This worker, its update, drops that editor's cached
 * files, unregisters itself, and reloads the pages it had, which then
 * go to the editor's own origin. (That origin's IndexedDB copy stays
 * behind, commits not yet synced with it.)
 */
static const char retiring_worker[] =
    "// The editor has moved to an origin of its own (port 8443): this replaces\n"
    "// the service worker an older editor left here, and then itself.\n"
    "self.addEventListener('install', () => self.skipWaiting());\n"
    "self.addEventListener('activate', (event) => event.waitUntil((async () => {\n"
    "\tfor (const name of await caches.keys())\n"
    "\t\tif (name.startsWith('editor-')) await caches.delete(name);\n"
    "\tawait self.registration.unregister();\n"
    "\tfor (const client of await self.clients.matchAll({ type: 'window' }))\n"
    "\t\tclient.navigate(client.url);\n"
    "})()));\n";

/* `path` (site_path's) is the editor's: "/edit", or below "/edit/". */
static bool editor_path(const char *path)
{
	return !strncmp(path, "site/edit", 9) && (path[9] == '/' || path[9] == '\0');
}

/* `path` is "site/edit..." (site_path's): the editor's file, as its tree has it. */
static void editor_answer(struct http_resp *r, const struct http_request *req, char *path,
                          size_t size, bool slash, bool head_only)
{
	struct store *st = store_service();
	struct store_oid tree, oid;
	bool dir;
	int err;

	memmove(path, path + 5, strlen(path + 5) + 1);
	if (!st || (err = http_cache_ref_tree(st, EDITOR_REF, &tree)) == -ENOENT) {
		http_site_error(r, 404, "this image has no editor\n");
		return;
	}
	if (err || (err = find(st, &tree, path, size, &oid, &dir))) {
		if (absent(err))
			http_site_error(r, 404, "not found\n");
		else
			store_failed(r, err);
		return;
	}
	if (dir && !slash) {
		start(r, 301);
		put(r, "Location: /%.*s/\r\nContent-Length: 0\r\n\r\n",
		    (int)(strlen(path) - strlen("/index.html")), path);
		return;
	}
	if (strlen(r->fields) + sizeof(editor_csp) <= sizeof(r->fields))
		strcat(r->fields, editor_csp);
	serve_file(r, st, req, &tree, &oid, path, head_only);
}

/*
 * The editor's port: the editor, "/" sent to it, and nothing of the site:
 * its paths are sent to the site's port (http_git.c has /site.git).
 */
static void editor_port_answer(struct http_resp *r, const struct http_request *req,
                               const struct http_peer *peer, bool head_only)
{
	char path[SITE_PATH_MAX + 16];
	bool slash;
	int status;

	if ((status = site_path(req, path, SITE_PATH_MAX, &slash))) {
		http_site_error(r, status, "bad path\n");
	} else if (!strcmp(path, "site")) {
		start(r, 301);
		put(r, "Location: /edit/\r\nContent-Length: 0\r\n\r\n");
	} else if (!editor_path(path)) {
		to_port(r, req, peer, 0); /* the site's */
	} else {
		editor_answer(r, req, path, sizeof(path), slash, head_only);
	}
}

void http_site_answer(struct http_resp *r, const struct http_request *req,
                      const struct http_peer *peer)
{
	char path[SITE_PATH_MAX + 16];
	struct store *st = store_service();
	struct store_oid tree, oid;
	bool head_only = req->method_len == 4 && !memcmp(req->method, "HEAD", 4), slash, dir;
	int status, err;

	/*
	 * A body nothing here reads must not be taken for the next request
	 * (request smuggling): answer, then close.
	 */
	r->close = wants_close(req) || req->content_length || req->chunked;
	r->head_only = head_only;
	r->keep_alive = req->minor == 0;
	r->chunked = req->minor >= 1;
	/* Git's clients get the repository over both (a push needs HTTPS: http_git.c says so). */
	if (http_git_answer(r, req, peer)) {
		if (r->takes_body)
			r->close = wants_close(req);
		return;
	}
	if (!head_only && !(req->method_len == 3 && !memcmp(req->method, "GET", 3))) {
		http_site_error(r, 405, "only GET and HEAD\n");
		return;
	}
	if (peer->editor) {
		editor_port_answer(r, req, peer, head_only);
		return;
	}
	status = site_path(req, path, SITE_PATH_MAX, &slash);
	if (!status && editor_path(path)) {
		/* Not on the site's origin: to the editor's own. */
		if (!strcmp(path, "site/edit/sw.js"))
			made(r, strdup(retiring_worker), "text/javascript; charset=utf-8",
			     head_only);
		else if (peer->edit_port)
			to_port(r, req, peer, peer->edit_port);
		else
			http_site_error(
			    r, 503, "the editor's HTTPS port is not open (see the board's log)\n");
		return;
	}
	if (to_https(r, req, peer) || appliance_page(r, req, peer->lan, head_only))
		return;
	if (status) {
		http_site_error(r, status, "bad path\n");
		return;
	}
	if (!st) {
		http_site_error(r, 503, "the store is not open\n");
		return;
	}
	if ((err = http_cache_ref_tree(st, SITE_REF, &tree)) == -ENOENT) {
		http_site_error(r, 404, "no site yet\n");
		return;
	}
	if (err || (err = find(st, &tree, path, sizeof(path), &oid, &dir))) {
		if (absent(err))
			not_found(r, st, &tree, head_only);
		else
			store_failed(r, err);
		return;
	}
	if (dir && !slash) {
		/* A directory without its slash: relative links inside need it. */
		start(r, 301);
		put(r, "Location: %.*s/\r\nContent-Length: 0\r\n\r\n",
		    (int)(strlen(path) - strlen("/index.html") - 4), path + 4);
		return;
	}
	serve_file(r, st, req, &tree, &oid, path, head_only);
}

int http_site_skip(struct http_resp *r, uint8_t *buf, size_t len)
{
	uint64_t budget = HTTP_SKIP_PER_TURN;
	size_t got;

	/* The bytes before a range are read and dropped: the blob streams from its start. */
	while (r->skip && budget) {
		size_t n = r->skip < len ? (size_t)r->skip : len;
		if (store_blob_read(r->blob, buf, n, &got) || !got)
			return -1;
		r->skip -= got;
		budget = budget > got ? budget - got : 0;
	}
	return r->skip ? 1 : 0;
}

size_t http_site_body(struct http_resp *r, uint8_t *buf, size_t len)
{
	size_t got;

	if (r->mem || r->cached) {
		const uint8_t *from =
		    r->mem ? (const uint8_t *)r->mem : http_cache_data(r->cached, &got);

		got = len < r->body_left ? len : (size_t)r->body_left;
		memcpy(buf, from + r->mem_off, got);
		r->mem_off += got;
		r->body_left -= got;
		return got;
	}
	if (len > r->body_left)
		len = (size_t)r->body_left;
	if (store_blob_read(r->blob, buf, len, &got) || !got)
		return 0;
	r->body_left -= got;
	return got;
}

void http_site_done(struct http_resp *r)
{
	store_blob_close(r->blob);
	r->blob = NULL;
	free(r->mem);
	r->mem = NULL;
	made_bytes -= r->made;
	r->made = 0;
	http_cache_put(r->cached);
	r->cached = NULL;
	free(r->stash);
	r->stash = NULL;
	r->stash_len = 0;
	if (r->stream.free)
		r->stream.free(r->stream.ctx);
	memset(&r->stream, 0, sizeof(r->stream));
	r->takes_body = r->streaming = r->stream_ended = r->head_only = false;
	r->fields[0] = '\0';
	r->active = false;
}
