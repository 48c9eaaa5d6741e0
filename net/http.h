/*
 * The HTTP/1.1 server: the site (tree site/ of branch main in the store)
 * over altcp, so plain TCP and, later, TLS share this code.
 *
 * Per connection (struct http_conn, http.c): the bytes of a request head
 * (HTTP_MAX_HEAD, 16 KiB), a 4 KiB piece of the body being sent and the
 * blob reader's ~44 KiB while a file streams: about 65 KiB at most, 17
 * KiB between responses. At most HTTP_MAX_CONNS connections (the next are
 * refused); a head must arrive within HTTP_HEAD_NS (slow clients get 408)
 * and a connection idle HTTP_IDLE_NS between requests is closed.
 */
#ifndef NET_HTTP_H
#define NET_HTTP_H

#define HTTP_MAX_CONNS 32
#define HTTP_HEAD_NS (10ull * 1000000000u)
#define HTTP_IDLE_NS (30ull * 1000000000u)

/* Listen on port 80 (appliance.conf http=off: not at all). */
int http_start(void);

#endif
