# Benchmarks: Linux natively, under Keel and under Xen 4.17, interleaved
# (bench/run.py, docs/benchmarks.md).
#   make bench          3 rounds, both command-line variants, wall clock and icount
#   make bench-quick    1 round, default variant, wall clock, keelbench=--quick
#   make bench-xen      only fetch Debian's Xen into build/bench/xen
#   make bench BENCH_ARGS='--rounds 5 --no-xen'   any option of bench/run.py
#   make bench-standby-lmbench   the same suite with Keel under standby at 10, 20
#                       and 50 ms as three more systems (twice the Linux boots)
# Results: build/bench/results.md, results.png, raw.json, logs/.
# bench-guest (the benchmark initramfs and the bench-hv guest) is defined by
# the benchmark guests' own fragment.

BENCH_ARGS ?=

bench: all bench-guest rt-load-initrd
	python3 bench/run.py $(BENCH_ARGS)
	python3 bench/rt.py
	python3 bench/virtio.py
	python3 bench/standby.py

# Only standby: 1,000 faults injected into the bare-metal counter guest, pauses and
# failover times (bench/standby.py, a few minutes).
bench-standby: all
	python3 bench/standby.py

# Only the virtio back ends: Keel's virtio-blk against bare QEMU's, the switch's
# round trip against a pipe's (bench/virtio.py, a few minutes).
bench-virtio: all bench-guest
	python3 bench/virtio.py

# Only the real-time guest's latency by scheduling policy (about a minute).
bench-rt: all rt-load-initrd
	python3 bench/rt.py --print

# The lmbench-style suite with the Linux VM under standby at 10, 20 and 50 ms
# beside native, keel and xen (bench/run.py --standby; docs/benchmarks.md).
# Not in make bench: it doubles the Linux boots. BENCH_ARGS adds options.
bench-standby-lmbench: all bench-guest
	python3 bench/run.py --standby 10,20,50 $(BENCH_ARGS)

bench-quick: all bench-guest
	python3 bench/run.py --quick $(BENCH_ARGS)

# The runner fetches Xen itself when it is missing and reports Xen as
# unavailable when that fails; this target is for fetching it by hand.
bench-xen: $(BUILD)/bench/xen
$(BUILD)/bench/xen: bench/packages bench/fetch-xen.sh | $(DEPS_STAMP)
	BUILD=$(BUILD) bash bench/fetch-xen.sh

.PHONY: bench bench-quick bench-xen bench-rt bench-virtio bench-standby bench-standby-lmbench
