/*
 * Guest memory: demand filling of a VM's RAM, the checked accessor every
 * other part of Keel uses to reach guest memory, and the dirty log (see
 * include/keel/guest_mem.h for the model).
 *
 * Chunks are indexed by 2 MiB-aligned span, per region: a region at IPA
 * 0x40100000 of 5 MiB has three chunks, [0x40100000, 0x40200000),
 * [0x40200000, 0x40400000) and [0x40400000, 0x40600000). Each chunk's fill
 * progress is its own; two spans never share one (the bug this layout
 * replaces let a reset skip zeroing half of a chunk when a region was not
 * 2 MiB aligned).
 *
 * A read-only region (keel_blob_vm.mem_read_only) is filled like any other
 * (zeroes, then its image) but mapped readable and executable only, even
 * with the dirty log off: a guest write is a permission fault that
 * gm_fault() refuses (the caller injects an abort, as a ROM would give),
 * the accessor refuses writes, and nothing ever marks it dirty, so a
 * checkpoint never copies it and a standby VM has no copy of it: after a
 * failover it is what it always was, its images' bytes.
 */
#include <keel/arch/cpu.h>
#include <keel/guest_mem.h>
#include <keel/log.h>
#include <keel/string.h>

static u64 gm_dirty_pool[GM_DIRTY_POOL_WORDS];
static u64 gm_dirty_pool_used;

u64 gm_dirty_words(const struct keel_blob_vm *cfg)
{
	u64 pages = 0;

	for (u32 i = 0; i < cfg->nr_mem && i < KEEL_MAX_MEM_REGIONS; i++)
		pages += cfg->mem[i].size / PAGE_SIZE;
	return DIV_ROUND_UP(pages, 64);
}

u64 *gm_dirty_pool_take(u64 words)
{
	u64 *p;

	if (words > GM_DIRTY_POOL_WORDS - gm_dirty_pool_used)
		return NULL;
	p = &gm_dirty_pool[gm_dirty_pool_used];
	gm_dirty_pool_used += words;
	memset(p, 0, words * sizeof(*p));
	return p;
}

void gm_dirty_pool_reset(void)
{
	gm_dirty_pool_used = 0;
}

static u64 span_start(u64 ipa) { return ALIGN_DOWN(ipa, GM_CHUNK); }
static const struct gm_region *gm_region_of(const struct guest_mem *gm, u64 ipa);

bool gm_init(struct guest_mem *gm, struct stage2 *s2, const struct keel_blob_vm *cfg)
{
	u32 chunks = 0;
	u64 pages = 0;

	memset(gm, 0, sizeof(*gm));
	gm->s2 = s2;
	if (cfg->nr_mem > KEEL_MAX_MEM_REGIONS || cfg->nr_images > KEEL_MAX_IMAGES)
		return false;
	for (u32 i = 0; i < cfg->nr_mem; i++) {
		const struct keel_blob_mem *m = &cfg->mem[i];
		struct gm_region *r = &gm->regions[i];
		u64 n;

		if (!m->size || !IS_ALIGNED(m->ipa | m->pa | m->size, PAGE_SIZE) || m->ipa >= BIT(STAGE2_IPA_BITS) ||
		    m->size > BIT(STAGE2_IPA_BITS) - m->ipa)
			return false;
		n = (ALIGN_UP(m->ipa + m->size, GM_CHUNK) - span_start(m->ipa)) / GM_CHUNK;
		if (n > GM_MAX_CHUNKS - chunks)
			return false;
		*r = (struct gm_region){ ipa_of(m->ipa), pa_of(m->pa), m->size, chunks, pages,
					 (cfg->mem_read_only >> i & 1) != 0, 0 };
		chunks += (u32)n;
		pages += m->size / PAGE_SIZE;
	}
	gm->nr_regions = cfg->nr_mem;
	for (u32 i = 0; i < cfg->nr_images; i++) {
		const struct keel_blob_image *img = &cfg->images[i];
		const struct gm_region *r = gm_region_of(gm, img->dst_ipa);

		/* Each image lies inside one RAM region (keelcfg places it so): fills never write past RAM. */
		if (!r || img->size > r->size - (img->dst_ipa - ipa_val(r->ipa)))
			return false;
		gm->images[i] = (struct gm_image){ pa_of(img->src_pa), ipa_of(img->dst_ipa), img->size };
	}
	gm->nr_images = cfg->nr_images;
	gm->nr_chunks = chunks;
	gm->nr_pages = pages;
	gm->dirty = gm_dirty_pool_take(DIV_ROUND_UP(pages, 64));
	return gm->dirty != NULL;
}

