/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unwind table of one ELF file: see cfi.h.  The formats: the LSB's
 * "Exception Frames" (.eh_frame, its CIE augmentations and pointer
 * encodings) and .eh_frame_hdr (binutils' ld, glibc's unwind-dw2-fde).
 * libdw's dwarf_next_cfi() splits .eh_frame into its CIEs and FDEs;
 * what neither libdw nor libunwind exports, the encoded pointer that
 * starts each FDE, is read here.
 */
#include "cfi.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* An entry of a sorted table, as .eh_frame_hdr has them (datarel, sdata4). */
struct entry {
	int32_t start; /* pc_begin - segbase */
	int32_t fde;   /* the FDE's address - segbase */
};

struct cfi {
	enum cfi_source source;
	struct symbols_load loads[SYMBOLS_MAX_LOADS];
	size_t nloads;
	struct entry *table; /* sorted by start */
	size_t count;
	uint64_t segbase;
	unsigned char *eh_frame; /* the copy of .eh_frame, from eh_start (8-aligned) */
	uint64_t eh_start;
	size_t eh_len;
	Elf_Data eh_data;		/* .eh_frame itself in the copy, for dwarf_next_cfi() */
	uint64_t eh_vaddr;		/* where .eh_frame starts */
	unsigned char ident[EI_NIDENT]; /* the file's class and byte order */
	bool is64;
};

/* The CIE of the FDEs decoded last, and how they encode addresses. */
struct cie_cache {
	Dwarf_Off off;
	uint8_t enc; /* DW_EH_PE_omit: not understood */
};

void cfi_free(struct cfi *cfi)
{
	if (!cfi)
		return;
	free(cfi->table);
	free(cfi->eh_frame);
	free(cfi);
}

/* Reads a ULEB128 or SLEB128 at *p, moving it past; false past end. */
static bool read_leb(const uint8_t **p, const uint8_t *end, bool is_signed, uint64_t *out)
{
	uint64_t val = 0;
	unsigned int shift = 0;
	uint8_t byte;

	do {
		if (*p >= end || shift >= 64)
			return false;
		byte = *(*p)++;
		val |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	if (is_signed && shift < 64 && (byte & 0x40))
		val |= ~(uint64_t)0 << shift;
	*out = val;
	return true;
}

/*
 * Reads a pointer encoded as enc (DW_EH_PE_*) at *p, which lies at
 * address at, moving *p past it.  pc-relative values count from at,
 * data-relative ones from datarel.  False for what an FDE or a table
 * header never holds (indirect, text- or function-relative), or past end.
 */
static bool read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uint64_t at,
			 uint64_t datarel, bool is64, uint64_t *out)
{
	size_t len;
	uint64_t val = 0;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
		len = is64 ? 8 : 4;
		break;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		len = 2;
		break;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		len = 4;
		break;
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		len = 8;
		break;
	case DW_EH_PE_uleb128:
	case DW_EH_PE_sleb128:
		if (!read_leb(p, end, (enc & 0x0f) == DW_EH_PE_sleb128, &val))
			return false;
		len = 0;
		break;
	default:
		return false;
	}
	if (len) {
		if ((size_t)(end - *p) < len)
			return false;
		/* The ELF's byte order is the host's: cfi_read() checks it. */
		memcpy(&val, *p, len);
		if ((enc & DW_EH_PE_signed) && len < 8 && (val >> (8 * len - 1)) & 1)
			val |= ~(uint64_t)0 << (8 * len);
		*p += len;
	}
	switch (enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		val += at;
		break;
	case DW_EH_PE_datarel:
		val += datarel;
		break;
	default:
		return false;
	}
	if (enc & DW_EH_PE_indirect)
		return false;
	*out = is64 ? val : (uint32_t)val;
	return true;
}

/*
 * How a CIE's FDEs encode their first address: its 'R' augmentation,
 * DW_EH_PE_absptr without one.  False for an augmentation not understood.
 */
