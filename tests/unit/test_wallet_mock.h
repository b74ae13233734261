/*
 * A chain in memory behind the chain adapter interface (w3wallet/sys/chain.h),
 * for the wallet tests: blocks with native transfers and ERC-20 Transfer
 * logs, receipts, a pending pool, forks, and switches for a node that is
 * down or refuses what is sent. Registered as adapter "mock".
 *
 * Blocks: blocks[n] is block number n of the canonical chain. Sent
 * transactions wait in the pool until mock_mine() puts them in a block.
 */
#ifndef W3W_TEST_WALLET_MOCK_H
#define W3W_TEST_WALLET_MOCK_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/hex.h"
#include "crypto/keccak.h"
#include "crypto/u256.h"
#include "w3wallet/sys/chain.h"

#define MOCK_BLOCKS 512
#define MOCK_TXS 8
#define MOCK_POOL 64
#define MOCK_RECEIPTS 256

typedef struct mock_block {
	char hash[W3W_TX_HASH_SIZE];
	char parent[W3W_TX_HASH_SIZE];
	w3w_chain_tx txs[MOCK_TXS];
	int tx_ok[MOCK_TXS];
	size_t ntx;
	w3w_chain_log logs[MOCK_TXS];
	size_t nlogs;
} mock_block;

typedef struct mock_receipt {
	char tx_hash[W3W_TX_HASH_SIZE];
	uint64_t block;
	int success;
} mock_receipt;

static struct mock_chain {
	pthread_mutex_t mu;
	uint64_t chain_id;
	mock_block blocks[MOCK_BLOCKS];
	size_t nblocks;
	mock_receipt receipts[MOCK_RECEIPTS];
	size_t nreceipts;
	char pool[MOCK_POOL][W3W_TX_HASH_SIZE];
	size_t npool;
	unsigned fork;                 /* changes the hashes of blocks mined from now on */
	uint64_t nonce;                /* the hot wallet's pending nonce as the node reports it */
	int down;                      /* every call fails */
	w3w_chain_send_outcome next_send; /* 0: accept */
	int revert_next;               /* the next mined pooled transaction reverts */
	int estimate_fails;
	int legacy;                    /* fees: a gas price (no base fee) */
	int sends;
	/* the next block's content */
	w3w_chain_tx next_txs[MOCK_TXS];
	int next_ok[MOCK_TXS];
	size_t next_ntx;
	w3w_chain_log next_logs[MOCK_TXS];
	size_t next_nlogs;
	unsigned tx_counter;
} M = { .mu = PTHREAD_MUTEX_INITIALIZER };

static inline void mock_hash(char out[W3W_TX_HASH_SIZE], const char *kind, unsigned a, unsigned b)
{
	unsigned char h[32];
	char text[96];
	int n = snprintf(text, sizeof(text), "%s:%u:%u", kind, a, b);

	w3w__keccak256(h, (const unsigned char *)text, (size_t)n);
	strcpy(out, "0x");
	w3w__crypto_hex_encode(out + 2, W3W_TX_HASH_SIZE - 2, h, 32);
}

/* Start over: chain `id` with only a genesis block. */
static inline void mock_reset(uint64_t id)
{
	pthread_mutex_lock(&M.mu);
	memset(M.blocks, 0, sizeof(M.blocks));
	M.chain_id = id;
	M.nblocks = 1;
	M.nreceipts = M.npool = M.next_ntx = M.next_nlogs = 0;
	M.fork = 0;
	M.nonce = 0;
	M.down = M.revert_next = M.estimate_fails = M.sends = M.legacy = 0;
	M.next_send = (w3w_chain_send_outcome)0;
	mock_hash(M.blocks[0].hash, "block", 0, 0);
	strcpy(M.blocks[0].parent, "0x0000000000000000000000000000000000000000000000000000000000000000");
	pthread_mutex_unlock(&M.mu);
}

static void u256_set(w3w_u256 *v, const char *decimal)
{
	w3w__u256 x;
	w3w__u256_parse(&x, decimal, strlen(decimal));
	memcpy(v->be, x.be, 32);
}

