/*
 * Accessors for device registers Keel itself drives (its PL011, the GIC).
 * Each is exactly one access of the named width through a volatile pointer,
 * so the compiler neither merges, splits, reorders (relative to other
 * volatile accesses) nor drops it. Device memory attributes (nGnRE in Keel's
 * page tables) keep accesses to one device in program order in hardware.
 */
#ifndef KEEL_MMIO_H
#define KEEL_MMIO_H

#include <keel/types.h>

static inline u8 mmio_read8(u64 addr)
{
	return *(volatile u8 *)(uintptr_t)addr;
}

static inline u16 mmio_read16(u64 addr)
{
	return *(volatile u16 *)(uintptr_t)addr;
}

static inline u32 mmio_read32(u64 addr)
{
	return *(volatile u32 *)(uintptr_t)addr;
}

static inline u64 mmio_read64(u64 addr)
{
	return *(volatile u64 *)(uintptr_t)addr;
}

static inline void mmio_write8(u64 addr, u8 value)
{
	*(volatile u8 *)(uintptr_t)addr = value;
}

static inline void mmio_write16(u64 addr, u16 value)
{
	*(volatile u16 *)(uintptr_t)addr = value;
}

static inline void mmio_write32(u64 addr, u32 value)
{
	*(volatile u32 *)(uintptr_t)addr = value;
}

static inline void mmio_write64(u64 addr, u64 value)
{
	*(volatile u64 *)(uintptr_t)addr = value;
}

#endif
