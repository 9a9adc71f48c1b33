/*
 * The board's disks (the seam between a VM's virtio-blk and the board's
 * storage driver): on QEMU virtio-blk devices in
 * the platform's virtio-mmio slots (QEMU's `-device virtio-blk-device`),
 * driven by Keel itself (drivers/virtio_blk.c), one request at a time and by
 * polling: the VM whose request it is waits on its own CPU, and nothing is
 * left running in Keel between two requests. Disk N is the N-th such device
 * on QEMU's command line (QEMU fills the slots from the last one down).
 *
 * Data moves by DMA straight to and from the physical pages the caller
 * names (a VM's buffers, already checked to be its RAM): no copy in Keel.
 * QEMU's devices are cache-coherent; a real board's would need cleaning and
 * invalidating around each transfer.
 */
#ifndef KEEL_DISK_H
#define KEEL_DISK_H

#include <keel/types.h>

#define DISK_MAX 8
#define DISK_SECTOR 512
#define DISK_MAX_SEGS 32 /* data buffers in one request */

struct disk_seg {
	u64 pa;
	u32 len;
};

enum disk_status {
	DISK_OK = 0, /* the virtio-blk status codes, so a back end passes them on */
	DISK_IOERR = 1,
	DISK_UNSUPP = 2,
};

/* Boot CPU, once: find and set up every block device in the platform's slots. */
void disk_probe_all(void);
/* How many were found. */
u32 disk_count(void);
/* Disk index's size in sectors and whether it is read-only; false if there is no such disk. */
bool disk_info(u32 index, u64 *sectors, bool *read_only);
/*
 * Read or write whole sectors from `sector` into or out of the segments
 * (their lengths add up to a multiple of DISK_SECTOR, within the disk).
 * Waits for the device. Safe from any CPU.
 */
enum disk_status disk_io(u32 index, bool write, u64 sector, const struct disk_seg *segs, u32 nr_segs);
/* Ask the device to make written data durable (a no-op if it has no write cache to flush). */
enum disk_status disk_flush(u32 index);

#endif