/* A native transfer in the next block; returns its hash (static storage per call site is the caller's). */
static inline void mock_native(char hash[W3W_TX_HASH_SIZE], const char *to_lower, const char *wei, int ok)
{
	w3w_chain_tx *t;

	pthread_mutex_lock(&M.mu);
	t = &M.next_txs[M.next_ntx];
	memset(t, 0, sizeof(*t));
	mock_hash(t->hash, "tx", ++M.tx_counter, 0);
	strcpy(t->from, "0x1111111111111111111111111111111111111111");
	snprintf(t->to, sizeof(t->to), "%s", to_lower);
	u256_set(&t->value, wei);
	M.next_ok[M.next_ntx++] = ok;
	if (hash)
		strcpy(hash, t->hash);
	pthread_mutex_unlock(&M.mu);
}

/* An ERC-20 Transfer log of `contract` to `to_lower` in the next block. */
static inline void mock_token(char hash[W3W_TX_HASH_SIZE], const char *contract, const char *to_lower, const char *units)
{
	w3w_chain_log *lg;
	unsigned char to[20];
	w3w__u256 v;
	size_t n = 0;

	pthread_mutex_lock(&M.mu);
	lg = &M.next_logs[M.next_nlogs++];
	memset(lg, 0, sizeof(*lg));
	mock_hash(lg->tx_hash, "tokentx", ++M.tx_counter, 0);
	snprintf(lg->address, sizeof(lg->address), "%s", contract);
	w3w__keccak256(lg->topics[0], (const unsigned char *)"Transfer(address,address,uint256)", 33);
	memset(lg->topics[1] + 12, 0x22, 20);
	w3w__crypto_hex_decode(to, sizeof(to), &n, to_lower, strlen(to_lower));
	memcpy(lg->topics[2] + 12, to, 20);
	lg->topic_count = 3;
	w3w__u256_parse(&v, units, strlen(units));
	memcpy(lg->data, v.be, 32);
	lg->data_len = 32;
	if (hash)
		strcpy(hash, lg->tx_hash);
	pthread_mutex_unlock(&M.mu);
}

/* Mine `count` blocks; the first takes the pool and the queued transfers. */
static inline void mock_mine(int count)
{
	pthread_mutex_lock(&M.mu);
	for (int i = 0; i < count; i++) {
		size_t n = M.nblocks++;
		mock_block *b = &M.blocks[n];
		memset(b, 0, sizeof(*b));
		mock_hash(b->hash, "block", (unsigned)n, M.fork);
		strcpy(b->parent, M.blocks[n - 1].hash);
		for (size_t t = 0; t < M.next_ntx; t++) {
			b->txs[b->ntx] = M.next_txs[t];
			b->tx_ok[b->ntx++] = M.next_ok[t];
			mock_receipt *r = &M.receipts[M.nreceipts++];
			strcpy(r->tx_hash, M.next_txs[t].hash);
			r->block = n;
			r->success = M.next_ok[t];
		}
		for (size_t l = 0; l < M.next_nlogs; l++) {
			b->logs[b->nlogs] = M.next_logs[l];
			b->logs[b->nlogs].log_index = b->nlogs;
			b->nlogs++;
			mock_receipt *r = &M.receipts[M.nreceipts++];
			strcpy(r->tx_hash, M.next_logs[l].tx_hash);
			r->block = n;
			r->success = 1;
		}
		for (size_t p = 0; p < M.npool; p++) {
			mock_receipt *r = &M.receipts[M.nreceipts++];
			strcpy(r->tx_hash, M.pool[p]);
			r->block = n;
			r->success = !M.revert_next;
			M.revert_next = 0;
		}
		M.next_ntx = M.next_nlogs = M.npool = 0;
	}
	pthread_mutex_unlock(&M.mu);
}

/* Replace the last `depth` blocks by as many empty ones of another fork (a reorganisation). */
static inline void mock_reorg(int depth)
{
	pthread_mutex_lock(&M.mu);
	for (int i = 0; i < depth; i++) {
		size_t n = --M.nblocks;
		for (size_t r = 0; r < M.nreceipts;)
			if (M.receipts[r].block == n)
				M.receipts[r] = M.receipts[--M.nreceipts];
			else
				r++;
	}
	M.fork++;
	M.next_ntx = M.next_nlogs = 0;
	pthread_mutex_unlock(&M.mu);
	mock_mine(depth);
}

