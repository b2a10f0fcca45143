/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unwind table of one ELF file: see cfi.h.  The formats: the LSB's
 * "Exception Frames" (.eh_frame, its CIE augmentations and pointer
 * encodings) and .eh_frame_hdr (binutils' ld, glibc's unwind-dw2-fde).
 * libdw's dwarf_next_cfi() splits .eh_frame into its CIEs and FDEs;
 * what neither libdw nor libunwind exports, the encoded pointer that
 * starts each FDE, is read here.  .debug_frame is DWARF's "Call Frame
 * Information" (DWARF 5, section 6.4).
 */
#include "cfi.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* An entry of a sorted table, as .eh_frame_hdr has them (datarel, sdata4). */
struct entry {
	int32_t start; /* pc_begin - segbase */
	int32_t fde;   /* the FDE's address - segbase */
};

/* An entry of the table of .debug_frame. */
struct dentry {
	uint64_t start; /* pc_begin, as the file has it */
	uint64_t end;	/* pc_begin + pc_range: decoded once, for cfi_find() */
	uint64_t fde;	/* the FDE's offset in the copy */
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
	bool aarch64;	       /* an aarch64 file: its CFA programs may toggle the RA sign state */
	struct dentry *dtable; /* .debug_frame's FDEs, sorted by start */
	size_t dcount;
	unsigned char *dbg; /* the copy of .debug_frame, rewritten (read_debug_frame()) */
	size_t dbg_len;	    /* its bytes, a multiple of 8 */
	Elf_Data dbg_data;  /* the same, for dwarf_next_cfi() */
};

/* The CIE of the FDEs decoded last, and how they encode addresses. */
struct cie_cache {
	Dwarf_Off off;
	uint8_t enc;   /* DW_EH_PE_omit: not understood */
	bool aug_data; /* a 'z' augmentation: FDEs have augmentation data */
};