/* The region holding ipa, or NULL. */
static const struct gm_region *gm_region_of(const struct guest_mem *gm, u64 ipa)
{
	for (u32 i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];

		if (ipa >= ipa_val(r->ipa) && ipa - ipa_val(r->ipa) < r->size)
			return r;
	}
	return NULL;
}

/* The chunk holding ipa in region r, and its IPA range [*start, *end). */
static struct gm_chunk *gm_chunk_of(struct guest_mem *gm, const struct gm_region *r, u64 ipa, u64 *start,
				    u64 *end)
{
	u64 base = ipa_val(r->ipa);
	u32 index = r->first_chunk + (u32)((span_start(ipa) - span_start(base)) / GM_CHUNK);

	*start = MAX(span_start(ipa), base);
	*end = MIN(span_start(ipa) + GM_CHUNK, base + r->size);
	return &gm->chunks[index];
}

static paddr_t gm_pa(const struct gm_region *r, u64 ipa)
{
	return pa_add(r->pa, ipa - ipa_val(r->ipa));
}

/*
 * Zero [ipa, ipa + len) of region r at base (its RAM, or its standby copy),
 * then copy in the parts of boot images that land there. The guest may run
 * with its MMU and caches off and must not see what the last run left in
 * memory behind the caches, nor execute stale instructions: clean the whole
 * step to the point of coherency; true if image bytes were copied.
 */
static bool gm_fill_at(const struct guest_mem *gm, const struct gm_region *r, paddr_t base, u64 ipa, u64 len)
{
	u64 off = ipa - ipa_val(r->ipa);
	bool copied = false;

	arch_memzero(pa_ptr(pa_add(base, off)), len);
	for (u32 i = 0; i < gm->nr_images; i++) {
		const struct gm_image *img = &gm->images[i];
		u64 lo = MAX(ipa, ipa_val(img->dst)), hi = MIN(ipa + len, ipa_val(img->dst) + img->size);

		if (lo >= hi)
			continue;
		memcpy(pa_ptr(pa_add(base, lo - ipa_val(r->ipa))), pa_ptr(pa_add(img->src, lo - ipa_val(img->dst))),
		       hi - lo);
		copied = true;
	}
	arch_dcache_clean(pa_ptr(pa_add(base, off)), len);
	return copied;
}

/* Is the standby copy filled along with RAM (gm_mirror_fills), so new chunks start clean in the log? */
static bool gm_mirroring(const struct guest_mem *gm)
{
	return gm->logging && gm->mirror_pa;
}

/* Fill a step of region r's RAM, and of its standby copy when mirroring (lock held); a read-only one has none. */
static void gm_fill(const struct guest_mem *gm, const struct gm_region *r, u64 ipa, u64 len)
{
	bool copied = gm_fill_at(gm, r, r->pa, ipa, len);

	if (gm_mirroring(gm) && !r->read_only)
		gm_fill_at(gm, r, pa_of(gm->mirror_pa[r - gm->regions]), ipa, len);
	if (copied)
		arch_icache_invalidate_all(); /* code was copied into RAM: no stale instructions */
}

static void gm_mark_dirty(struct guest_mem *gm, const struct gm_region *r, u64 ipa, u64 len)
{
	u64 first = r->first_page + (ipa - ipa_val(r->ipa)) / PAGE_SIZE;
	u64 last = r->first_page + (ipa + len - 1 - ipa_val(r->ipa)) / PAGE_SIZE;

	for (u64 p = first; p <= last && !r->read_only; p++) { /* a read-only region is never written */
		u64 bit = 1ull << (p % 64);

		if (!(gm->dirty[p / 64] & bit)) {
			gm->dirty[p / 64] |= bit;
			gm->nr_dirty++;
		}
	}
}