/* The node forgets a pooled transaction (as after a restart). */
static inline void mock_forget_pool(void)
{
	pthread_mutex_lock(&M.mu);
	M.npool = 0;
	pthread_mutex_unlock(&M.mu);
}

/* ---- the adapter ------------------------------------------------------------ */

#define MOCK_GUARD() \
	do { \
		if (M.down) { \
			pthread_mutex_unlock(&M.mu); \
			return w3w_error_set(W3W_EUNAVAILABLE, "mock node: down"); \
		} \
	} while (0)

static w3w_status m_chain_id(w3w_chain_adapter *a, uint64_t *out)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	*out = M.chain_id;
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_head(w3w_chain_adapter *a, uint64_t *out)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	*out = M.nblocks - 1;
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_block(w3w_chain_adapter *a, uint64_t number, int with_txs, w3w_chain_block **out)
{
	w3w_chain_block *b;
	mock_block *m;

	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	if (number >= M.nblocks) {
		pthread_mutex_unlock(&M.mu);
		return w3w_error_set(W3W_ENOTFOUND, "mock: no block %llu", (unsigned long long)number);
	}
	m = &M.blocks[number];
	b = calloc(1, sizeof(*b));
	b->number = number;
	strcpy(b->hash, m->hash);
	strcpy(b->parent_hash, m->parent);
	if (with_txs && m->ntx) {
		b->txs = calloc(m->ntx, sizeof(*b->txs));
		memcpy(b->txs, m->txs, m->ntx * sizeof(*b->txs));
		b->tx_count = m->ntx;
	}
	pthread_mutex_unlock(&M.mu);
	*out = b;
	return W3W_OK;
}

static void m_block_free(w3w_chain_adapter *a, w3w_chain_block *b)
{
	(void)a;
	if (b)
		free(b->txs);
	free(b);
}

static w3w_status m_receipt(w3w_chain_adapter *a, const char *tx_hash, w3w_chain_receipt *out)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	for (size_t i = 0; i < M.nreceipts; i++)
		if (strcmp(M.receipts[i].tx_hash, tx_hash) == 0) {
			memset(out, 0, sizeof(*out));
			strcpy(out->tx_hash, tx_hash);
			out->block_number = M.receipts[i].block;
			strcpy(out->block_hash, M.blocks[M.receipts[i].block].hash);
			out->success = M.receipts[i].success;
			out->gas_used = 21000;
			pthread_mutex_unlock(&M.mu);
			return W3W_OK;
		}
	pthread_mutex_unlock(&M.mu);
	return w3w_error_set(W3W_ENOTFOUND, "mock: no receipt");
}

