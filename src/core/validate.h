/* Input validation shared by all commands. Messages name the field. */
#ifndef W3W_CORE_VALIDATE_H
#define W3W_CORE_VALIDATE_H

#include "w3wallet.h"
#include "w3wallet/sys/backend.h"

/** Actor present, canonical id that is not reserved, known nonzero roles. */
w3w_status w3w__check_actor(const w3w_actor *actor);
/** `text` is a UUID; lowercased copy into out[W3W_ID_SIZE]. */
w3w_status w3w__check_id(char *out, const char *text, const char *field);
/** Like w3w__check_id, for an id naming a user: the reserved ids are refused. */
w3w_status w3w__check_user_id(char *out, const char *text, const char *field);
/** Ids the library keeps for itself (the external account): never an actor, never a user. */
int w3w__id_is_reserved(const char *id);
/** 1..10 of [A-Z0-9]. */
w3w_status w3w__check_currency(char *out, const char *text, const char *field);
/** Valid UTF-8 without control characters, min..max bytes, copied into out (size max+1). */
w3w_status w3w__check_text(char *out, const char *text, size_t min, size_t max, const char *field);
/** 0 < amount <= W3W_AMOUNT_MAX. */
w3w_status w3w__check_amount(w3w_amount amount, const char *field);
/** NULL or "" = none; else 1..255 printable ASCII. */

/** The bit of one role name ("user", "admin", "auditor", "service"), exactly; 0 if unknown. */
unsigned int w3w__role_bit(const char *name, size_t len);

static inline int w3w__has_role(const w3w_actor *actor, unsigned int roles)
{
	return (actor->roles & roles) != 0;
}

#define W3W__ROLES_ALL (W3W_ROLE_USER | W3W_ROLE_ADMIN | W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE)

#endif
