/*
 * The test harness of the chain end-to-end programs (e2e_chain.c,
 * e2e_signer.c): checks that count, anvil's accounts and anvil reached
 * directly with the library's internal JSON-RPC client.
 */
#ifndef W3W_TESTS_CHAIN_HARNESS_H
#define W3W_TESTS_CHAIN_HARNESS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "chain/evm/rpc.h"
#include "w3wallet.h"

#define COIN W3W_AMOUNT_SCALE
#define KEY "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
#define KEY2 "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
#define FUNDER "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"   /* anvil account 1 */
#define PAYER "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"    /* anvil account 2 */
#define DEPLOYER "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" /* anvil account 0 */
#define EXTERNAL "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720" /* anvil account 9: the outside world */
#define CONFIRMATIONS 3

#define CHECK(cond, ...) check((cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

extern int failures, checks;
extern w3w__rpc node;                 /* anvil, for calls the library does not make */
extern char token[W3W_ADDRESS_SIZE];  /* the test ERC-20, once deployed */
extern w3w_actor alice, bob, admin, service;

void check(int ok, const char *file, int line, const char *what, const char *fmt, ...);
double now_ms(void);

/* Call `method` with params given as JSON text; the result is returned (caller deletes). */
cJSON *rpc(const char *method, const char *params_json);
void mine(int blocks);
uint64_t head(void);
/* eth_sendTransaction from an unlocked anvil account (mined at once); returns the receipt. */
cJSON *send_tx(const char *from, const char *to, const char *value_hex, const char *data_hex);
void send_eth(const char *from, const char *to, const char *wei_hex);
void token_transfer(const char *from, const char *to, uint64_t units);
/* Automine mines a broadcast at once, but not synchronously: wait for its receipt. */
void wait_mined(const char *tx_hash);
void deploy_token(const char *bytecode_file);
/* Native balance (decimal text) of an address. */
void eth_balance(char out[W3W_U256_TEXT_SIZE], const char *address);
uint64_t token_balance(const char *address);
/* 1 if the decimal wei text `after` is `before` + wei. */
int wei_grew(const char *before, const char *after, uint64_t wei);

/* Stuck transactions: anvil's automine off or on; a block at 1 gwei base fee (a withdrawal's cap is then
 * about 3 gwei); a block at 100 gwei base fee, which leaves such a transaction out. */
void automine(int on);
void calm(void);
void stick(void);

/* A user's balance of `currency` (and what of it is held), read as admin; -1 on error. */
w3w_amount balance_of(w3w_ctx *ctx, const char *user, const char *currency, w3w_amount *held);
/* One w3w_chain_poll as service, checked to succeed. */
w3w_chain_poll_stats poll_chain(w3w_chain *chain);

#endif
