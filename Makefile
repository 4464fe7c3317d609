# SPDX-License-Identifier: GPL-2.0
#
# memlab's entry points. The module itself is described by Kbuild; every step below runs in
# the project's own Debian sysroot (scripts/toolchain), so the host needs only root, bash, make
# and python3.
#
#   make run            prepare Debian's stock kernel, build memlab against it, boot, load
#                       memlab, walk the lab, show what it reports, run the benchmarks
#                       (BENCH=quick, the default, or another spec; on more kernels with
#                       KERNELS=..., twice with AGAIN=1), unload, and render the benchmark
#                       report into out/results/
#   make test           the whole test suite (host tests, format, lint, VM under the debug kernel)
#   make shell          the test VM with an interactive shell on its serial console
#   make module         build memlab.ko against the test kernel, or against your own kernel
#                       build tree with KDIR=/path/to/build
#   make rust-analyzer  write rust-project.json for rust-analyzer (as the kernel's own target)
#   make clean          remove the module's build products (the cache under MEMLAB_CACHE stays)
#
# rust-analyzer: src/memlab.o is the crate root (see Kbuild).

.PHONY: all module run test shell rust-analyzer clean

# A kernel build tree of the user's own (`make module KDIR=...`), for scripts/module.
export KDIR
# The benchmark spec `make run` runs (`make run BENCH=all`), the kernels it runs on
# (`make run KERNELS='stock stock-noinit perf'`) and whether it runs the first one again to show
# that two runs agree (`make run AGAIN=1`), for scripts/run.
export BENCH KERNELS AGAIN

all: module

module:
	scripts/module test

rust-analyzer:
	scripts/rust-analyzer

run:
	scripts/run

test:
	scripts/test

shell:
	scripts/vm shell

clean:
	rm -rf out
	find . -path ./tests/host/target -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.rmeta' \) -print \
		| xargs -r rm -f
	rm -rf modules.order Module.symvers generated