/*
 * Fill and map the chunk holding ipa (lock held). With preemptible, stops
 * between steps when an interrupt is pending and returns GM_RETRY; the next
 * call goes on where this one stopped.
 */
static enum gm_result gm_populate_locked(struct guest_mem *gm, const struct gm_region *r, u64 ipa,
					 bool preemptible)
{
	u64 start, end;
	struct gm_chunk *c = gm_chunk_of(gm, r, ipa, &start, &end);

	if (c->mapped)
		return GM_OK;
	while (c->filled < end - start) {
		u64 step = MIN((u64)GM_FILL_STEP, end - start - c->filled);

		gm_fill(gm, r, start + c->filled, step);
		c->filled += (u32)step;
		if (preemptible && c->filled < end - start && arch_irq_pending())
			return GM_RETRY;
	}
	/*
	 * While the log runs a new chunk is either all dirty (its content is
	 * new since the last harvest) or, when the standby copy was filled
	 * alike, clean and write-protected like the rest: only the pages the
	 * guest then writes reach the next checkpoint, not the whole chunk.
	 * A read-only region is never writable: a ROM that may hold code.
	 */
	if (s2_map(gm->s2, ipa_of(start), gm_pa(r, start), end - start,
		   gm_mirroring(gm) || r->read_only ? MM_READ | MM_EXEC : MM_RWX) != PT_OK)
		return GM_NOMEM;
	c->mapped = true;
	gm->nr_chunks_mapped++;
	if (gm->logging && !gm_mirroring(gm))
		gm_mark_dirty(gm, r, start, end - start);
	return GM_OK;
}

void gm_reset(struct guest_mem *gm)
{
	spin_lock(&gm->lock);
	for (u32 i = 0; i < gm->nr_regions; i++)
		s2_unmap(gm->s2, gm->regions[i].ipa, gm->regions[i].size);
	memset(gm->chunks, 0, sizeof(gm->chunks[0]) * gm->nr_chunks);
	gm->nr_chunks_mapped = 0;
	gm->logging = false;
	gm->mirror_pa = NULL;
	memset(gm->dirty, 0, DIV_ROUND_UP(gm->nr_pages, 64) * sizeof(u64));
	gm->nr_dirty = 0;
	spin_unlock(&gm->lock);
}

/* A write to a write-protected RAM page while the dirty log runs (lock held). */
static enum gm_result gm_log_write(struct guest_mem *gm, const struct gm_region *r, u64 ipa)
{
	u64 page = ALIGN_DOWN(ipa, PAGE_SIZE);
	u32 flags;

	if (r->read_only)
		return GM_DENIED; /* a write to a ROM: the caller injects an abort */
	if (!s2_walk(gm->s2, ipa_of(page), NULL, &flags))
		return GM_DENIED; /* cannot happen for a mapped chunk */
	if (flags & MM_WRITE) {
		/* Another vCPU got here first; this CPU may still hold the read-only entry. */
		s2_flush_local(gm->s2, ipa_of(page));
		return GM_OK;
	}
	if (!gm->logging)
		return GM_DENIED;
	/* Only this CPU's TLB entry: a broadcast flush per written page would stop every CPU each time. */
	if (s2_relax(gm->s2, ipa_of(page), MM_RWX) != PT_OK)
		return GM_NOMEM;
	gm_mark_dirty(gm, r, page, PAGE_SIZE);
	gm->nr_write_faults++;
	return GM_OK;
}

enum gm_result gm_fault(struct guest_mem *gm, const struct s2_fault *f)
{
	const struct gm_region *r = gm_region_of(gm, ipa_val(f->ipa));
	enum gm_result res;
	u64 start, end;