static w3w_status m_tx_known(w3w_chain_adapter *a, const char *tx_hash, int *known)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	*known = 0;
	for (size_t i = 0; i < M.npool; i++)
		if (strcmp(M.pool[i], tx_hash) == 0)
			*known = 1;
	for (size_t i = 0; i < M.nreceipts; i++)
		if (strcmp(M.receipts[i].tx_hash, tx_hash) == 0)
			*known = 1;
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_nonce(w3w_chain_adapter *a, const char *address, int pending, uint64_t *out)
{
	(void)a;
	(void)address;
	(void)pending;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	*out = M.nonce;
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_fees(w3w_chain_adapter *a, w3w_chain_fees *out)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	memset(out, 0, sizeof(*out));
	out->eip1559 = !M.legacy;
	if (M.legacy)
		u256_set(&out->gas_price, "2000000000");
	u256_set(&out->max_fee_per_gas, M.legacy ? "0" : "2000000000");
	u256_set(&out->max_priority_fee_per_gas, M.legacy ? "0" : "1000000000");
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_estimate(w3w_chain_adapter *a, const w3w_chain_call *call, uint64_t *out)
{
	(void)a;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	if (M.estimate_fails) {
		pthread_mutex_unlock(&M.mu);
		return w3w_error_set(W3W_EINVAL, "execution reverted: ERC20: transfer amount exceeds balance");
	}
	*out = call->data_len ? 51000 : 21000;
	pthread_mutex_unlock(&M.mu);
	return W3W_OK;
}

static w3w_status m_send(w3w_chain_adapter *a, const unsigned char *raw, size_t len, w3w_chain_send_result *out)
{
	unsigned char h[32];
	w3w_chain_send_outcome o;

	(void)a;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&M.mu);
	M.sends++;
	if (M.down) {
		out->outcome = W3W_SEND_NOT_SENT;
		strcpy(out->message, "connection refused");
		pthread_mutex_unlock(&M.mu);
		return w3w_error_set(W3W_EUNAVAILABLE, "mock node: down");
	}
	o = M.next_send ? M.next_send : W3W_SEND_ACCEPTED;
	M.next_send = (w3w_chain_send_outcome)0;
	w3w__keccak256(h, raw, len);
	strcpy(out->tx_hash, "0x");
	w3w__crypto_hex_encode(out->tx_hash + 2, sizeof(out->tx_hash) - 2, h, 32);
	out->outcome = o;
	if (o == W3W_SEND_ACCEPTED) {
		int dup = 0;
		for (size_t i = 0; i < M.npool; i++)
			dup |= strcmp(M.pool[i], out->tx_hash) == 0;
		if (!dup)
			strcpy(M.pool[M.npool++], out->tx_hash);
		M.nonce++;
		pthread_mutex_unlock(&M.mu);
		return W3W_OK;
	}
	snprintf(out->message, sizeof(out->message), "%s",
		o == W3W_SEND_REJECTED ? "insufficient funds for gas * price + value" :
		o == W3W_SEND_NONCE_USED ? "nonce too low" : "timeout");
	pthread_mutex_unlock(&M.mu);
	return w3w_error_set(W3W_EUNAVAILABLE, "mock node: %s", out->message);
}

static w3w_status m_logs(w3w_chain_adapter *a, const char *block_hash, const char *const *contracts, size_t nc,
	const unsigned char topic0[32], w3w_chain_log **out, size_t *count)
{
	(void)a;
	*out = NULL;
	*count = 0;
	pthread_mutex_lock(&M.mu);
	MOCK_GUARD();
	for (size_t n = 0; n < M.nblocks; n++) {
		mock_block *b = &M.blocks[n];
		if (strcmp(b->hash, block_hash) != 0)
			continue;
		*out = calloc(b->nlogs ? b->nlogs : 1, sizeof(**out));
		for (size_t l = 0; l < b->nlogs; l++) {
			int match = 0;
			for (size_t c = 0; c < nc; c++)
				match |= strcasecmp(contracts[c], b->logs[l].address) == 0;
			if (match && memcmp(b->logs[l].topics[0], topic0, 32) == 0)
				(*out)[(*count)++] = b->logs[l];
		}
		break;
	}
	pthread_mutex_unlock(&M.mu);
	if (!*out)
		*out = calloc(1, sizeof(**out)); /* a block no longer canonical has no logs */
	return W3W_OK;
}

static void m_free(w3w_chain_adapter *a)
{
	free(a);
}

static w3w_status mock_open(w3w_chain_adapter **out, const char *url, const w3w_chain_adapter_config *cfg)
{
	static const w3w_chain_adapter init = W3W_CHAIN_ADAPTER_INIT("mock");
	w3w_chain_adapter *a = malloc(sizeof(*a));

	(void)url;
	(void)cfg;
	*a = init;
	a->chain_id = m_chain_id;
	a->head = m_head;
	a->block = m_block;
	a->block_free = m_block_free;
	a->receipt = m_receipt;
	a->nonce = m_nonce;
	a->fees = m_fees;
	a->estimate_gas = m_estimate;
	a->send_raw = m_send;
	a->free = m_free;
	a->logs = m_logs;
	a->tx_known = m_tx_known;
	*out = a;
	return W3W_OK;
}

#endif
