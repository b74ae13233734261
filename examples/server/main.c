/*
 * w3wallet-server: the reference HTTP/JSON server of libw3wallet, built
 * only on its public API (<w3wallet.h>). See docs/server.md.
 *
 *   w3wallet-server serve [--walkthrough] [options]
 *   w3wallet-server token --sub UUID --roles user,admin [--ttl 3600]
 *   w3wallet-server version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <w3wallet.h>

#include "config.h"
#include "auth.h"
#include "keys.h"
#include "serve.h"

static int token_command(const config *cfg)
{
	auth_keys keys;
	char master_hex[65], why[200];
	char *token;
	memset(&keys, 0, sizeof(keys));
	if (keys_load(cfg, &keys, master_hex) != 0) {
		auth_clear(&keys);
		return 1;
	}
	sodium_memzero(master_hex, sizeof(master_hex));
	token = auth_sign(&keys, cfg->sub, cfg->roles, cfg->ttl_s, why, sizeof(why));
	auth_clear(&keys);
	if (!token) {
		fprintf(stderr, "w3wallet-server token: %s\n", why);
		return 1;
	}
	printf("%s\n", token);
	free(token);
	return 0;
}

int main(int argc, char **argv)
{
	config cfg;
	enum command command;
	if (sodium_init() < 0) {
		fprintf(stderr, "w3wallet-server: libsodium failed to initialize\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		config_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("w3wallet-server %s (libw3wallet %s)\n", W3W_VERSION, w3w_version());
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		command = CMD_SERVE;
	else if (strcmp(argv[1], "token") == 0)
		command = CMD_TOKEN;
	else {
		fprintf(stderr, "w3wallet-server: unknown command \"%s\"\n\n", argv[1]);
		config_usage(stderr);
		return 2;
	}
	if (config_parse(&cfg, command, argc - 2, argv + 2) != 0)
		return 2;
	return command == CMD_SERVE ? serve(&cfg) : token_command(&cfg);
}
