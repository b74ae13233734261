/*
 * The admin dashboard's static files (GET /admin/, /admin/{file}) from
 * --admin-dir, else share/w3wallet/admin of the install. Only plain names
 * with a known extension are served: no slash can reach here (the route
 * captures one segment), a leading dot or ".." is refused, symlinks are not
 * followed, only regular files are read. Every answer carries a strict
 * Content-Security-Policy (http.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "server.h"

/* The files are a few KiB; anything larger is not one of them. */
#define ADMIN_FILE_MAX (1024 * 1024)

/* No inline script or style, nothing from another origin, never framed. */
static const char admin_csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
};

/* Without --admin-dir: the installed files, W3W_ADMIN_DIR_RELATIVE from the binary's directory. */
static char installed_dir[PATH_MAX];
static pthread_once_t installed_once = PTHREAD_ONCE_INIT;

static void find_installed_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	snprintf(installed_dir, sizeof(installed_dir), "%s/%s", dirname(exe), W3W_ADMIN_DIR_RELATIVE);
}

static const char *admin_dir(const exchange *ex)
{
	if (ex->srv->cfg->admin_dir[0])
		return ex->srv->cfg->admin_dir;
	pthread_once(&installed_once, find_installed_dir);
	return installed_dir;
}

/* The content type of a servable name, or NULL: [A-Za-z0-9_-] then one known extension. */
static const char *servable_type(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t stem = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (!dot || stem == 0 || name + stem != dot)
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* The whole regular file at dir/name, malloc'd; NULL with errno (ENOENT for anything not servable). */
static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[PATH_MAX + 128];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENOENT;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > ADMIN_FILE_MAX) {
		close(fd);
		errno = ENOENT;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			free(buf);
			buf = NULL;
			errno = EIO;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static void serve(exchange *ex, const char *name)
{
	const char *type = servable_type(name);
	size_t len = 0;
	char *body;
	ex->csp = admin_csp;
	if (!type) {
		ex_error(ex, 404, "not_found", "no such file");
		return;
	}
	body = admin_dir(ex)[0] ? read_file(admin_dir(ex), name, &len) : NULL;
	if (!body && !admin_dir(ex)[0])
		errno = ENOENT;
	if (!body) {
		if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
			ex_error(ex, 404, "not_found", "no such file");
		else
			ex_error(ex, 503, "unavailable", "the dashboard's files cannot be read");
		return;
	}
	free(ex->resp_body);
	ex->resp_body = body;
	ex->resp_len = len;
	ex->status = 200;
	ex->content_type = type;
}

void h_admin_index(exchange *ex)
{
	serve(ex, "index.html");
}

void h_admin_file(exchange *ex)
{
	serve(ex, ex->params[0]);
}
