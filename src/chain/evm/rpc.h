/*
 * A JSON-RPC 2.0 client over HTTP(S) with libcurl, as Ethereum nodes speak
 * it. Every call is bounded by the timeout (connect included) and its
 * outcome says how much is known: the request never left (safe to treat
 * as not done), it left but no usable answer came back (it may have been
 * acted on), the node answered with an error object, or a result.
 *
 * Messages name the method and the failure, never the URL (node URLs
 * often carry an API key).
 */
#ifndef W3W_CHAIN_EVM_RPC_H
#define W3W_CHAIN_EVM_RPC_H

#include <pthread.h>

#include <cjson/cJSON.h>

#include "w3wallet/sys/backend.h"

#define W3W__RPC_IDLE_MAX 8
/* Largest answer read: a full block of a busy chain is a few MB. */
#define W3W__RPC_BODY_MAX (64u << 20)

typedef enum w3w__rpc_outcome {
	W3W__RPC_OK = 0,        /* a result (which may be JSON null) */
	W3W__RPC_NOT_SENT,      /* connection refused, unknown host: the node never saw it */
	W3W__RPC_NO_ANSWER,     /* timeout, broken connection, HTTP error, garbage: it may have arrived */
	W3W__RPC_ERROR          /* the node answered with a JSON-RPC error object */
} w3w__rpc_outcome;

typedef struct w3w__rpc {
	char *url;
	int timeout_ms;
	pthread_mutex_t mu;
	void *idle[W3W__RPC_IDLE_MAX]; /* CURL easy handles kept for their connections */
	int nidle;
	long next_id;
} w3w__rpc;

typedef struct w3w__rpc_reply {
	w3w__rpc_outcome outcome;
	cJSON *doc;            /* the whole answer (owned; free with w3w__rpc_reply_free) */
	const cJSON *result;   /* inside doc when outcome is OK */
	long error_code;       /* JSON-RPC error code when outcome is ERROR */
	char message[256];     /* error object message, or what went wrong on the way */
} w3w__rpc_reply;

/** Check the URL (http:// or https://) and set up; no connection yet. */
w3w_status w3w__rpc_init(w3w__rpc *r, const char *url, int timeout_ms);
void w3w__rpc_destroy(w3w__rpc *r);

/**
 * Call `method` with `params` (a JSON array, taken over and deleted).
 * Fills `reply` whatever happens; returns W3W_OK only for a result, else
 * W3W_EUNAVAILABLE (no answer, not sent) or W3W_EINVAL (the node's error
 * object), with the message set: "evm node: <method>: <why>".
 */
w3w_status w3w__rpc_call(w3w__rpc *r, const char *method, cJSON *params, w3w__rpc_reply *reply);
void w3w__rpc_reply_free(w3w__rpc_reply *reply);

#endif