static bool fde_encoding(const Dwarf_CIE *cie, bool is64, uint8_t *enc)
{
	const char *aug = cie->augmentation;
	const uint8_t *p = cie->augmentation_data;
	const uint8_t *end = p + cie->augmentation_data_size;
	uint64_t skipped;

	*enc = DW_EH_PE_absptr;
	if (aug[0] != 'z')
		return aug[0] == '\0';
	for (aug++; *aug; aug++) {
		switch (*aug) {
		case 'R':
			if (p >= end)
				return false;
			*enc = *p;
			return true;
		case 'L':
			p++;
			break;
		case 'P':
			/* The personality routine: only its size matters here. */
			if (p >= end)
				return false;
			p++;
			if (!read_encoded(&p, end, p[-1] & 0x0f, 0, 0, is64, &skipped))
				return false;
			break;
		case 'S':
		case 'B':
			break;
		default:
			return false;
		}
	}
	return true;
}

static int entry_cmp(const void *left, const void *right)
{
	const struct entry *a = left, *b = right;

	return (a->start > b->start) - (a->start < b->start);
}

/* Appends the FDE at fde (its first address pc) to the table, relative to segbase. */
static void add_entry(struct cfi *cfi, size_t *cap, uint64_t pc, uint64_t fde)
{
	int64_t start = (int64_t)(pc - cfi->segbase);
	int64_t where = (int64_t)(fde - cfi->segbase);

	/* Offsets beyond 2 GiB cannot be in such a table: the FDE is left out. */
	if (start != (int32_t)start || where != (int32_t)where)
		return;
	xgrowarray((void **)&cfi->table, cap, cfi->count + 1, sizeof(*cfi->table));
	cfi->table[cfi->count++] = (struct entry){ (int32_t)start, (int32_t)where };
}

/*
 * The addresses [*begin, *end) the FDE fde (read from data, which lies
 * at vaddr) covers, decoded as its CIE says.  False when it cannot be.
 */
static bool decode_fde(const struct cfi *cfi, Elf_Data *data, uint64_t vaddr, const Dwarf_FDE *fde,
		       struct cie_cache *cache, uint64_t *begin, uint64_t *end)
{
	const uint8_t *p = fde->start;
	uint64_t range;

	/* FDEs follow their CIE: its encoding is asked for once per run of them. */
	if (fde->CIE_pointer != cache->off) {
		Dwarf_CFI_Entry cie;
		Dwarf_Off ignored;

		cache->off = fde->CIE_pointer;
		if (dwarf_next_cfi(cfi->ident, data, true, cache->off, &ignored, &cie) != 0 ||
		    !dwarf_cfi_cie_p(&cie) || !fde_encoding(&cie.cie, cfi->is64, &cache->enc))
			cache->enc = DW_EH_PE_omit;
	}
	if (cache->enc == DW_EH_PE_omit ||
	    !read_encoded(&p, fde->end, cache->enc,
			  vaddr + (uint64_t)(fde->start - (const uint8_t *)data->d_buf), 0,
			  cfi->is64, begin) ||
	    !read_encoded(&p, fde->end, cache->enc & 0x0f, 0, 0, cfi->is64, &range))
		return false;
	*end = *begin + range;
	return *begin != 0;
}

