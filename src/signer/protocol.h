/*
 * The signer protocol (docs/signer.md), shared by the library's "unix"
 * signer and w3wallet-signer: frames, their authentication, and the JSON
 * of hello, request and answer.
 *
 * A frame is a 4-byte big-endian length L, then L bytes: a 32-byte
 * HMAC-SHA-512-256 tag under the shared key over (direction byte || JSON),
 * then the JSON. The direction byte ('H' hello, 'Q' request, 'A' answer)
 * keeps a frame of one kind from passing as another. Replay: the signer
 * opens each connection with a hello carrying a random session id; every
 * request names it and counts up from seq 1, every answer repeats both.
 */
#ifndef W3W_SIGNER_PROTOCOL_H
#define W3W_SIGNER_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "w3wallet/sys/signer.h"

#define W3W__SP_VERSION 1
#define W3W__SP_KEY_LEN 32
#define W3W__SP_TAG_LEN 32
#define W3W__SP_FRAME_MAX 16384      /* L at most: anything longer is refused unread */
#define W3W__SP_SESSION_SIZE 33      /* 32 hex + NUL */
#define W3W__SP_DATA_MAX 1024        /* call data bytes */
#define W3W__SP_RAW_MAX 2048         /* signed transaction bytes */
#define W3W__SP_ERROR_SIZE 200

enum { W3W__SP_HELLO = 'H', W3W__SP_REQUEST = 'Q', W3W__SP_ANSWER = 'A' };

/* What reading a frame gave. */
typedef enum {
	W3W__SP_OK = 0,
	W3W__SP_EIO = -1,       /* closed, timed out or failed (errno set) */
	W3W__SP_ETOOLONG = -2,  /* length above W3W__SP_FRAME_MAX or below the tag */
	W3W__SP_EMAC = -3,      /* the tag does not verify: wrong key or tampered */
	W3W__SP_ENOMEM = -4
} w3w__sp_result;

/* Tag of (dir || json) under key. */
void w3w__sp_tag(unsigned char tag[W3W__SP_TAG_LEN], const unsigned char key[W3W__SP_KEY_LEN], int dir,
	const char *json, size_t json_len);

/* Body (tag || json) of a frame read off the wire: W3W__SP_OK when the tag verifies. */
w3w__sp_result w3w__sp_body_check(const unsigned char key[W3W__SP_KEY_LEN], int dir, const unsigned char *body,
	size_t body_len);

/* Open the signer of `url` with `key_hex` (open.c); the key text is wiped whatever the outcome. */
w3w_status w3w__signer_open_options(w3w_signer **out, const char *url, char *key_hex, size_t key_size,
	int timeout_ms);

/* Write one frame of `json` (NUL-terminated). */
w3w__sp_result w3w__sp_send(int fd, const unsigned char key[W3W__SP_KEY_LEN], int dir, const char *json);

/* Read one frame: *json (malloc'd, NUL-terminated) only when W3W__SP_OK. */
w3w__sp_result w3w__sp_recv(int fd, const unsigned char key[W3W__SP_KEY_LEN], int dir, char **json);