	if (!r)
		return GM_NOT_RAM;
	spin_lock(&gm->lock);
	switch (f->kind) {
	case S2_FAULT_TRANSLATION:
		/* A chunk mapped meanwhile by another vCPU: the retry will succeed. */
		res = gm_populate_locked(gm, r, ipa_val(f->ipa), true);
		break;
	case S2_FAULT_PERMISSION:
		res = f->write && !f->exec && gm_chunk_of(gm, r, ipa_val(f->ipa), &start, &end)->mapped ?
			      gm_log_write(gm, r, ipa_val(f->ipa)) :
			      GM_DENIED;
		break;
	default:
		res = GM_DENIED;
		break;
	}
	spin_unlock(&gm->lock);
	return res;
}

enum gm_result gm_access(struct guest_mem *gm, ipaddr_t ipa, u64 len, u32 access, bool preemptible,
			 void **host)
{
	const struct gm_region *r = gm_region_of(gm, ipa_val(ipa));
	u64 a = ipa_val(ipa), off;
	enum gm_result res = GM_OK;

	if (!r || len == 0 || (access & ~(GM_READ | GM_WRITE)))
		return GM_NOT_RAM;
	off = a - ipa_val(r->ipa);
	if (len > r->size - off)
		return GM_NOT_RAM;
	if ((access & GM_WRITE) && r->read_only)
		return GM_DENIED; /* Keel does not write where the guest cannot */
	spin_lock(&gm->lock);
	for (u64 p = span_start(a); p < a + len && res == GM_OK; p += GM_CHUNK)
		res = gm_populate_locked(gm, r, MAX(p, a), preemptible);
	if (res == GM_OK && (access & GM_WRITE) && gm->logging)
		gm_mark_dirty(gm, r, a, len);
	spin_unlock(&gm->lock);
	if (res == GM_OK)
		*host = pa_ptr(gm_pa(r, a));
	return res;
}

/* The longest piece of [ipa, ipa + len) that lies in one region, or 0. */
static u64 gm_piece(const struct guest_mem *gm, u64 ipa, u64 len)
{
	const struct gm_region *r = gm_region_of(gm, ipa);

	return r ? MIN(len, ipa_val(r->ipa) + r->size - ipa) : 0;
}

void gm_write_done(struct guest_mem *gm, ipaddr_t ipa, u64 len)
{
	const struct gm_region *r = gm_region_of(gm, ipa_val(ipa));

	if (!r || !len || len > r->size - (ipa_val(ipa) - ipa_val(r->ipa)))
		return;
	spin_lock(&gm->lock);
	if (gm->logging)
		gm_mark_dirty(gm, r, ipa_val(ipa), len);
	spin_unlock(&gm->lock);
}

/* Copy len bytes between buf and guest [ipa, ipa + len), a region's piece at a time. */
static enum gm_result gm_copy(struct guest_mem *gm, ipaddr_t ipa, u8 *buf, u64 len, bool to_guest, bool preemptible)
{
	u64 a = ipa_val(ipa);

	if (a + len < a)
		return GM_NOT_RAM;
	while (len) {
		u64 n = gm_piece(gm, a, len);
		void *host;
		enum gm_result res = n ? gm_access(gm, ipa_of(a), n, to_guest ? GM_WRITE : GM_READ, preemptible, &host) :
					 GM_NOT_RAM;

		if (res != GM_OK)
			return res;
		if (to_guest) {
			memcpy(host, buf, n);
			gm_write_done(gm, ipa_of(a), n);
		} else {
			memcpy(buf, host, n);
		}
		buf += n;
		a += n;
		len -= n;
	}
	return GM_OK;
}

enum gm_result gm_copy_from_guest(struct guest_mem *gm, void *dst, ipaddr_t ipa, u64 len, bool preemptible)
{
	return gm_copy(gm, ipa, dst, len, false, preemptible);
}

enum gm_result gm_copy_to_guest(struct guest_mem *gm, ipaddr_t ipa, const void *src, u64 len, bool preemptible)
{
	return gm_copy(gm, ipa, (u8 *)(uintptr_t)src, len, true, preemptible); /* only read from when to_guest */
}

