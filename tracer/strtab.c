/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interned strings: see strtab.h. */
#include "strtab.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hashidx.h"
#include "util.h"

struct strtab {
	char *data; /* every string, NUL-terminated, one after another */
	size_t data_len;
	size_t data_cap;
	uint32_t *offsets; /* id -> offset in data */
	size_t count;
	size_t offsets_cap;
	struct hidx index; /* the hash of each string but "" -> its id */
};

static uint32_t append(struct strtab *tab, const char *str, size_t len)
{
	uint32_t id = (uint32_t)tab->count;

	assert(tab->data_len + len + 1 <= UINT32_MAX && "string table over 4 GiB");
	xgrowarray((void **)&tab->data, &tab->data_cap, tab->data_len + len + 1, 1);
	memcpy(tab->data + tab->data_len, str, len);
	tab->data[tab->data_len + len] = '\0';
	xgrowarray((void **)&tab->offsets, &tab->offsets_cap, tab->count + 1,
		   sizeof(*tab->offsets));
	tab->offsets[id] = (uint32_t)tab->data_len;
	tab->data_len += len + 1;
	tab->count++;
	return id;
}

struct strtab *strtab_new(void)
{
	struct strtab *tab = xcalloc(1, sizeof(*tab));

	/* Id 0, found without a lookup: the index never holds it. */
	append(tab, "", 0);
	return tab;
}

void strtab_free(struct strtab *tab)
{
	if (!tab)
		return;
	free(tab->data);
	free(tab->offsets);
	hidx_free(&tab->index);
	free(tab);
}

uint32_t strtab_intern(struct strtab *tab, const char *str, size_t len)
{
	uint32_t hash, id;
	struct hidx_iter it;

	if (len == 0)
		return 0;
	hash = hidx_hash_bytes(str, len);
	it = hidx_probe(&tab->index, hash);
	while (hidx_next(&tab->index, &it, &id)) {
		const char *have = tab->data + tab->offsets[id];

		if (strncmp(have, str, len) == 0 && have[len] == '\0')
			return id;
	}
	id = append(tab, str, len);
	hidx_insert_missed(&tab->index, &it, id);
	return id;
}

const char *strtab_get(const struct strtab *tab, uint32_t id)
{
	assert(id < tab->count && "string id out of range");
	return tab->data + tab->offsets[id];
}

size_t strtab_count(const struct strtab *tab)
{
	return tab->count;
}
