# The EL2 trace's host side (docs/trace.md). tools/keeltrace/keeltrace.py needs only Python 3
# (and gnuplot for the timeline picture); nothing to build.
#   make trace-demo [TRACE_CONFIG=configs/examples/ipc.dts] [TRACE_SECONDS=3]
# boots TRACE_CONFIG, switches the trace on from the console (Ctrl-A t) once a guest runs, dumps
# it TRACE_SECONDS later (Ctrl-A d) and converts it: build/trace-demo/trace.json (ui.perfetto.dev,
# chrome://tracing) and build/trace-demo/timeline.png.
TRACE_CONFIG ?= configs/examples/ipc.dts
TRACE_SECONDS ?= 3

trace-demo: keel tools guests
	python3 tools/keeltrace/demo.py --config $(TRACE_CONFIG) --seconds $(TRACE_SECONDS) --out $(BUILD)/trace-demo
.PHONY: trace-demo
