/*
 * net/http_site.c (included, for its statics) over a store in memory and
 * the real path cache (http_cache.c): what a request's target answers.
 * A directory named without its slash is redirected to its one canonical
 * path: never to "//name/", which a browser reads as another host. A
 * Range with an If-Range that names another version is answered whole.
 * A precompressed file goes only to a client that takes gzip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/http_site.c"
#include "fixture.h"
#include "memblk.h"
#include "store/store_int.h"

#define DEV_SIZE (4u << 20)

/* What http_site.c calls beyond the store and the cache: idle stand-ins. */
struct http_stats http_stats;
struct tls_stats tls_stats;
struct dns_stats dns_stats;
static struct store *st;
static struct http_resp resp;

struct store *store_service(void)
{
	return st;
}

int http_git_answer(struct http_resp *r, const struct http_request *req,
                    const struct http_peer *peer)
{
	(void)r, (void)req, (void)peer;
	return 0;
}

const struct tls_identity_info *tls_identity(void)
{
	return NULL;
}

void net_stats(struct net_stats *out)
{
	memset(out, 0, sizeof(*out));
}

uint64_t plat_now_ns(void)
{
	return 0;
}

void plat_wallclock(struct plat_wallclock *t)
{
	memset(t, 0, sizeof(*t));
}

void plat_mem_stats(struct plat_mem_stats *m)
{
	memset(m, 0, sizeof(*m));
}

