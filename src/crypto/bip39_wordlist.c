/*
 * The BIP-39 English word list: wordlists/english.txt, the official file
 * byte for byte (one word a line, sorted), embedded at build time by
 * cmake/embed_text.cmake. Its lines are indexed once, on first use.
 */
#include "crypto/bip39.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "crypto/bip39_wordlists.h" /* generated: w3w__bip39_english_txt */

/* starts[i]: offset of word i in the text; starts[i + 1] - 1 is its end (the '\n'). */
static uint16_t starts[W3W__BIP39_WORDS + 1];
static int indexed; /* 1 when the text is exactly W3W__BIP39_WORDS lines */
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void index_lines(void)
{
	const char *text = w3w__bip39_english_txt;
	size_t pos = 0;

	for (int i = 0; i < W3W__BIP39_WORDS; i++) {
		size_t len = strcspn(text + pos, "\n");

		if (len == 0 || len > W3W__BIP39_WORD_MAX || text[pos + len] != '\n')
			return;
		starts[i] = (uint16_t)pos;
		pos += len + 1;
	}
	starts[W3W__BIP39_WORDS] = (uint16_t)pos;
	indexed = text[pos] == '\0';
}

const char *w3w__bip39_word(int index, size_t *len)
{
	pthread_once(&index_once, index_lines);
	if (!indexed || index < 0 || index >= W3W__BIP39_WORDS)
		return NULL;
	*len = (size_t)(starts[index + 1] - starts[index] - 1);
	return w3w__bip39_english_txt + starts[index];
}

int w3w__bip39_word_index(const char *word, size_t len)
{
	int lo = 0, hi = W3W__BIP39_WORDS - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		size_t mlen = 0;
		const char *m = w3w__bip39_word(mid, &mlen);
		int c;

		if (!m)
			return -1;
		c = memcmp(word, m, len < mlen ? len : mlen);
		if (c == 0)
			c = (len > mlen) - (len < mlen);
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}
