/* Input validation shared by all commands. */
#include <string.h>

#include "core/validate.h"
#include "w3wallet/sys/storage.h"

int w3w__id_is_reserved(const char *id)
{
	return strcmp(id, W3W_EXTERNAL_USER_ID) == 0;
}

static w3w_status reserved_error(const char *field)
{
	return w3w_error_set(W3W_EINVAL, "%s: the nil UUID is reserved for the ledger's external account", field);
}

w3w_status w3w__check_actor(const w3w_actor *actor)
{
	char id[W3W_ID_SIZE];
	if (!actor)
		return w3w_error_set(W3W_EINVAL, "actor: missing");
	if (memchr(actor->user_id, '\0', sizeof(actor->user_id)) == NULL ||
	    w3w_id_normalize(id, sizeof(id), actor->user_id) != W3W_OK ||
	    strcmp(id, actor->user_id) != 0)
		return w3w_error_set(W3W_EINVAL, "actor.user_id: must be a lowercase UUID (use w3w_actor_init)");
	if (w3w__id_is_reserved(id))
		return reserved_error("actor.user_id");
	if (actor->roles == 0 || (actor->roles & ~W3W__ROLES_ALL))
		return w3w_error_set(W3W_EINVAL, "actor.roles: unknown or empty role set");
	return W3W_OK;
}

w3w_status w3w__check_id(char *out, const char *text, const char *field)
{
	if (!text || !*text)
		return w3w_error_set(W3W_EINVAL, "%s: missing", field);
	if (w3w_id_normalize(out, W3W_ID_SIZE, text) != W3W_OK)
		return w3w_error_set(W3W_EINVAL, "%s: must be a UUID", field);
	return W3W_OK;
}

w3w_status w3w__check_user_id(char *out, const char *text, const char *field)
{
	w3w_status st = w3w__check_id(out, text, field);
	if (st == W3W_OK && w3w__id_is_reserved(out))
		return reserved_error(field);
	return st;
}

w3w_status w3w__check_currency(char *out, const char *text, const char *field)
{
	size_t n;
	if (!text || !*text)
		return w3w_error_set(W3W_EINVAL, "%s: missing", field);
	n = strnlen(text, W3W_CURRENCY_SIZE);
	if (n >= W3W_CURRENCY_SIZE)
		return w3w_error_set(W3W_EINVAL, "%s: at most %d characters", field, W3W_CURRENCY_SIZE - 1);
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return w3w_error_set(W3W_EINVAL, "%s: only A-Z and 0-9 allowed", field);
	}
	memcpy(out, text, n + 1);
	return W3W_OK;
}

/* Length of the UTF-8 sequence at p, or 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xe0 && p[1] < 0xa0)
			return 0;
		if (p[0] == 0xed && p[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xf0 && p[1] < 0x90)
			return 0;
		if (p[0] == 0xf4 && p[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

w3w_status w3w__check_text(char *out, const char *text, size_t min, size_t max, const char *field)
{
	size_t n;
	const unsigned char *p;
	if (!text)
		return w3w_error_set(W3W_EINVAL, "%s: missing", field);
	n = strnlen(text, max + 1);
	if (n > max)
		return w3w_error_set(W3W_EINVAL, "%s: longer than %zu bytes", field, max);
	if (n < min)
		return w3w_error_set(W3W_EINVAL, "%s: shorter than %zu bytes", field, min);
	for (p = (const unsigned char *)text; *p;) {
		size_t len;
		if (*p < 0x20 || *p == 0x7f)
			return w3w_error_set(W3W_EINVAL, "%s: control characters are not allowed", field);
		len = utf8_seq(p);
		if (len == 0)
			return w3w_error_set(W3W_EINVAL, "%s: not valid UTF-8", field);
		p += len;
	}
	memcpy(out, text, n + 1);
	return W3W_OK;
}

w3w_status w3w__check_amount(w3w_amount amount, const char *field)
{
	if (amount <= 0)
		return w3w_error_set(W3W_EINVAL, "%s: must be greater than 0", field);
	if (amount > W3W_AMOUNT_MAX)
		return w3w_error_set(W3W_EINVAL, "%s: at most 9999999999.99999999", field);
	return W3W_OK;
}

w3w_status w3w_idempotency_key_check(const char *key)
{
	size_t n;
	if (!key || !*key)
		return W3W_OK;
	n = strnlen(key, W3W_NAME_SIZE);
	if (n >= W3W_NAME_SIZE)
		return w3w_error_set(W3W_EINVAL, "idempotency_key: longer than %d bytes", W3W_NAME_SIZE - 1);
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return w3w_error_set(W3W_EINVAL, "idempotency_key: printable ASCII without spaces only");
	return W3W_OK;
}

/* ---- public helpers: actors, roles, list queries ---------------------- */

w3w_status w3w_actor_init(w3w_actor *actor, const char *user_id, unsigned int roles)
{
	w3w_status st;
	if (!actor)
		return w3w_error_set(W3W_EINVAL, "actor: NULL");
	memset(actor, 0, sizeof(*actor));
	if ((st = w3w__check_user_id(actor->user_id, user_id, "actor.user_id")) != W3W_OK)
		return st;
	if (roles == 0 || (roles & ~W3W__ROLES_ALL))
		return w3w_error_set(W3W_EINVAL, "actor.roles: unknown or empty role set");
	actor->roles = roles;
	return W3W_OK;
}

unsigned int w3w__role_bit(const char *name, size_t len)
{
	static const struct { const char *name; unsigned int bit; } names[] = {
		{ "user", W3W_ROLE_USER }, { "admin", W3W_ROLE_ADMIN },
		{ "auditor", W3W_ROLE_AUDITOR }, { "service", W3W_ROLE_SERVICE },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncmp(name, names[i].name, len) == 0)
			return names[i].bit;
	return 0;
}

w3w_status w3w_roles_parse(unsigned int *out, const char *text)
{
	unsigned int roles = 0;
	const char *p = text;

	if (!out || !text)
		return w3w_error_set(W3W_EINVAL, "roles: missing");
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned int bit = w3w__role_bit(p, n);
		if (!bit)
			return w3w_error_set(W3W_EINVAL, "roles: unknown role '%.*s' (user, admin, auditor, service)",
				(int)(n > 32 ? 32 : n), p);
		roles |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (roles == 0)
		return w3w_error_set(W3W_EINVAL, "roles: empty");
	*out = roles;
	return W3W_OK;
}

w3w_status w3w_list_query_init(w3w_list_query *query, unsigned int version)
{
	static const w3w_list_query init = W3W_LIST_QUERY_INIT;
	if (!query)
		return w3w_error_set(W3W_EINVAL, "query: NULL");
	if (version != W3W_LIST_QUERY_VERSION)
		return w3w_error_set(W3W_EVERSION, "query: version %u, library has %u", version, W3W_LIST_QUERY_VERSION);
	*query = init;
	return W3W_OK;
}
