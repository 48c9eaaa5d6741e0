/* storectl import (a directory, or a pack) and export (a git repository). */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "git/auth.h"
#include "pack.h"
#include "store_int.h"
#include "storectl.h"

void ctl_nth_oid(struct store *st, uint32_t i, struct store_oid *oid)
{
	memcpy(oid->b, st->idx[i].oid, STORE_OID_LEN);
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct store_membuf m = {0};
	uint8_t buf[65536];
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (store_membuf_sink(&m, buf, n)) {
			fclose(f);
			free(m.p);
			return -ENOMEM;
		}
	fclose(f);
	*data = m.p ? m.p : malloc(1);
	*len = m.len;
	return *data ? 0 : -ENOMEM;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

/* ---- import DIR: the tree `git add -A && git write-tree` would make ---- */

struct imp {
	struct store *st;
	struct store_packw w;
	struct store_membuf pack;
	struct store_oidset added;
	uint32_t count;
};

static int put(struct imp *im, int type, const uint8_t *data, size_t len, struct store_oid *oid)
{
	int r;

	store_object_id(type, data, len, oid);
	if (store_has(im->st, oid) || (r = store_oidset_add(&im->added, oid)) == 0)
		return 0;
	if (r < 0)
		return r;
	im->count++;
	return store_packw_object(&im->w, type, data, len, NULL);
}

static int add_dir(struct imp *im, const char *dir, struct store_oid *out, bool *empty);

static int add_path(struct imp *im, const char *path, const struct stat *s,
                    struct store_tree_entry *e)
{
	uint8_t *data;
	size_t len;
	bool empty;
	int r;

	if (S_ISDIR(s->st_mode)) {
		e->mode = STORE_MODE_TREE;
		r = add_dir(im, path, &e->oid, &empty);
		return r ? r : empty ? 1 : 0;
	}
	if (S_ISLNK(s->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target));
		if (n < 0)
			return -errno;
		e->mode = STORE_MODE_LINK;
		return put(im, STORE_OBJ_BLOB, (uint8_t *)target, (size_t)n, &e->oid);
	}
	if (!S_ISREG(s->st_mode))
		return 1; /* sockets, fifos: git skips them too */
	/* Git records only whether any execute bit is set. */
	e->mode = s->st_mode & 0100 ? STORE_MODE_EXEC : STORE_MODE_FILE;
	if ((r = read_file(path, &data, &len)))
		return r;
	r = put(im, STORE_OBJ_BLOB, data, len, &e->oid);
	free(data);
	return r;
}

static int add_dir(struct imp *im, const char *dir, struct store_oid *out, bool *empty)
{
	DIR *d = opendir(dir);
	struct store_tree_entry *e = NULL;
	struct dirent *de;
	size_t n = 0, cap = 0;
	uint8_t *tree;
	size_t tlen;
	int r = d ? 0 : -errno;

	while (!r && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat s;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &s)) {
			r = -errno;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct store_tree_entry *p = realloc(e, sizeof(*e) * cap);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			e = p;
		}
		e[n].name_len = strlen(de->d_name);
		e[n].name = malloc(e[n].name_len + 1);
		if (!e[n].name) {
			r = -ENOMEM;
			break;
		}
		strcpy((char *)e[n].name, de->d_name);
		r = add_path(im, path, &s, &e[n]);
		if (r == 1)
			free((char *)e[n].name);
		else
			n++;
		r = r == 1 ? 0 : r;
	}
	if (d)
		closedir(d);
	*empty = n == 0;
	if (!r && !(r = store_tree_encode(e, n, &tree, &tlen))) {
		r = put(im, STORE_OBJ_TREE, tree, tlen, out);
		free(tree);
	}
	for (size_t i = 0; i < n; i++)
		free((char *)e[i].name);
	free(e);
	return r;
}

/* Patch the entry count into the header and append the trailer. */
static int finish_pack(struct imp *im)
{
	uint8_t sum[20];

	im->pack.p[8] = (uint8_t)(im->count >> 24);
	im->pack.p[9] = (uint8_t)(im->count >> 16);
	im->pack.p[10] = (uint8_t)(im->count >> 8);
	im->pack.p[11] = (uint8_t)im->count;
	store_sha1(im->pack.p, im->pack.len, sum);
	return store_membuf_sink(&im->pack, sum, sizeof(sum));
}

