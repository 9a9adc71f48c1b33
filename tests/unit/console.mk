# Unit tests for the formatter, the emulated PL011 and the console (multiplexer, per-VM
# output rings, Keel's log).
UNIT_TESTS += test_format test_vuart test_console

test_format_SRCS := tests/unit/test_format.c lib/format.c
test_format_CFLAGS := -Wno-format-truncation

test_vuart_SRCS := tests/unit/test_vuart.c vdev/vuart_pl011.c core/vdev.c tests/unit/fake_console_vgic.c \
	tests/unit/fake_console_sink.c

test_console_SRCS := tests/unit/test_console.c core/console.c core/log.c lib/format.c \
	tests/unit/fake_console_pl011.c tests/unit/fake_console_arch.c \
	tests/unit/fake_console_vms.c tests/unit/fake_virtio_none.c tests/unit/fake_standby_none.c
test_console_LIBS := -lpthread

# The emulated PL011 feeding the real console: long lines, prompts, escapes end to end.
UNIT_TESTS += test_console_vuart
test_console_vuart_SRCS := tests/unit/test_console_vuart.c vdev/vuart_pl011.c core/vdev.c core/console.c \
	core/log.c lib/format.c tests/unit/fake_console_pl011.c tests/unit/fake_console_arch.c \
	tests/unit/fake_console_vgic.c tests/unit/fake_virtio_none.c tests/unit/fake_standby_none.c