void cfi_free(struct cfi *cfi)
{
	if (!cfi)
		return;
	free(cfi->table);
	free(cfi->eh_frame);
	free(cfi->dtable);
	free(cfi->dbg);
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
 * The CIE of fde, in data (.eh_frame when eh): how its FDEs encode their
 * addresses and whether they have augmentation data, into cache.  FDEs
 * follow their CIE: it is read once per run of them.  False when it is
 * not understood.
 */
static bool cie_of(const struct cfi *cfi, Elf_Data *data, bool eh, const Dwarf_FDE *fde,
		   struct cie_cache *cache)
{
	if (fde->CIE_pointer != cache->off) {
		Dwarf_CFI_Entry cie;
		Dwarf_Off ignored;

		cache->off = fde->CIE_pointer;
		if (dwarf_next_cfi(cfi->ident, data, eh, cache->off, &ignored, &cie) != 0 ||
		    !dwarf_cfi_cie_p(&cie) || !fde_encoding(&cie.cie, cfi->is64, &cache->enc))
			cache->enc = DW_EH_PE_omit;
		else
			cache->aug_data = cie.cie.augmentation[0] == 'z';
	}
	return cache->enc != DW_EH_PE_omit;
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

	if (!cie_of(cfi, data, true, fde, cache) ||
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
	struct cie_cache cache = { (Dwarf_Off)-1, DW_EH_PE_omit, false };
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

/* The section called name, its header in *shdr; NULL when the file has none. */
static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t names;

	if (elf_getshdrstrndx(elf, &names) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *got;

		if (!gelf_getshdr(scn, shdr) || shdr->sh_type != SHT_PROGBITS)
			continue;
		got = elf_strptr(elf, names, shdr->sh_name);
		if (got && strcmp(got, name) == 0)
			return scn;
	}
	return NULL;
}

/* The .eh_frame section: its data and address; NULL when the file has none. */
static Elf_Data *eh_frame_section(Elf *elf, uint64_t *vaddr)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_section(elf, ".eh_frame", &shdr);

	if (!scn)
		return NULL;
	*vaddr = shdr.sh_addr;
	return elf_rawdata(scn, NULL);
}

/*
 * The .debug_frame section, uncompressed by libelf when it is not
 * (SHF_COMPRESSED, or the older .zdebug_frame); NULL when the file has
 * none.
 */
static Elf_Data *debug_frame_section(Elf *elf)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_section(elf, ".debug_frame", &shdr);

	if (scn && (shdr.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return NULL;
	if (!scn) {
		scn = find_section(elf, ".zdebug_frame", &shdr);
		if (!scn || elf_compress_gnu(scn, 0, 0) < 0)
			return NULL;
	}
	return elf_getdata(scn, NULL);
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

/*
 * See cfi.h.  aarch64's pointer authentication toggles the return
 * address's "signed" state with DW_CFA_AARCH64_negate_ra_state (the
 * number of SPARC's DW_CFA_GNU_window_save, 0x2d), which libunwind before
 * 1.7 takes for an error: it then follows x30 instead, and the stack of
 * every function built with -mbranch-protection (the default of newer
 * distributions) ends in a repeated frame.  The walk strips the code from
 * every return address itself (arch_code_address()), so the state is not
 * needed.
 */
void cfi_nop_ra_state(uint8_t *start, const uint8_t *end)
{
	const uint8_t *p = start;
	uint64_t reg, val;

	while (p < end) {
		uint8_t op = *p++;
		bool ok = true;

		switch (op >> 6) {
		case 1: /* DW_CFA_advance_loc, DW_CFA_restore: the operand is in op */
		case 3:
			continue;
		case 2: /* DW_CFA_offset: and a ULEB128 */
			ok = read_leb(&p, end, false, &val);
			break;
		default:
			switch (op) {
			case DW_CFA_nop:
			case DW_CFA_remember_state:
			case DW_CFA_restore_state:
				break;
			case DW_CFA_GNU_window_save: /* DW_CFA_AARCH64_negate_ra_state */
				start[p - 1 - start] = DW_CFA_nop;
				break;
			case DW_CFA_advance_loc1:
			case DW_CFA_advance_loc2:
			case DW_CFA_advance_loc4:
				/* 1, 2 or 4 bytes */
				val = op == DW_CFA_advance_loc1	  ? 1
				      : op == DW_CFA_advance_loc2 ? 2
								  : 4;
				ok = val <= (uint64_t)(end - p);
				p += ok ? val : 0;
				break;
			case DW_CFA_restore_extended:
			case DW_CFA_undefined:
			case DW_CFA_same_value:
			case DW_CFA_def_cfa_register:
			case DW_CFA_def_cfa_offset:
			case DW_CFA_GNU_args_size:
				ok = read_leb(&p, end, false, &val);
				break;
			case DW_CFA_def_cfa_offset_sf:
				ok = read_leb(&p, end, true, &val);
				break;
			case DW_CFA_offset_extended:
			case DW_CFA_register:
			case DW_CFA_def_cfa:
			case DW_CFA_val_offset:
			case DW_CFA_GNU_negative_offset_extended:
			case DW_CFA_offset_extended_sf:
			case DW_CFA_def_cfa_sf:
			case DW_CFA_val_offset_sf:
				/* A register, then an offset (the _sf ones signed: the same bytes) */
				ok = read_leb(&p, end, false, &reg) &&
				     read_leb(&p, end, false, &val);
				break;
			case DW_CFA_def_cfa_expression:
				ok = read_leb(&p, end, false, &val) && val <= (uint64_t)(end - p);
				p += ok ? val : 0;
				break;
			case DW_CFA_expression:
			case DW_CFA_val_expression:
				ok = read_leb(&p, end, false, &reg) &&
				     read_leb(&p, end, false, &val) && val <= (uint64_t)(end - p);
				p += ok ? val : 0;
				break;
			default:
				ok = false;
			}
		}
		if (!ok)
			return;
	}
}

/*
 * Every CFA program of the copy data (.eh_frame when eh, else .debug_frame
 * as the file has it) through cfi_nop_ra_state(): each CIE's initial
 * instructions, each FDE's, which follow its addresses (encoded as its
 * CIE says) and, under a 'z' augmentation, their length and data.
 */
static void nop_ra_states(const struct cfi *cfi, Elf_Data *data, bool eh)
{
	struct cie_cache cache = { (Dwarf_Off)-1, DW_EH_PE_omit, false };
	Dwarf_Off off = 0, next = (Dwarf_Off)-1;
	uint8_t *base = data->d_buf;

	for (;;) {
		Dwarf_CFI_Entry entry;
		const uint8_t *p;
		uint64_t skip;
		int rc = dwarf_next_cfi(cfi->ident, data, eh, off, &next, &entry);

		if (rc > 0)
			break;
		if (rc == 0 && dwarf_cfi_cie_p(&entry)) {
			cfi_nop_ra_state(base + (entry.cie.initial_instructions - base),
					 entry.cie.initial_instructions_end);
		} else if (rc == 0 && cie_of(cfi, data, eh, &entry.fde, &cache)) {
			p = entry.fde.start;
			if (read_encoded(&p, entry.fde.end, cache.enc, 0, 0, cfi->is64, &skip) &&
			    read_encoded(&p, entry.fde.end, cache.enc & 0x0f, 0, 0, cfi->is64,
					 &skip) &&
			    (!cache.aug_data || (read_leb(&p, entry.fde.end, false, &skip) &&
						 skip <= (uint64_t)(entry.fde.end - p))))
				cfi_nop_ra_state(base + (p - base) + (cache.aug_data ? skip : 0),
						 entry.fde.end);
		}
		if (next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
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

/* Where the id of the entry at off of data lies (its CIE pointer in an FDE), and its width. */
static size_t id_field(const Elf_Data *data, Dwarf_Off off, size_t *width)
{
	uint32_t len;

	/* dwarf_next_cfi() read the entry: its header is inside data. */
	memcpy(&len, (const uint8_t *)data->d_buf + off, sizeof(len));
	*width = len == 0xffffffff ? 8 : 4; /* 64-bit DWARF: a length of 8 bytes follows */
	return off + (len == 0xffffffff ? 12 : 4);
}

/* Writes val, width bytes of it, at byte at of .debug_frame's copy. */
static void put_field(struct cfi *cfi, size_t at, size_t width, uint64_t val)
{
	uint32_t val32 = (uint32_t)val;

	/* The file's byte order is the host's (cfi_read()). */
	memcpy(cfi->dbg + at, width == 4 ? (const void *)&val32 : (const void *)&val, width);
}

/*
 * Makes the version 4 CIE whose version byte is at version_at (and which
 * ends before end) a version 3 one, in place.  Version 4 adds the sizes
 * of an address and of a segment selector after the augmentation, which
 * libunwind's parser does not skip (it reads the return address column
 * as version 3 does): the rest of the CIE moves back over them, and two
 * DW_CFA_nop pad its end.  False when the sizes are not the file's (a
 * segment selector, another address size).
 */
static bool cie_to_v3(struct cfi *cfi, size_t version_at, size_t end)
{
	uint8_t *version = cfi->dbg + version_at;
	uint8_t *aug_end = memchr(version + 1, 0, end - version_at - 1);

	if (!aug_end || cfi->dbg + end - aug_end < 3 || aug_end[1] != (cfi->is64 ? 8 : 4) ||
	    aug_end[2] != 0)
		return false;
	memmove(aug_end + 1, aug_end + 3, (size_t)(cfi->dbg + end - (aug_end + 3)));
	memset(cfi->dbg + end - 2, DW_CFA_nop, 2);
	*version = 3;
	return true;
}

/*
 * Rewrites the CIE at off (ending before end) of .debug_frame's copy in
 * .eh_frame's form.  Returns whether libunwind can read it: version 1, 3
 * or 4 (made 3), and absolute addresses in its FDEs.
 */
static bool cie_rewrite(struct cfi *cfi, Dwarf_Off off, Dwarf_Off end, const Dwarf_CIE *cie)
{
	size_t width, at = id_field(&cfi->dbg_data, off, &width);
	uint8_t version = cfi->dbg[at + width];
	uint8_t enc;
	bool usable =
		fde_encoding(cie, cfi->is64, &enc) && enc == DW_EH_PE_absptr &&
		(version == 1 || version == 3 || (version == 4 && cie_to_v3(cfi, at + width, end)));

	put_field(cfi, at, width, 0);
	return usable;
}

/* The CIEs of .debug_frame met so far, in section order, and whether each is usable. */
struct cie_marks {
	struct {
		Dwarf_Off off;
		bool usable;
	} * marks;
	size_t count, cap;
};

static bool cie_marked_usable(const struct cie_marks *cies, Dwarf_Off off)
{
	size_t lo = 0, hi = cies->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cies->marks[mid].off == off)
			return cies->marks[mid].usable;
		if (cies->marks[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false; /* not met yet (after its FDE), or not a CIE */
}

/*
 * Rewrites the entry at off (ending before end) of .debug_frame's copy,
 * and puts an FDE in the table.
 */
static void debug_frame_entry(struct cfi *cfi, Dwarf_Off off, Dwarf_Off end,
			      const Dwarf_CFI_Entry *entry, struct cie_marks *cies, size_t *cap)
{
	const uint8_t *p = entry->fde.start;
	size_t width, at = id_field(&cfi->dbg_data, off, &width);
	uint64_t begin, range;

	if (dwarf_cfi_cie_p(entry)) {
		xgrowarray((void **)&cies->marks, &cies->cap, cies->count + 1,
			   sizeof(*cies->marks));
		cies->marks[cies->count].off = off;
		cies->marks[cies->count++].usable = cie_rewrite(cfi, off, end, &entry->cie);
		return;
	}
	if (!cie_marked_usable(cies, entry->fde.CIE_pointer) ||
	    !read_encoded(&p, entry->fde.end, DW_EH_PE_absptr, 0, 0, cfi->is64, &begin) ||
	    !read_encoded(&p, entry->fde.end, DW_EH_PE_absptr, 0, 0, cfi->is64, &range) ||
	    begin == 0)
		return;
	put_field(cfi, at, width, at - entry->fde.CIE_pointer);
	xgrowarray((void **)&cfi->dtable, cap, cfi->dcount + 1, sizeof(*cfi->dtable));
	cfi->dtable[cfi->dcount++] = (struct dentry){ begin, begin + range, off };
}

static int dentry_cmp(const void *left, const void *right)
{
	const struct dentry *a = left, *b = right;

	return (a->start > b->start) - (a->start < b->start);
}

/*
 * Keeps a copy of .debug_frame (raw) in .eh_frame's form, and the table
 * of its FDEs.  To libunwind, which parses .eh_frame at any address it
 * is told, the two differ in two fields: a CIE's id (0xffffffff there, 0
 * here) and an FDE's CIE pointer (the CIE's offset in the section there,
 * its distance back from the pointer here).  Addresses are absolute in
 * both: the walk adds the load bias (unwinder.c).
 */
static void read_debug_frame(struct cfi *cfi, const Elf_Data *raw)
{
	struct cie_marks cies = { NULL, 0, 0 };
	Dwarf_Off off = 0, next = (Dwarf_Off)-1;
	size_t cap = 0;

	cfi->dbg_len = (raw->d_size + 7) & ~(size_t)7;
	cfi->dbg = xcalloc(1, cfi->dbg_len);
	memcpy(cfi->dbg, raw->d_buf, raw->d_size);
	cfi->dbg_data = (Elf_Data){ .d_buf = cfi->dbg,
				    .d_type = ELF_T_BYTE,
				    .d_size = raw->d_size,
				    .d_version = EV_CURRENT };
	if (cfi->aarch64)
		nop_ra_states(cfi, &cfi->dbg_data, false);
	/* An entry is read before it is rewritten; a CIE's FDEs follow it. */
	for (;;) {
		Dwarf_CFI_Entry entry;
		int rc = dwarf_next_cfi(cfi->ident, &cfi->dbg_data, false, off, &next, &entry);

		if (rc > 0)
			break;
		if (rc == 0)
			debug_frame_entry(cfi, off, next, &entry, &cies, &cap);
		if (next == (Dwarf_Off)-1 || next <= off)
			break;
		off = next;
	}
	free(cies.marks);
	qsort(cfi->dtable, cfi->dcount, sizeof(*cfi->dtable), dentry_cmp);
}

/* .debug_frame from elf, else from its debug file at debug_path (may be NULL). */
static void find_debug_frame(struct cfi *cfi, Elf *elf, const char *debug_path)
{
	Elf_Data *data = debug_frame_section(elf);
	Elf *debug = NULL;
	int fd = -1;

	if (!data && debug_path) {
		debug = symbols_open_elf(debug_path, NULL, &fd);
		data = debug ? debug_frame_section(debug) : NULL;
	}
	if (data && data->d_size)
		read_debug_frame(cfi, data);
	symbols_close_elf(debug, fd);
}

struct cfi *cfi_read(const char *path, const struct symbols_identity *want, bool use_hdr,
		     const char *debug_path)
{
	struct cfi *cfi = xcalloc(1, sizeof(*cfi));
	const unsigned char *ident;
	uint64_t eh_vaddr = 0;
	Elf_Data *eh = NULL;
	GElf_Ehdr ehdr;
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
	cfi->aarch64 = gelf_getehdr(elf, &ehdr) && ehdr.e_machine == EM_AARCH64;
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
		if (cfi->source != CFI_NONE && cfi->aarch64)
			nop_ra_states(cfi, &cfi->eh_data, true);
	} else if (cfi->source != CFI_NONE) {
		/* A table without the FDEs it points to serves nothing. */
		free(cfi->table);
		cfi->table = NULL;
		cfi->count = 0;
		cfi->source = CFI_NONE;
	}
	find_debug_frame(cfi, elf, debug_path);
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
	*fde = (struct cfi_fde){ .pc_begin = cfi->segbase + (uint64_t)(int64_t)e->start,
				 .fde = cfi->segbase + (uint64_t)(int64_t)e->fde,
				 .segbase = cfi->segbase };
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

/* The last FDE of .eh_frame's table whose pc_begin is at or below vaddr. */
static bool find_eh(const struct cfi *cfi, uint64_t vaddr, struct cfi_fde *fde)
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

/* The same in .debug_frame's, and where that FDE's range ends (*end). */
static bool find_debug(const struct cfi *cfi, uint64_t vaddr, struct cfi_fde *fde, uint64_t *end)
{
	size_t lo = upper_bound_u64(cfi->dtable, cfi->dcount, sizeof(*cfi->dtable),
				    offsetof(struct dentry, start), vaddr);

	if (lo == 0)
		return false;
	*fde = (struct cfi_fde){ .pc_begin = cfi->dtable[lo - 1].start,
				 .fde = cfi->dtable[lo - 1].fde,
				 .debug_frame = true };
	*end = cfi->dtable[lo - 1].end;
	return true;
}

static bool fde_range(const struct cfi *cfi, const struct cfi_fde *fde, uint64_t *begin,
		      uint64_t *end);

bool cfi_find(const struct cfi *cfi, uint64_t vaddr, struct cfi_fde *fde)
{
	struct cfi_fde dbg;
	uint64_t begin, end, dbg_end;
	bool in_eh = find_eh(cfi, vaddr, fde);
	bool in_debug = find_debug(cfi, vaddr, &dbg, &dbg_end);

	if (!in_eh || !in_debug) {
		if (in_debug)
			*fde = dbg;
		return in_eh || in_debug;
	}
	/*
	 * In both tables (a file with .eh_frame and .debug_frame): the one
	 * that starts closer below vaddr, .eh_frame's on a tie, unless it
	 * ends before vaddr and the other does not.  .debug_frame's end is
	 * in its table: the common case (.eh_frame for the C runtime's start
	 * files alone, the functions in .debug_frame) parses no FDE.
	 */
	if (dbg.pc_begin > fde->pc_begin) {
		if (vaddr < dbg_end)
			*fde = dbg;
	} else if (dbg.pc_begin < fde->pc_begin && fde_range(cfi, fde, &begin, &end) &&
		   vaddr >= end) {
		*fde = dbg;
	}
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

bool cfi_debug_word(const struct cfi *cfi, uint64_t offset, uint64_t *word)
{
	if (offset > cfi->dbg_len || cfi->dbg_len - offset < sizeof(*word))
		return false;
	memcpy(word, cfi->dbg + offset, sizeof(*word));
	return true;
}

size_t cfi_debug_count(const struct cfi *cfi)
{
	return cfi->dcount;
}

/* The addresses [*begin, *end) fde covers.  False when it cannot be read. */
static bool fde_range(const struct cfi *cfi, const struct cfi_fde *fde, uint64_t *begin,
		      uint64_t *end)
{
	struct cie_cache cache = { (Dwarf_Off)-1, DW_EH_PE_omit, false };
	Elf_Data data;
	uint64_t base = 0; /* where data lies (.debug_frame's copy: its pointers are absolute) */
	Dwarf_CFI_Entry entry;
	Dwarf_Off next;

	if (fde->debug_frame) {
		data = cfi->dbg_data;
	} else {
		if (fde->fde < cfi->eh_vaddr)
			return false;
		data = cfi->eh_data;
		base = cfi->eh_vaddr;
	}
	/* dwarf_next_cfi() takes the data as not const: it reads it only. */
	return dwarf_next_cfi(cfi->ident, &data, true, fde->fde - base, &next, &entry) == 0 &&
	       !dwarf_cfi_cie_p(&entry) &&
	       decode_fde(cfi, &data, base, &entry.fde, &cache, begin, end);
}

bool cfi_range(const struct cfi *cfi, uint64_t vaddr, uint64_t *begin, uint64_t *end)
{
	struct cfi_fde fde;

	return cfi_find(cfi, vaddr, &fde) && fde_range(cfi, &fde, begin, end) && *begin <= vaddr &&
	       vaddr < *end;
}

bool cfi_covers(const struct cfi *cfi, uint64_t vaddr)
{
	uint64_t begin, end;

	return cfi_range(cfi, vaddr, &begin, &end);
}