/* Builds the table from .eh_frame (data, at vaddr): each FDE's first address, and where it lies. */
static void build_table(struct cfi *cfi, Elf_Data *data, uint64_t vaddr)
{
	struct cie_cache cache = { (Dwarf_Off)-1, DW_EH_PE_omit };
	Dwarf_Off off = 0, next = (Dwarf_Off)-1;
	size_t cap = 0;

	cfi->segbase = vaddr;
	for (;;) {
		Dwarf_CFI_Entry entry;
		uint64_t begin, end;
		int rc = dwarf_next_cfi(cfi->ident, data, true, off, &next, &entry);

		if (rc > 0)
			break;
		if (rc == 0 && !dwarf_cfi_cie_p(&entry) &&
		    decode_fde(cfi, data, vaddr, &entry.fde, &cache, &begin, &end))
			add_entry(cfi, &cap, begin, vaddr + off);
		/* An entry that cannot be read is skipped when its length is known. */
		if (next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
	qsort(cfi->table, cfi->count, sizeof(*cfi->table), entry_cmp);
	cfi->source = cfi->count ? CFI_EH_FRAME : CFI_NONE;
}

/*
 * Reads .eh_frame_hdr (the PT_GNU_EH_FRAME segment hdr): sets *eh_frame
 * to where it says .eh_frame is, and takes its table when it is a
 * sorted one.  False when it cannot be read.
 */
static bool read_hdr(struct cfi *cfi, Elf *elf, const GElf_Phdr *hdr, bool is64, bool use_table,
		     uint64_t *eh_frame)
{
	Elf_Data *data =
		elf_getdata_rawchunk(elf, (int64_t)hdr->p_offset, hdr->p_filesz, ELF_T_BYTE);
	const uint8_t *start, *p, *end;
	uint64_t count;

	if (!data || data->d_size < 4)
		return false;
	start = data->d_buf;
	end = start + data->d_size;
	p = start + 4;
	/* Version 1; then the encodings of .eh_frame's address, of the count and of the table. */
	if (start[0] != 1 ||
	    !read_encoded(&p, end, start[1], hdr->p_vaddr + 4, hdr->p_vaddr, is64, eh_frame))
		return false;
	if (!use_table || start[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4) ||
	    !read_encoded(&p, end, start[2], hdr->p_vaddr + (uint64_t)(p - start), hdr->p_vaddr,
			  is64, &count) ||
	    count == 0 || count > (size_t)(end - p) / sizeof(struct entry))
		return true;
	cfi->table = xcalloc(count, sizeof(*cfi->table));
	memcpy(cfi->table, p, count * sizeof(*cfi->table));
	cfi->count = count;
	cfi->segbase = hdr->p_vaddr;
	cfi->source = CFI_EH_FRAME_HDR;
	return true;
}

/* The .eh_frame section: its data and address; NULL when the file has none. */
static Elf_Data *eh_frame_section(Elf *elf, uint64_t *vaddr)
{
	Elf_Scn *scn = NULL;
	size_t names;

	if (elf_getshdrstrndx(elf, &names) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(elf, names, shdr.sh_name);
		if (name && strcmp(name, ".eh_frame") == 0) {
			*vaddr = shdr.sh_addr;
			return elf_rawdata(scn, NULL);
		}
	}
	return NULL;
}

/*
 * .eh_frame where the section headers are gone (sstrip): from the
 * address .eh_frame_hdr gives to the end of the PT_LOAD holding it.
 */
static Elf_Data *eh_frame_from_hdr(const struct cfi *cfi, Elf *elf, uint64_t vaddr)
{
	for (size_t i = 0; i < cfi->nloads; i++) {
		const struct symbols_load *load = &cfi->loads[i];

		if (vaddr >= load->vaddr && vaddr < load->vaddr + load->filesz)
			return elf_getdata_rawchunk(
				elf, (int64_t)(load->offset + vaddr - load->vaddr),
				load->filesz - (vaddr - load->vaddr), ELF_T_BYTE);
	}
	return NULL;
}

/* Keeps a copy of .eh_frame (data, at vaddr), from the 8-byte word that holds its start. */
static void copy_eh_frame(struct cfi *cfi, const Elf_Data *data, uint64_t vaddr)
{
	uint64_t lead = vaddr & 7;

	cfi->eh_start = vaddr - lead;
	cfi->eh_len = (lead + data->d_size + 7) & ~(size_t)7;
	cfi->eh_frame = xcalloc(1, cfi->eh_len);
	memcpy(cfi->eh_frame + lead, data->d_buf, data->d_size);
	cfi->eh_data = (Elf_Data){ .d_buf = cfi->eh_frame + lead,
				   .d_type = ELF_T_BYTE,
				   .d_size = data->d_size,
				   .d_version = EV_CURRENT };
	cfi->eh_vaddr = vaddr;
}

struct cfi *cfi_read(const char *path, const struct symbols_identity *want, bool use_hdr)
{
	struct cfi *cfi = xcalloc(1, sizeof(*cfi));
	const unsigned char *ident;
	uint64_t eh_vaddr = 0;
	Elf_Data *eh = NULL;
	GElf_Phdr hdr;
	Elf *elf;
	int fd;

	(void)elf_version(EV_CURRENT);
	elf = symbols_open_elf(path, want, &fd);
	ident = elf ? (const unsigned char *)elf_getident(elf, NULL) : NULL;
	if (!ident || ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
										   : ELFDATA2MSB)) {
		symbols_close_elf(elf, fd);
		return cfi;
	}
	memcpy(cfi->ident, ident, sizeof(cfi->ident));
	cfi->is64 = ident[EI_CLASS] == ELFCLASS64;
	cfi->nloads = symbols_loads(elf, cfi->loads, ARRAY_SIZE(cfi->loads));
	if (symbols_phdr(elf, PT_GNU_EH_FRAME, &hdr) &&
	    read_hdr(cfi, elf, &hdr, cfi->is64, use_hdr, &eh_vaddr)) {
		uint64_t section_vaddr;

		eh = eh_frame_section(elf, &section_vaddr);
		if (!eh || section_vaddr != eh_vaddr)
			eh = eh_frame_from_hdr(cfi, elf, eh_vaddr);
	} else {
		eh = eh_frame_section(elf, &eh_vaddr);
	}
	if (eh && eh->d_size) {
		if (cfi->source == CFI_NONE)
			build_table(cfi, eh, eh_vaddr);
		if (cfi->source != CFI_NONE)
			copy_eh_frame(cfi, eh, eh_vaddr);
	} else if (cfi->source != CFI_NONE) {
		/* A table without the FDEs it points to serves nothing. */
		free(cfi->table);
		cfi->table = NULL;
		cfi->count = 0;
		cfi->source = CFI_NONE;
	}
	symbols_close_elf(elf, fd);
	return cfi;
}

enum cfi_source cfi_source(const struct cfi *cfi)
{
	return cfi->source;
}

size_t cfi_count(const struct cfi *cfi)
{
	return cfi->count;
}

static void fde_of(const struct cfi *cfi, const struct entry *e, struct cfi_fde *fde)
{
	fde->pc_begin = cfi->segbase + (uint64_t)(int64_t)e->start;
	fde->fde = cfi->segbase + (uint64_t)(int64_t)e->fde;
	fde->segbase = cfi->segbase;
}

void cfi_entry(const struct cfi *cfi, size_t i, struct cfi_fde *fde)
{
	fde_of(cfi, &cfi->table[i], fde);
}

bool cfi_vaddr(const struct cfi *cfi, uint64_t offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < cfi->nloads; i++) {
		const struct symbols_load *load = &cfi->loads[i];

		if (offset >= load->offset && offset - load->offset < load->filesz) {
			*vaddr = load->vaddr + (offset - load->offset);
			return true;
		}
	}
	return false;
}

