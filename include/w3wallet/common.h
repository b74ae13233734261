/*
 * libw3wallet — common definitions: export macro, status codes, errors.
 *
 * Every function of the library returns a w3w_status: W3W_OK (0) on success
 * or a negative code. After a failure, w3w_error_message() on the same
 * thread gives a readable message naming the problem (for example
 * "amount: more than 8 decimals"). Results come back through
 * out-parameters; whatever the library allocates for the caller has a
 * matching *_free() function.
 */
#ifndef W3WALLET_COMMON_H
#define W3WALLET_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "w3wallet/version.h"

#if defined(W3W_STATIC)
#  define W3W_EXTERN
#elif defined(_WIN32)
#  if defined(W3W_BUILDING)
#    define W3W_EXTERN __declspec(dllexport)
#  else
#    define W3W_EXTERN __declspec(dllimport)
#  endif
#else
#  define W3W_EXTERN __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Result of every call: 0 on success, a negative W3W_E* code on failure. */
typedef int w3w_status;

enum {
	W3W_OK            =   0,
	W3W_EINVAL        =  -1, /**< bad input; the message names the field */
	W3W_ENOMEM        =  -2, /**< out of memory */
	W3W_ENOTFOUND     =  -3, /**< no such id (or not visible to the actor) */
	W3W_ECONFLICT     =  -4, /**< lost a race or already exists (e.g. order already claimed) */
	W3W_EINSUFFICIENT =  -5, /**< not enough available funds or supply */
	W3W_EFORBIDDEN    =  -6, /**< the actor may not do this */
	W3W_ESTATE        =  -7, /**< the object is not in a state that allows this */
	W3W_EIDEMPOTENCY  =  -8, /**< idempotency key reused with a different request */
	W3W_EUNAVAILABLE  =  -9, /**< a backend is unreachable or timed out; nothing was applied */
	W3W_EVERSION      = -10, /**< version mismatch (struct, backend or schema) */
	W3W_EUNAUTHENTICATED = -11, /**< token missing, malformed, forged or expired */
	W3W_ERATELIMIT    = -12, /**< too many requests; retry later */
	W3W_ECRYPTO       = -13, /**< a cryptographic check failed (bad seal, bad signature) */
	W3W_EINTERNAL     = -14, /**< a bug or an unexpected backend answer */
	/**
	 * The command reached the storage but its answer was lost, and the library
	 * could not find out whether it committed: it may or may not have been
	 * applied. Retry with the same idempotency key: the retry returns the
	 * first execution's result if it committed, or runs it once if not.
	 */
	W3W_EUNKNOWN      = -15,
	W3W_ELIMIT        = -16  /**< a withdrawal limit refuses it; the message names the limit and what remains */
};

/** Short stable name of a status ("ok", "invalid", "not_found", "conflict", ...). */
W3W_EXTERN const char *w3w_status_name(w3w_status status);

/**
 * Message of the last failure on the calling thread ("" if none).
 * Valid until the next library call on this thread. Bindings read it in
 * the same native call that failed (their wrappers capture it before
 * returning), so no thread pinning is needed.
 */
W3W_EXTERN const char *w3w_error_message(void);

/** Status of the last failure on the calling thread (W3W_OK if none). */
W3W_EXTERN w3w_status w3w_error_code(void);

/** Forget the last failure on the calling thread. */
W3W_EXTERN void w3w_error_clear(void);

/** Runtime version "MAJOR.MINOR.PATCH"; compare with W3W_VERSION to detect a header/library mismatch. */
W3W_EXTERN const char *w3w_version(void);

/** Runtime version as (MAJOR << 16 | MINOR << 8 | PATCH). */
W3W_EXTERN unsigned int w3w_version_number(void);

/** Free a string the library returned through a `char **out` (wipes it first). NULL is ignored. */
W3W_EXTERN void w3w_string_free(char *s);

/** Sizes of fixed-length text fields, including the terminating NUL. */
#define W3W_ID_SIZE       37  /**< canonical lowercase UUID */
#define W3W_CURRENCY_SIZE 11  /**< 1..10 characters [A-Z0-9] */
#define W3W_NAME_SIZE     256 /**< product names, references */
#define W3W_REGION_SIZE   32
#define W3W_URL_SIZE      1024
#define W3W_POSITION_SIZE 40   /**< a commit position ("16/B374D848"), NUL included */
#define W3W_CURSOR_SIZE   64
#define W3W_EVENT_TYPE_SIZE 32

#ifdef __cplusplus
}
#endif
#endif
