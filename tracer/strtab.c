/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interned strings: see strtab.h. */
#include "strtab.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct strtab {
	char *data; /* every string, NUL-terminated, one after another */
	size_t data_len;
	size_t data_cap;
	uint32_t *offsets; /* id -> offset in data */
	size_t count;
	size_t offsets_cap;
	uint32_t *slots; /* open addressing: id + 1, or 0 for empty */
	size_t nslots;	 /* a power of two, at least twice count */
};

static uint64_t hash_bytes(const char *str, size_t len)
{
	uint64_t hash = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		hash ^= (unsigned char)str[i];
		hash *= 1099511628211ULL;
	}
	return hash;
}

static void add_slot(struct strtab *tab, uint32_t id)
{
	const char *str = tab->data + tab->offsets[id];
	size_t idx = hash_bytes(str, strlen(str)) & (tab->nslots - 1);

	while (tab->slots[idx])
		idx = (idx + 1) & (tab->nslots - 1);
	tab->slots[idx] = id + 1;
}

static void rehash(struct strtab *tab, size_t nslots)
{
	free(tab->slots);
	tab->nslots = nslots;
	tab->slots = xcalloc(nslots, sizeof(*tab->slots));
	for (size_t id = 0; id < tab->count; id++)
		add_slot(tab, (uint32_t)id);
}

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
	if (tab->count * 2 > tab->nslots)
		rehash(tab, tab->nslots * 2);
	else
		add_slot(tab, id);
	return id;
}

struct strtab *strtab_new(void)
{
	struct strtab *tab = xcalloc(1, sizeof(*tab));

	tab->nslots = 64;
	tab->slots = xcalloc(tab->nslots, sizeof(*tab->slots));
	append(tab, "", 0);
	return tab;
}

void strtab_free(struct strtab *tab)
{
	if (!tab)
		return;
	free(tab->data);
	free(tab->offsets);
	free(tab->slots);
	free(tab);
}

uint32_t strtab_intern(struct strtab *tab, const char *str, size_t len)
{
	size_t idx;

	if (len == 0)
		return 0;
	idx = hash_bytes(str, len) & (tab->nslots - 1);
	while (tab->slots[idx]) {
		uint32_t id = tab->slots[idx] - 1;
		const char *have = tab->data + tab->offsets[id];

		if (strncmp(have, str, len) == 0 && have[len] == '\0')
			return id;
		idx = (idx + 1) & (tab->nslots - 1);
	}
	return append(tab, str, len);
}

const char *strtab_get(const struct strtab *tab, uint32_t id)
{
	assert(id < tab->count && "string id out of range");
	return tab->data + tab->offsets[id];
}