static int commit_tree(struct imp *im, const struct store_oid *tree, const char *msg,
                       struct store_ref_update *u)
{
	char ident[256], full[PATH_MAX];
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	long long t = epoch ? atoll(epoch) : (long long)time(NULL);
	bool parent = !store_ref_get(im->st, u->name, &u->old);
	uint8_t *data;
	size_t len;
	int r;

	snprintf(ident, sizeof(ident), "storectl <storectl@localhost> %lld +0000", t);
	snprintf(full, sizeof(full), "%s\n", msg);
	if (!parent)
		memset(&u->old, 0, sizeof(u->old));
	if ((r = store_commit_encode(tree, &u->old, parent, ident, ident, full, &data, &len)))
		return r;
	r = put(im, STORE_OBJ_COMMIT, data, len, &u->new);
	free(data);
	return r;
}

/*
 * import IMAGE DIR [-m MSG]: DIR as the tree of main, a commit on top of
 * what main was. editor IMAGE DIR [-m MSG]: the same on
 * refs/appliance/editor, the browser editor's files (net/http_site.c
 * serves its edit/ at /edit/), out of a push's reach.
 */
int ctl_import(int argc, char **argv)
{
	struct imp im = {0};
	struct store_oid tree;
	struct store_ref_update u = {.name = strcmp(argv[1], "editor") ? "refs/heads/main"
	                                                               : "refs/appliance/editor"};
	const char *msg = argc == 6 && !strcmp(argv[4], "-m") ? argv[5] : "import";
	char hex[STORE_OID_HEX];
	bool empty;
	int r;

	if (argc != 4 && argc != 6)
		return 2;
	if (ctl_open(argv[2], false, &im.st))
		return 1;
	r = store_packw_begin(&im.w, store_membuf_sink, &im.pack, UINT32_MAX);
	if (!r && !(r = add_dir(&im, argv[3], &tree, &empty)) &&
	    !(r = commit_tree(&im, &tree, msg, &u)) && !(r = finish_pack(&im)) &&
	    !(r = store_import_pack(im.st, im.pack.p, im.pack.len, NULL)))
		r = store_refs_update(im.st, &u, 1);
	if (!r) {
		store_oid_hex(&tree, hex);
		printf("tree %s\n", hex);
		store_oid_hex(&u.new, hex);
		printf("commit %s\n", hex);
	}
	store_oidset_free(&im.added);
	free(im.pack.p);
	if (!r)
		r = store_close(im.st);
	return r ? ctl_fail("import", r) : 0;
}

