/*
 * The HTTP/1.1 server: the site (tree site/ of branch main in the store)
 * over altcp, so plain TCP and, later, TLS share this code.
 *
 * Per connection (struct http_conn, http_int.h): 18,456 bytes on the guest
 * (sizeof, arm-none-eabi) -- the request head's buffer (HTTP_MAX_HEAD, 16
 * KiB) and the response head's -- plus, while a Git POST is answered, its
 * state (git/upload.h, git/receive.h) and, while a gzip request body
 * arrives, zlib's inflate state (about 40 KiB by zlib's own figures: 7 KiB
 * and the 32 KiB window), plus, while a file streams, the blob reader's
 * ~44 KiB (store_blob_open: zlib state, window and input; a file the store
 * keeps as a delta is rebuilt whole instead). So about 62 KiB at most, and
 * 2 MiB for HTTP_MAX_CONNS connections all streaming; the 4 KiB piece
 * being sent is shared. Bytes a client sends before the head buffer can
 * take them (requests pipelined behind an answer going out) wait on the
 * heap, copied out of lwIP's receive pool (net/rxq.h): up to TCP_WND (62
 * KiB) more for a client that sends and does not read. Over TLS
 * (tls/altcp_wolfssl.c) a connection costs about 3 KiB more while idle
 * (wolfSSL's session after the handshake; 21,126 vs 18,237 bytes measured
 * on the 64-bit twin) and up to one TLS record's buffers more while it
 * streams. Every connection's unacknowledged bytes (up to TCP_SND_BUF, 63
 * KiB) also live on the heap, in lwIP's queue; all told, 138 KiB per TLS
 * connection streaming a file to a client that does not read (twin) and
 * 4.4 MiB for HTTP_MAX_CONNS of them. A connection ends only once its
 * client has all of it (or is reset), so a closed one holds nothing queued
 * in lwIP beyond a FIN. More connections are refused; a head must arrive
 * within HTTP_HEAD_NS (slow clients get 408); a connection idle
 * HTTP_IDLE_NS between requests is closed, and one whose client takes less
 * than HTTP_PROGRESS_MIN bytes of its answer in HTTP_IDLE_NS is reset (a
 * window opened a byte at a time to lwIP's probes does not keep it). A
 * request body must bring HTTP_PROGRESS_MIN bytes in each HTTP_IDLE_NS
 * too, or it gets 408 (a byte at a time does not keep the connection, nor
 * a Git fetch's place).
 */
#ifndef NET_HTTP_H
#define NET_HTTP_H

#define HTTP_MAX_CONNS 32
#define HTTP_HEAD_NS (10ull * 1000000000u)
#define HTTP_IDLE_NS (30ull * 1000000000u)
#define HTTP_PROGRESS_MIN 1024
/*
 * An answer that holds a large delta's shared copy (http_cache.h), which
 * the other large deltas wait for, must be taken faster: this much in
 * each HTTP_IDLE_NS (about 70 kbit/s), or it is reset.
 */
#define HTTP_REBUILT_PROGRESS_MIN (256u * 1024)

#include "plat/plat.h"

/* Listen on port 80 (appliance.conf http=off: not at all). */
int http_start(void);
/* Shutdown hook: stop accepting, let responses in flight finish. */
int http_stop(void *arg, enum plat_shutdown why);

#endif