/* Give every mapped chunk of RAM the permissions flags (lock held). */
static enum gm_result gm_protect_mapped(struct guest_mem *gm, u32 flags)
{
	for (u32 i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];
		u64 base = ipa_val(r->ipa);

		if (r->read_only)
			continue; /* readable and executable, never anything else */
		for (u64 p = span_start(base); p < base + r->size; p += GM_CHUNK) {
			u64 start, end;
			struct gm_chunk *c = gm_chunk_of(gm, r, MAX(p, base), &start, &end);

			if (c->mapped && s2_protect(gm->s2, ipa_of(start), end - start, flags) != PT_OK)
				return GM_NOMEM;
		}
	}
	return GM_OK;
}

enum gm_result gm_dirty_start(struct guest_mem *gm)
{
	enum gm_result res;

	spin_lock(&gm->lock);
	memset(gm->dirty, 0, DIV_ROUND_UP(gm->nr_pages, 64) * sizeof(u64));
	gm->nr_dirty = 0;
	gm->logging = true;
	/* Whole chunks change permission in place: blocks stay blocks until written. */
	res = gm_protect_mapped(gm, MM_READ | MM_EXEC);
	spin_unlock(&gm->lock);
	return res;
}

void gm_mirror_fills(struct guest_mem *gm, const u64 *copy_pa)
{
	spin_lock(&gm->lock);
	gm->mirror_pa = copy_pa;
	spin_unlock(&gm->lock);
}

static bool gm_bit(const u64 *bits, u64 p) { return bits[p / 64] >> (p % 64) & 1; }

/* The first page in [p, end) whose bit is set, or end: a whole word of clean pages at a time. */
static u64 gm_next_dirty(const u64 *bits, u64 p, u64 end)
{
	while (p < end) {
		u64 word = bits[p / 64] >> (p % 64);

		if (word)
			return MIN(p + (u64)__builtin_ctzll(word), end);
		p = ALIGN_DOWN(p, 64) + 64;
	}
	return end;
}

/* Write-protect the pages of region r whose bits are set in bits, in runs (lock held). */
static void gm_protect_runs(struct guest_mem *gm, const struct gm_region *r, const u64 *bits)
{
	u64 end = r->first_page + r->size / PAGE_SIZE;

	for (u64 p = gm_next_dirty(bits, r->first_page, end); p < end; p = gm_next_dirty(bits, p + 1, end)) {
		u64 q = p;

		while (q + 1 < end && gm_bit(bits, q + 1))
			q++;
		s2_protect(gm->s2, ipa_of(ipa_val(r->ipa) + (p - r->first_page) * PAGE_SIZE), (q - p + 1) * PAGE_SIZE,
			   MM_READ | MM_EXEC);
		p = q;
	}
}

u64 gm_dirty_harvest(struct guest_mem *gm, u64 *out, u64 out_words)
{
	u64 words = DIV_ROUND_UP(gm->nr_pages, 64), n;

	CHECK(out_words >= words); /* the caller sizes out from gm->nr_pages */
	spin_lock(&gm->lock);
	n = gm->nr_dirty;
	memcpy(out, gm->dirty, words * sizeof(u64));
	memset(gm->dirty, 0, words * sizeof(u64));
	gm->nr_dirty = 0;
	/*
	 * Protect again in runs of dirty pages within one region: one call and
	 * one TLB flush per run. A page written again before this returns
	 * faults again and is logged for the next round: nothing is lost.
	 */
	for (u32 i = 0; i < gm->nr_regions; i++)
		gm_protect_runs(gm, &gm->regions[i], out);
	spin_unlock(&gm->lock);
	return n;
}

/*
 * Copy one page between RAM and its standby copy: the source as the guest
 * left it in memory (it may write with its caches off), the copy cleaned to
 * the point of coherency.
 */
static void gm_copy_page(void *dst, const void *src)
{
	arch_dcache_clean_inval(src, PAGE_SIZE);
	memcpy(dst, src, PAGE_SIZE);
	arch_dcache_clean(dst, PAGE_SIZE);
}