bool cfi_find(const struct cfi *cfi, uint64_t vaddr, struct cfi_fde *fde)
{
	int64_t rel = (int64_t)(vaddr - cfi->segbase);
	size_t lo = 0, hi = cfi->count;

	if (rel != (int32_t)rel)
		rel = rel < 0 ? INT32_MIN : INT32_MAX;
	/* The first entry that starts above rel: the one before it holds vaddr, if any. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cfi->table[mid].start <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	fde_of(cfi, &cfi->table[lo - 1], fde);
	return true;
}

bool cfi_word(const struct cfi *cfi, uint64_t vaddr, uint64_t *word)
{
	uint64_t at = vaddr - cfi->eh_start;

	if (vaddr < cfi->eh_start || at > cfi->eh_len || cfi->eh_len - at < sizeof(*word))
		return false;
	memcpy(word, cfi->eh_frame + at, sizeof(*word));
	return true;
}

bool cfi_range(const struct cfi *cfi, uint64_t vaddr, uint64_t *begin, uint64_t *end)
{
	struct cie_cache cache = { (Dwarf_Off)-1, DW_EH_PE_omit };
	Elf_Data data = cfi->eh_data;
	struct cfi_fde fde;
	Dwarf_CFI_Entry entry;
	Dwarf_Off next;

	if (!cfi_find(cfi, vaddr, &fde) || fde.fde < cfi->eh_vaddr)
		return false;
	/* dwarf_next_cfi() takes the data as not const: it reads it only. */
	return dwarf_next_cfi(cfi->ident, &data, true, fde.fde - cfi->eh_vaddr, &next, &entry) ==
		       0 &&
	       !dwarf_cfi_cie_p(&entry) &&
	       decode_fde(cfi, &data, cfi->eh_vaddr, &entry.fde, &cache, begin, end) &&
	       *begin <= vaddr && vaddr < *end;
}

bool cfi_covers(const struct cfi *cfi, uint64_t vaddr)
{
	uint64_t begin, end;

	return cfi_range(cfi, vaddr, &begin, &end);
}
