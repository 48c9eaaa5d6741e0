/* Private to the HTTP server: a connection and the response it sends. */
#ifndef NET_HTTP_INT_H
#define NET_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "http_body.h"
#include "http_cache.h"
#include "http_parse.h"
#include "lwip/pbuf.h"
#include "net/rxq.h"
#include "plat/plat.h"
#include "store/store.h"

struct http_resp;

/*
 * A request whose body and answer a service streams (Git's POSTs): the
 * server decodes the body (counted or chunked, gzip) and hands it over as
 * it arrives; the answer's head is set by `end` with http_site_stream and
 * its body comes from `read` as the socket takes it, sent chunked.
 */
struct http_stream {
	/* Body bytes: 0, or -1 once an error answer is set on r (sent, then close). */
	int (*body)(void *ctx, const uint8_t *data, size_t len, struct http_resp *r);
	/* The whole body is in: set the answer on r. */
	void (*end)(void *ctx, struct http_resp *r);
	/*
	 * The answer's next bytes into buf: > 0, 0 at its end, -EAGAIN for none
	 * yet (called again on the loop's next turn), another negative value
	 * failed (the connection closes).
	 */
	long (*read)(void *ctx, uint8_t *buf, size_t len);
	void (*free)(void *ctx);
	void *ctx;
};

struct http_resp {
	bool active;
	bool close;      /* close the connection once it is sent */
	bool keep_alive; /* else say it stays open (HTTP/1.0 asked for that) */
	bool tls;        /* over TLS: the head carries HSTS */
	bool head_only;  /* a HEAD: no body, whatever the answer (http_site_answer sets it) */
	char head[1536]; /* status line and fields (and a short error body) */
	size_t head_len, head_off;
	struct store_blob *blob;
	struct http_cache_entry *cached; /* or a small file's bytes from the cache */
	char *mem;                       /* or a body made here (status, metrics), malloc'd */
	size_t made;                     /* its bytes, counted in the budget of such bodies */
	size_t mem_off;
	uint8_t *stash; /* a body piece TCP refused (out of segments): sent first */
	size_t stash_len;
	uint64_t skip;      /* bytes of the blob before a range */
	uint64_t body_left; /* body bytes still to send */
	int status;
	char fields[320];          /* more header fields for the next head (CORS, auth) */
	struct http_stream stream; /* a streamed request body and answer, if .ctx */
	bool takes_body;           /* the request's body goes to stream.body */
	bool chunked;              /* the client speaks HTTP/1.1: a stream is sent chunked */
	bool streaming;            /* the body comes from stream.read */
	bool stream_ended;         /* and its last chunk is out */
};

/* Who asked, and how (http.c fills it for http_site.c). */
struct http_peer {
	bool lan;    /* from a LAN prefix: may read status and metrics */
	bool tls;    /* over HTTPS */
	bool https;  /* HTTPS is up: plain HTTP requests are redirected */
	bool editor; /* on the editor's port (its own origin): the editor and /site.git only */
	uint16_t edit_port; /* that port, if it is up; else 0 */
	char local[56];     /* our address as the client reached it (no Host: field) */
	char addr[48];      /* the client's address */
};

/* What /metrics reports (http.c and http_site.c count). */
struct http_stats {
	uint64_t by_code[24]; /* indexed like the codes in http_site.c */
	uint64_t bytes_sent;
	uint64_t accepted, refused;
	uint64_t stalled; /* reset: the client took nothing of its answer for HTTP_IDLE_NS */
	unsigned conns;
	uint64_t started_ns;
};
extern struct http_stats http_stats;

/*
 * Waiting for a head; taking a request's body (a stream); sending a
 * response; all sent, waiting for it to be acknowledged.
 */
enum conn_state { CONN_HEAD, CONN_RECV, CONN_BODY, CONN_DRAIN };

/* Bytes of a head with nothing in them that may end it before it is parsed again anyway. */
#define HTTP_LOOK_STEP 512

struct http_conn {
	struct http_conn *next; /* the list of every connection (http.c) */
	struct altcp_pcb *pcb;
	enum conn_state state;
	struct plat_timer deadline; /* the head's time, or the idle time */
	uint32_t acked;             /* bytes acknowledged since the idle time was armed */
	uint32_t taken;             /* and bytes of the request body taken */
	struct plat_timer resume;   /* the next turn of a range's skipping */
	char in[HTTP_MAX_HEAD];     /* request bytes not yet answered */
	size_t in_len;
	size_t looked;          /* in_len when the head was last parsed and found incomplete */
	struct net_rxq pending; /* received, not yet taken into `in` (TCP's window holds) */
	bool tls;
	bool editor;             /* on the editor's port */
	struct http_body body;   /* the request body's framing (CONN_RECV) */
	struct z_stream_s *gzip; /* its gzip decoder, if Content-Encoding: gzip */
	bool gzip_end;           /* and the gzip stream has ended */
	bool go_on;              /* a 100 Continue is owed: it goes before anything else */
	bool peer_fin;           /* the client half-closed: what it asked goes, then the end */
	struct http_resp resp;
};

/* http.c: close every connection waiting for a request (shutdown). */
void http_conn_close_idle(void);

/* http_site.c: the response to a request (or an error), its body, its end. */
void http_site_answer(struct http_resp *r, const struct http_request *req,
                      const struct http_peer *peer);
void http_site_error(struct http_resp *r, int status, const char *text);
/*
 * 405 with the methods the target takes in Allow (RFC 9110 15.5.6);
 * http_site_error's 405 names the site's, GET and HEAD.
 */
void http_site_not_allowed(struct http_resp *r, const char *allow, const char *text);
size_t http_site_body(struct http_resp *r, uint8_t *buf, size_t len);
/*
 * A 200 whose body `data` (malloc'd, taken over) was made in memory, as
 * `type`. Such bodies (a Git advertisement: 1.5 MB for the store's 8,192
 * refs; /metrics, the status) are held until their client takes them,
 * HTTP_MADE_BYTES in all: past it, with others held, the answer is 503
 * and Retry-After (one alone may be larger).
 */
#define HTTP_MADE_BYTES (4u * 1024 * 1024)
void http_site_made(struct http_resp *r, void *data, size_t len, const char *type, bool head_only);

/*
 * The head of a streamed answer (struct http_stream): chunked over
 * HTTP/1.1, else to the connection's close. r->fields are added.
 */
void http_site_stream(struct http_resp *r, int status, const char *type);

/* http_git.c: 1 if the request was for the Git repository (answered), else 0. */
int http_git_answer(struct http_resp *r, const struct http_request *req,
                    const struct http_peer *peer);
/*
 * Drop up to HTTP_SKIP_PER_TURN bytes before a range (a client chooses how
 * many: at most that much inflating per turn of the loop): 1 if more remain,
 * 0 when none do, -1 if the store failed.
 */
#define HTTP_SKIP_PER_TURN (256u * 1024)
int http_site_skip(struct http_resp *r, uint8_t *buf, size_t len);
void http_site_done(struct http_resp *r);

#endif
