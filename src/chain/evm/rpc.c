/* JSON-RPC over HTTP(S) with libcurl: bounded calls, classified failures (see rpc.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "chain/evm/rpc.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_start(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

w3w_status w3w__rpc_init(w3w__rpc *r, const char *url, int timeout_ms)
{
	memset(r, 0, sizeof(*r));
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return w3w_error_set(W3W_EINVAL, "url: the evm adapter needs http:// or https://");
	pthread_once(&curl_once, curl_start);
	if (curl_init_rc != CURLE_OK)
		return w3w_error_set(W3W_EINTERNAL, "evm node: libcurl failed to start");
	if (!(r->url = strdup(url)))
		return w3w_error_set(W3W_ENOMEM, "evm node: out of memory");
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	pthread_mutex_init(&r->mu, NULL);
	return W3W_OK;
}

void w3w__rpc_destroy(w3w__rpc *r)
{
	if (!r->url)
		return;
	for (int i = 0; i < r->nidle; i++)
		curl_easy_cleanup(r->idle[i]);
	pthread_mutex_destroy(&r->mu);
	/* The URL may hold an API key. */
	memset(r->url, 0, strlen(r->url));
	free(r->url);
	r->url = NULL;
}

void w3w__rpc_reply_free(w3w__rpc_reply *reply)
{
	cJSON_Delete(reply->doc);
	reply->doc = NULL;
	reply->result = NULL;
}

/* ---- handles ------------------------------------------------------------------- */

static CURL *take_handle(w3w__rpc *r)
{
	CURL *h = NULL;

	pthread_mutex_lock(&r->mu);
	if (r->nidle > 0)
		h = r->idle[--r->nidle];
	pthread_mutex_unlock(&r->mu);
	return h ? h : curl_easy_init();
}

static void give_handle(w3w__rpc *r, CURL *h, int healthy)
{
	if (healthy) {
		pthread_mutex_lock(&r->mu);
		if (r->nidle < W3W__RPC_IDLE_MAX) {
			r->idle[r->nidle++] = h;
			h = NULL;
		}
		pthread_mutex_unlock(&r->mu);
	}
	if (h)
		curl_easy_cleanup(h);
}

/* ---- one request --------------------------------------------------------------- */

typedef struct body {
	char *data;
	size_t len, cap;
	int too_big;
} body;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	body *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > W3W__RPC_BODY_MAX) {
		b->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(d = realloc(b->data, cap)))
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Failures where nothing reached the node. */
static int never_sent(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	       rc == CURLE_URL_MALFORMAT || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION;
}

static void set_options(CURL *h, const w3w__rpc *r, const char *payload, struct curl_slist *headers, body *b)
{
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
}

/* A JSON number as a long, if it is one: converting a double out of range (1e300) is undefined. */
static int json_long(const cJSON *v, long *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)LONG_MIN && v->valuedouble < (double)LONG_MAX))
		return 0;
	*out = (long)v->valuedouble;
	return 1;
}

/* Read an answer body into reply (outcome, result or error object). */
static void parse_answer(w3w__rpc_reply *reply, const body *b, long http, long id)
{
	const cJSON *err, *rid;
	long got_id = 0;

	reply->doc = b->data ? cJSON_ParseWithLength(b->data, b->len) : NULL;
	if (!cJSON_IsObject(reply->doc)) {
		reply->outcome = W3W__RPC_NO_ANSWER;
		snprintf(reply->message, sizeof(reply->message), "HTTP %ld, answer is not JSON-RPC (%.40s%s)", http,
			b->data ? b->data : "", b->len > 40 ? "..." : "");
		return;
	}
	rid = cJSON_GetObjectItemCaseSensitive(reply->doc, "id");
	err = cJSON_GetObjectItemCaseSensitive(reply->doc, "error");
	if (cJSON_IsObject(err)) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
		reply->outcome = W3W__RPC_ERROR;
		if (!json_long(code, &reply->error_code))
			reply->error_code = 0;
		snprintf(reply->message, sizeof(reply->message), "%s",
			cJSON_IsString(msg) ? msg->valuestring : "error without a message");
		return;
	}
	reply->result = cJSON_GetObjectItemCaseSensitive(reply->doc, "result");
	if (http != 200 || !reply->result || !json_long(rid, &got_id) || got_id != id) {
		reply->outcome = W3W__RPC_NO_ANSWER;
		reply->result = NULL;
		snprintf(reply->message, sizeof(reply->message), "HTTP %ld, %s", http,
			http != 200 ? "not a success" : "answer without result or with another id");
		return;
	}
	reply->outcome = W3W__RPC_OK;
}

w3w_status w3w__rpc_call(w3w__rpc *r, const char *method, cJSON *params, w3w__rpc_reply *reply)
{
	struct curl_slist *headers = NULL;
	cJSON *req = cJSON_CreateObject();
	char *payload = NULL;
	body b = { NULL, 0, 0, 0 };
	long id, http = 0;
	CURL *h = NULL;
	CURLcode rc;

	memset(reply, 0, sizeof(*reply));
	reply->outcome = W3W__RPC_NOT_SENT;
	pthread_mutex_lock(&r->mu);
	id = ++r->next_id;
	pthread_mutex_unlock(&r->mu);
	if (!req || !params) {
		cJSON_Delete(req);
		cJSON_Delete(params);
		return w3w_error_set(W3W_ENOMEM, "evm node: %s: out of memory", method);
	}
	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(req, "id", (double)id);
	cJSON_AddStringToObject(req, "method", method);
	cJSON_AddItemToObject(req, "params", params);
	payload = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	h = payload && headers ? take_handle(r) : NULL;
	if (!h) {
		cJSON_free(payload);
		curl_slist_free_all(headers);
		return w3w_error_set(W3W_ENOMEM, "evm node: %s: out of memory", method);
	}
	set_options(h, r, payload, headers, &b);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	/* The options point at this call's buffers: clear them before the handle is reused. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	give_handle(r, h, rc == CURLE_OK);
	curl_slist_free_all(headers);
	cJSON_free(payload);

	if (rc != CURLE_OK) {
		reply->outcome = never_sent(rc) ? W3W__RPC_NOT_SENT : W3W__RPC_NO_ANSWER;
		snprintf(reply->message, sizeof(reply->message), "%s",
			b.too_big ? "answer larger than the limit" :
			rc == CURLE_OPERATION_TIMEDOUT ? "no answer in time" : curl_easy_strerror(rc));
	} else {
		parse_answer(reply, &b, http, id);
	}
	free(b.data);
	if (reply->outcome == W3W__RPC_OK)
		return W3W_OK;
	if (reply->outcome == W3W__RPC_ERROR)
		return w3w_error_set(W3W_EINVAL, "evm node: %s: %s", method, reply->message);
	if (reply->outcome == W3W__RPC_NO_ANSWER && rc == CURLE_OPERATION_TIMEDOUT)
		return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: no answer within %d ms", method, r->timeout_ms);
	return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: %s", method, reply->message);
}
