/*
 * A zone file written back after an update (update.h): the file's lines,
 * the records deleted and added put into them, the SOA's serial raised
 * where it is written, the result read back and compared with the records
 * expected, and written whole when it does not hold them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "update_int.h"
#include "zone.h"

/* The file's lines: off[k] is where line k (1-based) starts, off[n + 1] the end. */
struct lines {
	uint32_t *off;
	uint32_t n;
};

/* ---- the file's lines ---- */

static int lines_index(const char *text, size_t len, struct lines *l)
{
	uint32_t n = 0, k = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	n += len && text[len - 1] != '\n';
	if (!(l->off = malloc((n + 2) * sizeof(*l->off))))
		return -ENOMEM;
	l->n = n;
	l->off[1] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' && ++k <= n)
			l->off[k] = (uint32_t)i + 1;
	l->off[n + 1] = (uint32_t)len;
	return 0;
}

/* The last line of the record starting on `line`: its parentheses closed (RFC 1035 5.1). */
static uint32_t record_end(const char *text, const struct lines *l, uint32_t line)
{
	int depth = 0;
	bool quoted = false;

	for (size_t i = l->off[line]; i < l->off[l->n + 1]; i++) {
		char ch = text[i];
		if (ch == '\\')
			i++;
		else if (ch == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (ch == ';')
			while (i + 1 < l->off[l->n + 1] && text[i + 1] != '\n')
				i++;
		else if (ch == '(')
			depth++;
		else if (ch == ')')
			depth--;
		else if (ch == '\n' && depth <= 0)
			return line;
		if (i < l->off[l->n + 1] && text[i] == '\n')
			line++;
	}
	return line > l->n ? l->n : line;
}

/* ---- the file written back ---- */

struct sb {
	char *p;
	size_t n, cap;
	bool failed;
};

static void sb_put(struct sb *s, const char *p, size_t n)
{
	if (s->failed)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *q;
		while (cap < s->n + n + 1)
			cap *= 2;
		if (!(q = realloc(s->p, cap))) {
			s->failed = true;
			return;
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

/* A record as one line of a master file: absolute owner, TTL, class, type, rdata. */
static int rec_text(const struct ctx *c, const struct rec *x)
{
	char type[12];
	int w = dns_name_to_text(OWNER(&c->r, x), c->tb, DNS_NAME_MAX * 4 + 2), t;

	if (w < 0)
		return w;
	if (c->tb[0] == '$') { /* a label starting with '$' is not a directive */
		memmove(c->tb + 1, c->tb, (size_t)w + 1);
		c->tb[0] = '\\';
		w++;
	}
	w += snprintf(c->tb + w, 64, " %lu IN %s ", (unsigned long)x->ttl,
	              dns_type_to_text(x->type, type));
	if ((t = dns_rdata_to_text(x->type, RDATA(&c->r, x), x->rdlen, c->tb + w,
	                           TB_SIZE - (size_t)w - 2)) < 0)
		return t;
	w += t;
	c->tb[w++] = '\n';
	c->tb[w] = '\0';
	return w;
}

static const struct recs *order_of; /* qsort's context */

/* Records by owner (canonical order), then type. */
static int owner_type_cmp(const void *pa, const void *pb)
{
	const struct rec *a = &order_of->v[*(const uint32_t *)pa];
	const struct rec *b = &order_of->v[*(const uint32_t *)pb];
	int d = dns_name_cmp(OWNER(order_of, a), OWNER(order_of, b));

	return d ? d : a->type - b->type;
}

/* Records by line, then by position (the order the update added them). */
static int line_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	uint32_t la = order_of->v[a].line, lb = order_of->v[b].line;

	return la != lb ? (la > lb) - (la < lb) : (a > b) - (a < b);
}

/* Its RRset's last line in the file for each record in v[from, to) (one name's), else 0. */
static void anchor_sets(struct ctx *c, const uint32_t *v, size_t from, size_t to, uint32_t name_end,
                        uint32_t nlines)
{
	for (size_t set = from, after; set < to; set = after) {
		uint32_t set_end = 0;
		for (after = set; after < to && c->r.v[v[after]].type == c->r.v[v[set]].type;
		     after++)
			if (v[after] < c->norig && c->r.v[v[after]].end > set_end)
				set_end = c->r.v[v[after]].end;
		for (size_t k = set; k < after; k++)
			if (v[k] >= c->norig)
				c->r.v[v[k]].line = c->r.v[v[k]].end = set_end    ? set_end
				                                       : name_end ? name_end
				                                                  : nlines;
	}
}

/*
 * Where each record the update added goes (its `line`): after its RRset's
 * last line, else its name's, else at the end (nlines). Then the added
 * records in the order they are written, into *added (c->r.n - c->norig
 * of them). Every record sorted by owner and type once: a set of N records
 * whose TTL changed (each added again) costs N log N, not a scan of the
 * file for each. 0 or -ENOMEM.
 */
static int anchor_added(struct ctx *c, uint32_t nlines, uint32_t **added)
{
	size_t n = c->r.n, na = n - c->norig;
	uint32_t *v = malloc((n ? n : 1) * sizeof(*v));

	*added = malloc((na ? na : 1) * sizeof(**added));
	if (!v || !*added) {
		free(v);
		free(*added);
		*added = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (uint32_t)i;
	order_of = &c->r;
	qsort(v, n, sizeof(*v), owner_type_cmp);
	for (size_t name = 0, next; name < n; name = next) {
		const uint8_t *owner = OWNER(&c->r, &c->r.v[v[name]]);
		uint32_t name_end = 0;
		for (next = name; next < n && dns_name_eq(OWNER(&c->r, &c->r.v[v[next]]), owner);
		     next++)
			if (v[next] < c->norig && c->r.v[v[next]].end > name_end)
				name_end = c->r.v[v[next]].end;
		anchor_sets(c, v, name, next, name_end, nlines);
	}
	free(v);
	for (size_t i = 0; i < na; i++)
		(*added)[i] = (uint32_t)(c->norig + i);
	qsort(*added, na, sizeof(**added), line_cmp);
	return 0;
}

struct edit {
	const struct lines *l;
	const char *text;
	size_t soa;         /* the SOA record whose serial is rewritten in place, or SIZE_MAX */
	uint32_t serial_at; /* where its serial's digits are in the text */
	uint32_t serial_len;
	uint32_t new_serial;
};

/* The added records anchored after line k, from *next on in `added` (anchor_added's order). */
static int put_added(struct ctx *c, const struct edit *e, uint32_t k, const uint32_t *added,
                     size_t *next, struct sb *s)
{
	for (; *next < c->r.n - c->norig && c->r.v[added[*next]].line == k; ++*next) {
		const struct rec *a = &c->r.v[added[*next]];
		int n;
		if (a->gone || (e->soa != SIZE_MAX && a->type == DNS_T_SOA))
			continue;
		if ((n = rec_text(c, a)) < 0)
			return n;
		sb_put(s, c->tb, (size_t)n);
	}
	return 0;
}

/* The file with the records gone left out and those added put in. */
static int edit_in_place(struct ctx *c, const struct edit *e, struct sb *s)
{
	const struct lines *l = e->l;
	uint8_t *skip = calloc(l->n + 2, 2), *start = skip ? skip + l->n + 2 : NULL;
	const char *owner = NULL; /* a deleted line's owner, which a blank owner after it took */
	size_t owner_len = 0, next = 0;
	uint32_t *added = NULL;
	int r = 0;

	if (!skip || anchor_added(c, (uint32_t)l->n, &added)) {
		free(skip);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->norig; i++) {
		const struct rec *o = &c->r.v[i];
		start[o->line] = 1;
		if (o->gone && i != e->soa)
			memset(skip + o->line, 1, o->end - o->line + 1);
	}
	for (uint32_t k = 1; k <= l->n && !r; k++) {
		const char *p = e->text + l->off[k];
		size_t n = l->off[k + 1] - l->off[k], lead = 0;
		bool blank_owner = n && (p[0] == ' ' || p[0] == '\t');
		if (skip[k]) {
			if (start[k] && !blank_owner) {
				owner = p;
				owner_len = 0;
				while (owner_len < n && !strchr(" \t\r\n;", p[owner_len]))
					owner_len++;
			}
			r = put_added(c, e, k, added, &next, s);
			continue;
		}
		if (owner && start[k] && blank_owner)
			sb_put(s, owner, owner_len);
		while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
			lead++;
		if (lead < n && p[lead] != '\n' && p[lead] != '\r' && p[lead] != ';')
			owner = NULL; /* a record or directive: the deleted owner is no one's now */
		if (e->soa != SIZE_MAX && e->serial_at >= l->off[k] &&
		    e->serial_at < l->off[k + 1]) {
			char digits[12];
			size_t before = e->serial_at - l->off[k];
			sb_put(s, p, before);
			sb_put(s, digits,
			       (size_t)snprintf(digits, sizeof(digits), "%lu",
			                        (unsigned long)e->new_serial));
			sb_put(s, p + before + e->serial_len, n - before - e->serial_len);
		} else {
			sb_put(s, p, n);
		}
		if (!n || p[n - 1] != '\n')
			sb_put(s, "\n", 1);
		r = put_added(c, e, k, added, &next, s);
	}
	free(added);
	free(skip);
	return r ? r : s->failed ? -ENOMEM : 0;
}

/* The whole file, one record a line, when an edit in place would change other records. */
static int write_whole(struct ctx *c, struct sb *s)
{
	static const char head[] =
	    "; Written whole by a DNS update (RFC 2136): an edit in place would have\n"
	    "; changed the owner or TTL of records it did not touch.\n";

	sb_put(s, head, sizeof(head) - 1);
	for (size_t i = 0; i < c->r.n; i++) {
		int n;
		if (c->r.v[i].gone)
			continue;
		if ((n = rec_text(c, &c->r.v[i])) < 0)
			return n;
		sb_put(s, c->tb, (size_t)n);
	}
	return s->failed ? -ENOMEM : 0;
}

/* Where the SOA's serial is written in its lines: 0, or -ENOENT (then the SOA is written anew). */
static int find_serial(const struct edit *e, const struct rec *soa, uint32_t serial, uint32_t *at,
                       uint32_t *len)
{
	const char *t = e->text;
	size_t i = e->l->off[soa->line], end = e->l->off[soa->end + 1];
	int tok = -1; /* tokens after "SOA" */

	while (i < end) {
		size_t j;
		if (strchr(" \t\r\n()", t[i])) {
			i++;
			continue;
		}
		if (t[i] == ';') {
			while (i < end && t[i] != '\n')
				i++;
			continue;
		}
		for (j = i; j < end && !strchr(" \t\r\n();", t[j]); j++)
			;
		if (tok < 0 && j - i == 3 && !strncasecmp(t + i, "SOA", 3)) {
			tok = 0;
		} else if (tok >= 0 && ++tok == 3) {
			char digits[12];
			int n = snprintf(digits, sizeof(digits), "%lu", (unsigned long)serial);
			if ((size_t)n != j - i || memcmp(digits, t + i, j - i))
				return -ENOENT; /* written with a unit or leading zeros: not touched
				                 */
			*at = (uint32_t)i;
			*len = (uint32_t)(j - i);
			return 0;
		}
		i = j;
	}
	return -ENOENT;
}

/* ---- checking the result ---- */

struct key {
	const uint8_t *owner, *rdata;
	uint32_t ttl;
	uint16_t type, rdlen;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int d = dns_name_cmp(a->owner, b->owner);

	if (d)
		return d;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	if ((d = memcmp(a->rdata, b->rdata, a->rdlen)))
		return d;
	return a->ttl < b->ttl ? -1 : a->ttl > b->ttl;
}

static struct key *keys_of(const struct recs *r, size_t *n)
{
	struct key *k = malloc((r->n ? r->n : 1) * sizeof(*k));

	*n = 0;
	if (!k)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].gone)
			k[(*n)++] = (struct key){OWNER(r, &r->v[i]), RDATA(r, &r->v[i]),
			                         r->v[i].ttl, r->v[i].type, r->v[i].rdlen};
	qsort(k, *n, sizeof(*k), key_cmp);
	return k;
}

/* The new file holds exactly the records expected: 1, 0, or -ENOMEM. */
static int holds_expected(struct ctx *c, const char *file, const struct sb *s)
{
	struct recs again = {0};
	char err[256];
	struct key *a = NULL, *b = NULL;
	size_t na, nb;
	int r = dns_zone_parse(file, s->p, s->n, c->apex, update_on_rr, &again, err, sizeof(err));

	if (r == -ENOMEM)
		goto out;
	if (!r && (!(a = keys_of(&c->r, &na)) || !(b = keys_of(&again, &nb)))) {
		r = -ENOMEM;
		goto out;
	}
	r = !r && na == nb;
	for (size_t i = 0; r == 1 && i < na; i++)
		r = !key_cmp(&a[i], &b[i]);
out:
	free(a);
	free(b);
	update_recs_free(&again);
	return r;
}

/* The changes, for the commit message. */
void update_log(struct ctx *c, struct dns_update *u)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = pass ? c->norig : 0; i < (pass ? c->r.n : c->norig); i++) {
			const struct rec *x = &c->r.v[i];
			size_t room = sizeof(u->log) - u->log_len;
			int n;
			/* Pass 0: the file's records deleted; pass 1: those added. */
			if ((pass == 0) != x->gone || (n = rec_text(c, x)) < 0)
				continue;
			pass ? u->added++ : u->deleted++;
			/* The shortest line and its NUL fit whole, or none goes. */
			if (room < sizeof("+ ...\n"))
				continue;
			if ((size_t)n + 3 > room - 5 || (size_t)n > 200) {
				n = n > 200 ? 200 : n;
				if ((size_t)n + 8 > room)
					n = (int)room - 8 > 0 ? (int)room - 8 : 0;
				u->log_len +=
				    (size_t)snprintf(u->log + u->log_len, room, "%c %.*s...\n",
				                     pass ? '+' : '-', n, c->tb);
			} else {
				u->log_len += (size_t)snprintf(u->log + u->log_len, room, "%c %s",
				                               pass ? '+' : '-', c->tb);
			}
		}
}