u64 gm_checkpoint(struct guest_mem *gm, const u64 *copy_pa, struct gm_chunk *chunks_out)
{
	u64 n = 0;

	spin_lock(&gm->lock);
	CHECK(gm->logging); /* standby_vm_started() turned it on */
	for (u32 i = 0; i < gm->nr_regions; i++) {
		struct gm_region *r = &gm->regions[i];
		u64 end = r->first_page + r->size / PAGE_SIZE;

		for (u64 p = gm_next_dirty(gm->dirty, r->first_page, end); p < end;
		     p = gm_next_dirty(gm->dirty, p + 1, end)) {
			u64 off = (p - r->first_page) * PAGE_SIZE;

			CHECK(copy_pa[i]); /* a read-only region has no copy and no dirty page */
			gm_copy_page(pa_ptr(pa_of(copy_pa[i] + off)), pa_ptr(pa_add(r->pa, off)));
			r->pages_copied++;
			n++;
		}
		gm_protect_runs(gm, r, gm->dirty);
	}
	memset(gm->dirty, 0, DIV_ROUND_UP(gm->nr_pages, 64) * sizeof(u64));
	gm->nr_dirty = 0;
	memcpy(chunks_out, gm->chunks, sizeof(gm->chunks[0]) * gm->nr_chunks);
	spin_unlock(&gm->lock);
	return n;
}

/*
 * A chunk mapped since the checkpoint: unmap it and forget its filling, so
 * the next touch fills it from the images as at the checkpoint's time; its
 * dirty bits go (nothing to copy back). Lock held.
 */
static void gm_forget_chunk(struct guest_mem *gm, const struct gm_region *r, u64 start, u64 end, struct gm_chunk *c)
{
	if (c->mapped) {
		s2_unmap(gm->s2, ipa_of(start), end - start);
		gm->nr_chunks_mapped--;
	}
	c->mapped = false;
	c->filled = 0;
	for (u64 a = start; a < end; a += PAGE_SIZE) {
		u64 p = r->first_page + (a - ipa_val(r->ipa)) / PAGE_SIZE;

		gm->dirty[p / 64] &= ~(1ull << (p % 64));
	}
}

u64 gm_rollback(struct guest_mem *gm, const u64 *copy_pa, const struct gm_chunk *chunks_saved)
{
	u64 n = 0;

	spin_lock(&gm->lock);
	for (u32 i = 0; i < gm->nr_regions; i++) {
		struct gm_region *r = &gm->regions[i];
		u64 base = ipa_val(r->ipa);

		for (u64 q = span_start(base); q < base + r->size; q += GM_CHUNK) {
			u64 start, end;
			struct gm_chunk *c = gm_chunk_of(gm, r, MAX(q, base), &start, &end);

			if (!chunks_saved[c - gm->chunks].mapped)
				gm_forget_chunk(gm, r, start, end, c);
		}
		u64 end = r->first_page + r->size / PAGE_SIZE;

		for (u64 p = gm_next_dirty(gm->dirty, r->first_page, end); p < end;
		     p = gm_next_dirty(gm->dirty, p + 1, end)) {
			u64 off = (p - r->first_page) * PAGE_SIZE;

			CHECK(copy_pa[i]); /* a read-only region has no copy and no dirty page */
			gm_copy_page(pa_ptr(pa_add(r->pa, off)), pa_ptr(pa_of(copy_pa[i] + off)));
			r->pages_copied++;
			n++;
		}
		gm_protect_runs(gm, r, gm->dirty);
	}
	memset(gm->dirty, 0, DIV_ROUND_UP(gm->nr_pages, 64) * sizeof(u64));
	gm->nr_dirty = 0;
	spin_unlock(&gm->lock);
	if (n)
		arch_icache_invalidate_all(); /* code pages may have come back */
	return n;
}

enum gm_result gm_dirty_stop(struct guest_mem *gm)
{
	enum gm_result res;

	spin_lock(&gm->lock);
	gm->logging = false;
	gm->mirror_pa = NULL;
	res = gm_protect_mapped(gm, MM_RWX);
	spin_unlock(&gm->lock);
	return res;
}