static int setup(void **state)
{
	struct store_oid c;

	(void)state;
	fixture_device(DEV_SIZE);
	assert_int_equal(store_open(&st, false), 0);
	assert_int_equal(
	    fixture_commit(st, "refs/heads/main", "site/docs/index.html", "docs\n", &c), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	http_site_done(&resp);
	assert_int_equal(store_close(st), 0);
	st = NULL;
	memblk_free();
	return 0;
}

/* The head of the answer to `head` (a whole request head), NUL-terminated. */
static const char *answer(const char *head)
{
	static const struct http_peer peer = {.lan = true, .local = "192.0.2.2"};
	struct http_request req;
	int status;

	http_site_done(&resp);
	memset(&resp, 0, sizeof(resp));
	assert_true(http_parse_request(head, strlen(head), &req, &status) > 0);
	assert_int_equal(http_request_check(&req, &status), 0);
	http_site_answer(&resp, &req, &peer);
	resp.head[resp.head_len < sizeof(resp.head) ? resp.head_len : sizeof(resp.head) - 1] = '\0';
	return resp.head;
}

/*
 * Empty segments collapse in a lookup, so "//docs" names the directory
 * docs; its redirect must say "/docs/" (the old one said "//docs/": a
 * network-path reference, RFC 3986 section 4.2, to the host "docs").
 */
static void test_dir_redirect_one_slash(void **state)
{
	(void)state;
	assert_non_null(
	    strstr(answer("GET /docs HTTP/1.1\r\nHost: a\r\n\r\n"), "\r\nLocation: /docs/\r\n"));
	assert_non_null(
	    strstr(answer("GET //docs HTTP/1.1\r\nHost: a\r\n\r\n"), "\r\nLocation: /docs/\r\n"));
	assert_non_null(
	    strstr(answer("GET /%2Fdocs HTTP/1.1\r\nHost: a\r\n\r\n"), "\r\nLocation: /docs/\r\n"));
	assert_non_null(strstr(answer("GET ///docs// HTTP/1.1\r\nHost: a\r\n\r\n"), "200 OK"));
}

/* A GET of /docs/index.html with `fields` (each line with its CRLF). */
static const char *get_with(const char *fields)
{
	static char head[512];

	snprintf(head, sizeof(head), "GET /docs/index.html HTTP/1.1\r\nHost: a\r\n%s\r\n", fields);
	return answer(head);
}

/*
 * RFC 9110 13.1.5: a server that supports ranges evaluates If-Range, and
 * if its validator does not match the representation's (a strong ETag
 * compared strongly; we send no Last-Modified, so no date matches) it
 * MUST ignore the Range: a client resuming a download of a version that
 * has changed since gets the new one whole, not its bytes spliced onto
 * the old one's.
 */
static void test_if_range(void **state)
{
	struct store_oid blob;
	char hex[STORE_OID_HEX], fields[160];

	(void)state;
	store_object_id(STORE_OBJ_BLOB, "docs\n", 5, &blob);
	store_oid_hex(&blob, hex);
	assert_non_null(strstr(get_with("Range: bytes=1-2\r\n"), "206 Partial Content"));
	snprintf(fields, sizeof(fields), "Range: bytes=1-2\r\nIf-Range: \"%s\"\r\n", hex);
	assert_non_null(strstr(get_with(fields), "\r\nContent-Range: bytes 1-2/5\r\n"));
	assert_non_null(
	    strstr(get_with("Range: bytes=1-2\r\n"
	                    "If-Range: \"ce013625030ba8dba906f756967f9e9ca394464a\"\r\n"),
	           "200 OK"));
	assert_non_null(strstr(get_with("Range: bytes=1-2\r\n"
	                                "If-Range: Sat, 01 Jan 2000 00:00:00 GMT\r\n"),
	                       "200 OK"));
	/* Weak: never a strong match. */
	snprintf(fields, sizeof(fields), "Range: bytes=1-2\r\nIf-Range: W/\"%s\"\r\n", hex);
	assert_non_null(strstr(get_with(fields), "200 OK"));
}

/*
 * The file's ".gz" twin goes to a client whose Accept-Encoding lists gzip
 * with a weight above 0: "gzip;q=0" says it does not take gzip (RFC 9110
 * 12.5.3), and a coding that only contains the letters is another.
 */
static void test_gzip_only_if_accepted(void **state)
{
	static const char gz[] = "\r\nContent-Encoding: gzip\r\n";
	struct store_oid c;

	(void)state;
	assert_null(strstr(get_with(""), "Vary:"));
	assert_int_equal(
	    fixture_commit(st, "refs/heads/main", "site/docs/index.html.gz", "not docs\n", &c), 0);
	/* Either copy says the answer depends on Accept-Encoding (RFC 9110 12.5.5). */
	assert_non_null(strstr(get_with(""), "\r\nVary: Accept-Encoding\r\n"));
	assert_non_null(
	    strstr(get_with("Accept-Encoding: gzip\r\n"), "\r\nVary: Accept-Encoding\r\n"));
	assert_non_null(strstr(get_with("Accept-Encoding: gzip\r\n"), gz));
	assert_non_null(strstr(get_with("Accept-Encoding: br, GZIP;q=0.5\r\n"), gz));
	assert_non_null(strstr(get_with("Accept-Encoding: x-gzip\r\n"), gz));
	assert_null(strstr(get_with(""), gz));
	assert_null(strstr(get_with("Accept-Encoding: gzip;q=0\r\n"), gz));
	assert_null(strstr(get_with("Accept-Encoding: identity, gzip ; q=0.000\r\n"), gz));
	assert_null(strstr(get_with("Accept-Encoding: nogzip\r\n"), gz));
}

/*
 * A store that cannot read (its device failing) answers 503 with a time to
 * try again, not 404: a browser or a cache would keep a 404 of the home
 * page. A file that is not there is still 404. (The old code: 404.)
 */
static void test_store_failure_is_503(void **state)
{
	struct store_oid c;
	const char *h;

	(void)state;
	assert_int_equal(
	    fixture_commit(st, "refs/heads/main", "site/failing/page.html", "a page\n", &c), 0);
	/* Nothing of it cached: the reads go to the device, which fails them. */
	store_log_cache_drop(&st->log);
	store_base_cache_clear(st);
	memblk_fail_reads(1, -EIO);
	h = answer("GET /failing/page.html HTTP/1.1\r\nHost: a\r\n\r\n");
	memblk_fail_read(0, 0);
	assert_non_null(strstr(h, "HTTP/1.1 503 "));
	assert_non_null(strstr(h, "\r\nRetry-After: 5\r\n"));
	assert_non_null(
	    strstr(answer("GET /failing/page.html HTTP/1.1\r\nHost: a\r\n\r\n"), "200 OK"));
	assert_non_null(
	    strstr(answer("GET /failing/nope.html HTTP/1.1\r\nHost: a\r\n\r\n"), "404 "));
	assert_non_null(
	    strstr(answer("GET /failing/page.html/x HTTP/1.1\r\nHost: a\r\n\r\n"), "404 "));
}

/* A body of `len` bytes made in memory, answered in `r`: its status line's code. */
static int made_status(struct http_resp *r, size_t len)
{
	void *data = malloc(len);

	assert_non_null(data);
	memset(r, 0, sizeof(*r));
	http_site_made(r, data, len, "text/plain", false);
	return atoi(r->head + strlen("HTTP/1.1 "));
}

/*
 * Bodies made in memory (a Git advertisement of the store's 8,192 refs is
 * 1.5 MB) are held until their clients take them: 32 clients that do not
 * read held 32 of them (the old code took them all). Now HTTP_MADE_BYTES
 * in all; past it, with others held, 503 and Retry-After; one alone may
 * be larger, and what is sent frees its room.
 */
static void test_made_budget(void **state)
{
	static struct http_resp a, b;
	size_t mib = 1024 * 1024;

	(void)state;
	assert_int_equal(made_status(&a, 3 * mib), 200);
	assert_int_equal(made_status(&b, 2 * mib), 503);
	assert_non_null(strstr(b.head, "\r\nRetry-After: 5\r\n"));
	http_site_done(&b);
	assert_int_equal(made_status(&b, HTTP_MADE_BYTES - 3 * mib), 200);
	http_site_done(&b);
	http_site_done(&a);
	assert_int_equal(made_status(&a, HTTP_MADE_BYTES + mib), 200);
	assert_int_equal(made_status(&b, 1), 503);
	http_site_done(&a);
	http_site_done(&b);
	assert_int_equal(made_status(&b, 2 * mib), 200);
	http_site_done(&b);
	/*
	 * The rule both budgets share (http_cache.h's rebuilt copies too), past
	 * the budget already: the old check of the rebuilt copies subtracted
	 * what was held from the budget, which wrapped, and took everything.
	 */
	assert_true(http_over_budget(9 * mib, 1, 8 * mib));
	assert_true(http_over_budget(8 * mib, 1, 8 * mib));
	assert_true(http_over_budget(1 * mib, 7 * mib + 1, 8 * mib));
	assert_false(http_over_budget(1 * mib, 7 * mib, 8 * mib));
	assert_false(http_over_budget(0, 9 * mib, 8 * mib));
}

/*
 * /metrics shows every rcode the DNS server counts, by its registry name
 * (dns_rcode_name), an unassigned one by its number, besides the
 * NXDOMAIN and REFUSED totals the dashboards already read.
 */
static void test_dns_answers_by_rcode(void **state)
{
	unsigned lines = 0;
	char *text;

	(void)state;
	memset(&dns_stats, 0, sizeof(dns_stats));
	dns_stats.by_rcode[DNS_R_NOTAUTH] = 3;
	dns_stats.by_rcode[DNS_R_FORMERR] = 5;
	dns_stats.by_rcode[DNS_R_BADVERS] = 7;
	dns_stats.by_rcode[DNS_R_NXDOMAIN] = 11;
	dns_stats.by_rcode[13] = 2;
	text = metrics_text(NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"NOTAUTH\"} 3\n"));
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"FORMERR\"} 5\n"));
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"BADVERS\"} 7\n"));
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"NXDOMAIN\"} 11\n"));
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"13\"} 2\n"));
	assert_non_null(strstr(text, "\nappliance_dns_answers_total{rcode=\"BADCOOKIE\"} 0\n"));
	assert_non_null(strstr(text, "\nappliance_dns_nxdomain_total 11\n"));
	for (const char *p = text; (p = strstr(p, "\nappliance_dns_answers_total{")); p++)
		lines++;
	assert_int_equal(lines, DNS_STATS_RCODES);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dir_redirect_one_slash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_if_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gzip_only_if_accepted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_failure_is_503, setup, teardown),
	    cmocka_unit_test(test_made_budget),
	    cmocka_unit_test(test_dns_answers_by_rcode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