/* `why` gets the printf-formatted reason; returns -1 (for `return w3w__sp_refuse(...)`). */
int w3w__sp_refuse(char *why, size_t why_len, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* ---- messages ------------------------------------------------------------------- */

typedef enum {
	W3W__SP_OP_ADDRESS = 1, W3W__SP_OP_SIGN = 2, W3W__SP_OP_DEPOSIT_ADDRESS = 3,
	W3W__SP_OP_SWEEP = 4, W3W__SP_OP_TOPUP = 5  /* custody transactions of deposit address `index` */
} w3w__sp_op;

/* Deposit address indexes are below 2^31 (the hardened bit of a derivation path). */
#define W3W__SP_INDEX_LIMIT 2147483648LL

typedef struct w3w__sp_request {
	char session[W3W__SP_SESSION_SIZE];
	uint64_t seq;
	w3w__sp_op op;
	char family[W3W_CHAIN_SIZE];            /* op deposit_address: "evm" or "solana" */
	int64_t index;                          /* ops deposit_address, sweep, topup */
	w3w_signer_tx tx;                       /* op sign; tx.data points into data */
	unsigned char data[W3W__SP_DATA_MAX];
} w3w__sp_request;

typedef struct w3w__sp_answer {
	char session[W3W__SP_SESSION_SIZE];
	uint64_t seq;
	int ok;
	char code[16];                          /* refused: "policy", "request", "auth", "replay", "internal" */
	char error[W3W__SP_ERROR_SIZE];
	char address[W3W_ADDRESS_SIZE];         /* the hot address (address, sign), or the deposit address */
	unsigned char raw[W3W__SP_RAW_MAX];     /* op sign */
	size_t raw_len;
	unsigned char hash[32];
} w3w__sp_answer;

/* "address", "sign", "deposit_address", "sweep", "topup". */
const char *w3w__sp_op_name(w3w__sp_op op);
/* JSON texts, malloc'd; NULL when out of memory. */
char *w3w__sp_hello_json(const char *session);
char *w3w__sp_request_json(const w3w__sp_request *r);
char *w3w__sp_answer_json(const w3w__sp_answer *a);

/*
 * Strict parsers: every member present with its type, nothing unknown,
 * numbers as decimal text, addresses and bytes as 0x hex. 0, or -1 with
 * the reason in `why`.
 */
int w3w__sp_hello_parse(char session[W3W__SP_SESSION_SIZE], const char *json, char *why, size_t why_len);
int w3w__sp_request_parse(w3w__sp_request *r, const char *json, char *why, size_t why_len);
int w3w__sp_answer_parse(w3w__sp_answer *a, const char *json, char *why, size_t why_len);

/* Sign `tx` with `priv` (sign.c): raw bytes (malloc'd) and their hash; a crypto layer code. */
int w3w__sp_sign(const w3w_signer_tx *tx, const unsigned char priv[32], unsigned char **raw, size_t *raw_len,
	unsigned char hash[32]);

/* ---- policy (policy.c) -------------------------------------------------------- */

#define W3W__SP_CHAINS_MAX 8
#define W3W__SP_TOKENS_MAX 16
#define W3W__SP_GAS_DEFAULT 500000
#define W3W__SP_FEE_DEFAULT "1000000000000"  /* 1000 gwei per gas */

typedef struct w3w__sp_policy {
	uint64_t chain_ids[W3W__SP_CHAINS_MAX];
	size_t chain_count;
	int allow_zero_address;
	int has_native_max;
	w3w_u256 native_max;                    /* wei per transaction */
	struct {
		unsigned char contract[20];
		w3w_u256 max;                       /* base units per transaction */
	} tokens[W3W__SP_TOKENS_MAX];
	size_t token_count;
	uint64_t max_gas;                       /* gas limit at most (0: W3W__SP_GAS_DEFAULT) */
	int has_max_fee;
	w3w_u256 max_fee;                       /* wei per gas at most (unset: W3W__SP_FEE_DEFAULT) */
	int has_topup_max;
	w3w_u256 topup_max;                     /* wei per gas top-up of a deposit address (unset: none signed) */
	int has_self;
	unsigned char self[20];                 /* the hot wallet: 0 sent to it cancels a withdrawal */
} w3w__sp_policy;

/* "31337" as an allowed chain id. 0, or -1 with the reason. */
int w3w__sp_policy_chain(w3w__sp_policy *p, const char *text, char *why, size_t why_len);
/* "native=WEI" or "0xCONTRACT=UNITS": the largest transfer of that asset. 0, or -1 with the reason. */
int w3w__sp_policy_max(w3w__sp_policy *p, const char *text, char *why, size_t why_len);
/* "WEI": the highest fee per gas (gas price, or EIP-1559 max fee) signed. 0, or -1 with the reason. */
int w3w__sp_policy_max_fee(w3w__sp_policy *p, const char *text, char *why, size_t why_len);
/* 0 when `tx` may be signed; -1 with the rule it breaks in `why`. */
int w3w__sp_policy_check(const w3w__sp_policy *p, const w3w_signer_tx *tx, char *why, size_t why_len);
/* "WEI": the largest gas top-up of a deposit address. 0, or -1 with the reason. */
int w3w__sp_policy_topup_max(w3w__sp_policy *p, const char *text, char *why, size_t why_len);
/*
 * Custody transactions (ops sweep, topup): a sweep (signed by `deposit`) pays
 * only `hot`, natively or by a listed token's transfer, of any amount; a
 * top-up (signed by `hot`) sends only native value, at most the top-up
 * maximum, to `deposit`. 0, or -1 with the rule it breaks.
 */
int w3w__sp_policy_custody(const w3w__sp_policy *p, w3w__sp_op op, const w3w_signer_tx *tx, const unsigned char hot[20],
	const unsigned char deposit[20], char *why, size_t why_len);

#endif
