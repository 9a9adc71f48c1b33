# The Linux guest: Debian's arm64 kernel and a busybox initramfs, built from
# the pinned packages in guests/linux/packages by scripts/fetch-debian.sh.
# Downloads happen only when build/debs/ lacks the pinned .deb files.
#   make linux         build/linux/Image, build/linux/initrd.cpio.gz
#   make smoke         boot $(CONFIG) headless and check Linux and the ticker
#   make smoke-native  the same Linux checks with Linux directly on QEMU (no Keel)
#   make virtio-native the virtio front ends on QEMU's own virtio devices (no Keel)
#   make system-tests  only the QEMU system tests (tests/system/manifest)

LINUX_OUT := $(BUILD)/linux
LINUX_IMAGE := $(LINUX_OUT)/Image
LINUX_INITRD := $(LINUX_OUT)/initrd.cpio.gz

linux: $(LINUX_IMAGE) $(LINUX_INITRD)
guests: linux

$(LINUX_IMAGE) $(LINUX_INITRD) &: guests/linux/packages guests/linux/init guests/linux/modules \
		guests/linux/kmods.py guests/linux/mkcpio.py scripts/fetch-debian.sh scripts/debian-lib.sh \
		| $(DEPS_STAMP)
	BUILD=$(BUILD) bash scripts/fetch-debian.sh

smoke: all system
	python3 scripts/smoke.py --config-out $(CONFIG_OUT) --log $(BUILD)/smoke.log

smoke-native: linux
	python3 scripts/smoke.py --native --log $(BUILD)/smoke-native.log

virtio-native: linux
	python3 scripts/virtio_native.py

system-tests: all
	bash tests/system/run.sh

.PHONY: linux guests smoke smoke-native virtio-native system-tests