/* Stream a pack file into the store in 64 KiB pieces, as a push would arrive. */
static int stream_pack(struct store *st, FILE *f, uint64_t size, uint32_t *added)
{
	static uint8_t buf[65536];
	struct store_import *imp;
	size_t n;
	int r = store_import_begin(st, size, &imp);

	while (!r && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		r = store_import_write(imp, buf, n);
	if (!r && ferror(f))
		r = -EIO;
	if (r) {
		store_import_abort(imp);
		return r;
	}
	return store_import_end(imp, added);
}

int ctl_import_pack(int argc, char **argv)
{
	struct store *st;
	struct store_ref_update u = {0};
	struct stat sb;
	uint32_t added = 0;
	double t0;
	FILE *f;
	int r;

	if (argc != 4 && argc != 6)
		return 2;
	if (argc == 6 && store_oid_from_hex(argv[5], &u.new))
		return 2;
	if (!(f = fopen(argv[3], "rb")) || fstat(fileno(f), &sb))
		return ctl_fail(argv[3], -errno);
	if (ctl_open(argv[2], false, &st)) {
		fclose(f);
		return 1;
	}
	t0 = ctl_now();
	r = stream_pack(st, f, (uint64_t)sb.st_size, &added);
	fclose(f);
	if (!r && argc == 6) {
		u.name = argv[4];
		store_ref_get(st, u.name, &u.old);
		r = store_refs_update(st, &u, 1);
	}
	if (!r)
		printf("imported %u objects in %.3f s\n", added, ctl_now() - t0);
	if (!r)
		r = store_close(st);
	else
		store_close(st);
	return r ? ctl_fail("import-pack", r) : 0;
}

/* ---- pack: what some commits reach and others do not, to stdout ---- */

static int parse_oids(struct store *st, char **args, int n, struct store_oid *out)
{
	for (int i = 0; i < n; i++)
		if (store_oid_from_hex(args[i], &out[i]) && store_ref_get(st, args[i], &out[i]))
			return -ENOENT;
	return 0;
}

/* storectl pack IMAGE WANT... [--not HAVE...]: ids or ref names. */
int ctl_pack(int argc, char **argv)
{
	struct store_oid *oids = calloc((size_t)argc, sizeof(*oids));
	struct store_packer *p = NULL;
	struct store *st;
	int nw = 0, nh, r;
	uint8_t buf[65536];
	size_t got = 1;

	while (3 + nw < argc && strcmp(argv[3 + nw], "--not"))
		nw++;
	nh = 3 + nw < argc ? argc - 4 - nw : 0;
	if (argc < 4 || !oids || ctl_open(argv[2], false, &st)) {
		free(oids);
		return oids ? 2 : 1;
	}
	r = parse_oids(st, argv + 3, nw, oids);
	if (!r)
		r = parse_oids(st, argv + 4 + nw, nh, oids + nw);
	if (!r)
		r = store_packer_open(st, oids, (size_t)nw, oids + nw, (size_t)nh, &p);
	if (!r)
		fprintf(stderr, "storectl: pack of %u objects\n", store_packer_count(p));
	while (!r && got)
		if (!(r = store_packer_read(p, buf, sizeof(buf), &got)) && got &&
		    fwrite(buf, 1, got, stdout) != got)
			r = -EIO;
	store_packer_close(p);
	store_close(st);
	free(oids);
	return r ? ctl_fail("pack", r) : 0;
}

/* ---- export: a .git with one pack and its index ---- */

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

struct exp {
	const char *git;
	int r;
};

static int write_ref(void *ctx, const char *name, const struct store_oid *oid)
{
	struct exp *x = ctx;
	char path[PATH_MAX], hex[STORE_OID_HEX + 1], *slash;

	if (!strcmp(name, "HEAD"))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", x->git, name);
	slash = strrchr(path, '/');
	*slash = '\0';
	if ((x->r = mkdir_p(path)))
		return x->r;
	*slash = '/';
	store_oid_hex(oid, hex);
	strcat(hex, "\n");
	return x->r = write_file(path, hex, strlen(hex));
}

static int write_pack_files(const char *git, struct store *st)
{
	struct store_membuf m = {0};
	struct store_pack_index pix;
	char path[PATH_MAX], hex[STORE_OID_HEX];
	uint8_t *idx;
	size_t ilen;
	int r = store_pack_all(st, store_membuf_sink, &m, NULL, NULL);

	if (!r)
		r = store_pack_index(m.p, m.len, SIZE_MAX, NULL, NULL, &pix);
	if (r)
		goto free_pack;
	store_oid_hex((const struct store_oid *)pix.checksum, hex);
	snprintf(path, sizeof(path), "%s/objects/pack/pack-%s.pack", git, hex);
	if (!(r = write_file(path, m.p, m.len)) && !(r = store_pack_idx_write(&pix, &idx, &ilen))) {
		snprintf(path, sizeof(path), "%s/objects/pack/pack-%s.idx", git, hex);
		r = write_file(path, idx, ilen);
		free(idx);
	}
	store_pack_index_free(&pix);
free_pack:
	free(m.p);
	return r;
}

int ctl_export(int argc, char **argv)
{
	static const char config[] = "[core]\n\trepositoryformatversion = 0\n\tbare = false\n";
	struct store *st;
	struct exp x = {0};
	char git[PATH_MAX], path[PATH_MAX], head[STORE_REF_MAX + 8] = "ref: refs/heads/main\n";
	int r;

	if (argc != 4)
		return 2;
	snprintf(git, sizeof(git), "%s/.git", argv[3]);
	snprintf(path, sizeof(path), "%s/objects/pack", git);
	if ((r = mkdir_p(path)))
		return ctl_fail(path, r);
	snprintf(path, sizeof(path), "%s/refs/tags", git);
	mkdir_p(path);
	if (ctl_open(argv[2], false, &st))
		return 1;
	if (!store_ref_symbolic(st, "HEAD", path, sizeof(path)))
		snprintf(head, sizeof(head), "ref: %s\n", path);
	r = write_pack_files(git, st);
	x.git = git;
	if (!r)
		r = store_refs_each(st, write_ref, &x);
	snprintf(path, sizeof(path), "%s/HEAD", git);
	if (!r)
		r = write_file(path, head, strlen(head));
	snprintf(path, sizeof(path), "%s/config", git);
	if (!r)
		r = write_file(path, config, strlen(config));
	store_close(st);
	return r ? ctl_fail("export", r) : 0;
}

/*
 * secret IMAGE PATH FILE: FILE's content at PATH in the store's non-public
 * part (refs/appliance/secrets), e.g. the owner's TLS certificate chain and
 * key at tls/cert.pem and tls/key.pem, or DNS's TSIG keys at
 * dns/tsig.keys. Never served; the guest reads it.
 */
int ctl_secret(int argc, char **argv)
{
	struct store *st;
	struct store_change ch = {.path = argv[3], .mode = STORE_MODE_FILE};
	uint8_t *data = NULL;
	char author[64];
	int r;

	if (argc != 5 || (strncmp(argv[3], "tls/", 4) && strcmp(argv[3], "dns/tsig.keys"))) {
		fprintf(
		    stderr,
		    "usage: storectl secret IMAGE tls/cert.pem|tls/key.pem|dns/tsig.keys FILE\n");
		return 2;
	}
	if ((r = read_file(argv[4], &data, &ch.len)))
		return ctl_fail(argv[4], r);
	ch.data = data;
	if (ctl_open(argv[2], false, &st)) {
		free(data);
		return 1;
	}
	snprintf(author, sizeof(author), "storectl <storectl@localhost> %lld +0000",
	         (long long)time(NULL));
	r = store_commit_changes(st, "refs/appliance/secrets", &ch, 1, author, "secret: set\n",
	                         NULL);
	memset(data, 0, ch.len);
	free(data);
	if (r) {
		store_close(st);
		return ctl_fail("secret", r);
	}
	r = store_close(st);
	return r ? ctl_fail("close", r) : 0;
}

/*
 * The first line of `path` ("-": stdin) into `buf`, without its line end
 * (LF or CRLF). -EINVAL for an empty file, -E2BIG for a line longer than
 * any password.
 */
static int read_password(const char *path, char *buf, size_t size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t n = 0;
	int rc = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		rc = -EINVAL;
	else if ((n = strlen(buf)) > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		rc = -E2BIG;
	if (!rc && n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (f != stdin)
		fclose(f);
	return rc;
}

/*
 * passwd IMAGE [FILE | -]: the push password (git/auth.h) from FILE's first
 * line, or stdin's with "-"; with neither, a random one, printed on stdout
 * (the only place it is ever shown). Only its salted hash goes into the
 * image, as git/password on refs/appliance/secrets.
 */
int ctl_passwd(int argc, char **argv)
{
	char pw[GIT_AUTH_PASSWORD_MAX + 3];
	struct store *st;
	int r;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: storectl passwd IMAGE [FILE | -]\n");
		return 2;
	}
	r = argc == 4 ? read_password(argv[3], pw, sizeof(pw)) : git_auth_generate(pw, sizeof(pw));
	if (r)
		return ctl_fail(argc == 4 ? argv[3] : "passwd", r);
	if (git_auth_password_ok(pw)) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr,
		        "storectl: passwd: a password is %d to %d bytes, without control "
		        "characters\n",
		        GIT_AUTH_PASSWORD_MIN, GIT_AUTH_PASSWORD_MAX);
		return 1;
	}
	if (ctl_open(argv[2], false, &st)) {
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	r = git_auth_set(st, pw);
	if (!r)
		r = store_close(st);
	else
		store_close(st);
	if (!r && argc == 3)
		printf("%s\n", pw);
	explicit_bzero(pw, sizeof(pw));
	return r ? ctl_fail("passwd", r) : 0;
}