/* The new file, the SOA's serial raised if the update did not give one: 0 or -errno. */
int update_write(struct ctx *c, const char *file, const char *text, size_t len,
                 struct dns_update *u)
{
	struct lines l = {0};
	struct edit e = {&l, text, SIZE_MAX, 0, 0, 0};
	struct sb s = {0};
	int r;

	if ((r = lines_index(text, len, &l)))
		return r;
	for (size_t i = 0; i < c->norig; i++)
		c->r.v[i].end = record_end(text, &l, c->r.v[i].line);
	if (!c->soa_set) {
		/* RFC 2136 3.6: past what is served (service.c may serve more than the file says).
		 */
		for (size_t i = 0; i < c->norig && e.soa == SIZE_MAX; i++) {
			struct rec *soa = &c->r.v[i];
			uint32_t file_serial = update_soa_serial(RDATA(&c->r, soa), soa->rdlen);
			long d;
			if (soa->gone || soa->type != DNS_T_SOA)
				continue;
			e.new_serial =
			    (dns_serial_lt(c->served, file_serial) ? file_serial : c->served) + 1;
			/* The expected records: the SOA with its new serial. */
			if ((d = update_arena_dup(&c->r, soa->rdata, soa->rdlen)) < 0 ||
			    (r = update_push(c, soa->owner, (uint32_t)d, DNS_T_SOA, soa->rdlen,
			                     soa->ttl))) {
				r = -ENOMEM;
				goto out;
			}
			soa = &c->r.v[i]; /* push may have moved the array */
			dns_put32(c->r.arena + d + soa->rdlen - 20, e.new_serial);
			soa->gone = true;
			if (!find_serial(&e, soa, file_serial, &e.serial_at, &e.serial_len))
				e.soa = i;
			/* The SOA written again on other lines is this one: they go. */
			for (size_t j = i + 1; j < c->norig; j++)
				c->r.v[j].gone |= c->r.v[j].type == DNS_T_SOA;
			break;
		}
	}
	if ((r = edit_in_place(c, &e, &s)) || (r = holds_expected(c, file, &s)) < 0)
		goto out;
	if (!r) {
		free(s.p);
		memset(&s, 0, sizeof(s));
		u->rewritten = true;
		if ((r = write_whole(c, &s)) || (r = holds_expected(c, file, &s)) < 0)
			goto out;
		if (!r) {
			snprintf(u->why, sizeof(u->why),
			         "the zone written back does not read back");
			r = -EINVAL;
			goto out;
		}
	}
	u->text = s.p;
	u->len = s.n;
	s.p = NULL;
	r = 0;
out:
	free(s.p);
	free(l.off);
	return r;
}
