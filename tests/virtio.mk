# Initramfs images for the virtio system tests: the Linux guest's own plus an
# /etc/keel-rc from tests/virtio/NAME.rc, as build/tests/initrd-virtio-NAME.cpio.gz.

VIRTIO_RCS := $(wildcard tests/virtio/*.rc)
VIRTIO_INITRDS := $(patsubst tests/virtio/%.rc,$(BUILD)/tests/initrd-virtio-%.cpio.gz,$(VIRTIO_RCS))

$(BUILD)/tests/initrd-virtio-%.cpio.gz: tests/virtio/%.rc $(LINUX_INITRD) guests/linux/mkcpio.py
	@echo "  CPIO    $@"
	@rm -rf $(BUILD)/tests/virtio-root-$*
	@mkdir -p $(BUILD)/tests/virtio-root-$*/etc
	@install -m 644 $< $(BUILD)/tests/virtio-root-$*/etc/keel-rc
	@chmod 755 $(BUILD)/tests/virtio-root-$*/etc
	@python3 guests/linux/mkcpio.py $(BUILD)/tests/virtio-extra-$*.cpio.gz $(BUILD)/tests/virtio-root-$*
	@cat $(LINUX_INITRD) $(BUILD)/tests/virtio-extra-$*.cpio.gz > $@.tmp
	@mv $@.tmp $@
	@rm -rf $(BUILD)/tests/virtio-root-$*

virtio-initrds: $(VIRTIO_INITRDS)
test system-tests: virtio-initrds
.PHONY: virtio-initrds

# The second smoke check (issue 10): two Linux VMs with disks and a network,
# end to end (system tests virtio-linux and example-two-linux).
smoke-virtio: all virtio-initrds
	bash tests/system/run.sh virtio-linux example-two-linux
.PHONY: smoke-virtio
