/*
 * The board's disks on the host (include/keel/disk.h): disk 0
 * is fake_disk_bytes, writable, FAKE_DISK_SECTORS long; there is no other.
 * Segments' "physical" addresses are host addresses, as Keel's identity map
 * makes them at EL2.
 */
#include <string.h>

#include <keel/disk.h>

#define FAKE_DISK_SECTORS 64

u8 fake_disk_bytes[FAKE_DISK_SECTORS * DISK_SECTOR];
u32 fake_disk_flushes;

void disk_probe_all(void)
{
}

u32 disk_count(void)
{
	return 1;
}

bool disk_info(u32 index, u64 *sectors, bool *read_only)
{
	if (index != 0)
		return false;
	*sectors = FAKE_DISK_SECTORS;
	*read_only = false;
	return true;
}

enum disk_status disk_io(u32 index, bool write, u64 sector, const struct disk_seg *segs, u32 nr_segs)
{
	u64 off = sector * DISK_SECTOR;

	if (index != 0 || nr_segs > DISK_MAX_SEGS)
		return DISK_IOERR;
	for (u32 i = 0; i < nr_segs; i++) {
		if (off + segs[i].len > sizeof(fake_disk_bytes))
			return DISK_IOERR;
		if (write)
			memcpy(fake_disk_bytes + off, (const void *)(uintptr_t)segs[i].pa, segs[i].len);
		else
			memcpy((void *)(uintptr_t)segs[i].pa, fake_disk_bytes + off, segs[i].len);
		off += segs[i].len;
	}
	return DISK_OK;
}

enum disk_status disk_flush(u32 index)
{
	fake_disk_flushes++;
	return index == 0 ? DISK_OK : DISK_IOERR;
}
