// SPDX-License-Identifier: GPL-2.0

//! What a run's numbers depend on besides the code timed: the kernel's debugging gates, its
//! hardening defaults and the CPUs. Every report starts with it (the KTAP header).
//!
//! A debugging gate (KASAN, kmemleak, lockdep, ...) makes every allocation pay for the debugger,
//! so numbers taken under one measure the debugger: a run refuses to start while one is on,
//! unless the spec says `gates=allow` (the tests under the debug kernel), and then the header
//! names the gates. A `CONFIG_SLUB_DEBUG=y` kernel with slab debugging off at boot, as Debian
//! ships it, has no gate on.
//!
//! Pure, tested on the host; `crate::shim::bench_host` asks the kernel.

use core::fmt;

/// A debugging gate: a kernel feature that makes every allocation slower to check it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// `CONFIG_KASAN`.
    Kasan,
    /// `CONFIG_DEBUG_KMEMLEAK`.
    Kmemleak,
    /// `CONFIG_LOCKDEP`.
    Lockdep,
    /// `CONFIG_DEBUG_VM`.
    DebugVm,
    /// `CONFIG_DEBUG_ATOMIC_SLEEP`.
    DebugAtomicSleep,
    /// `debug_pagealloc=on`.
    DebugPagealloc,
    /// `CONFIG_SLUB_TINY`: not a debugger, but not the SLUB the numbers are about.
    SlubTiny,
    /// `slab_debug=` (or `CONFIG_SLUB_DEBUG_ON`): red zones, poisoning, tracking.
    SlabDebug,
}

impl Gate {
    /// Every gate, in report order.
    pub(crate) const ALL: [Gate; 8] = [
        Gate::Kasan,
        Gate::Kmemleak,
        Gate::Lockdep,
        Gate::DebugVm,
        Gate::DebugAtomicSleep,
        Gate::DebugPagealloc,
        Gate::SlubTiny,
        Gate::SlabDebug,
    ];

    /// The name a report gives the gate: lower case, as the boot parameters spell them (and
    /// so that no memlab line looks like a KASAN report to a log scanner).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Gate::Kasan => "kasan",
            Gate::Kmemleak => "kmemleak",
            Gate::Lockdep => "lockdep",
            Gate::DebugVm => "debug_vm",
            Gate::DebugAtomicSleep => "debug_atomic_sleep",
            Gate::DebugPagealloc => "debug_pagealloc",
            Gate::SlubTiny => "slub_tiny",
            Gate::SlabDebug => "slab_debug",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The running kernel and machine, as a report states them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Host {
    /// The gates that are on: bits of [`Gate::bit`].
    gates: u16,
    /// `init_on_alloc`: every allocation is zeroed (Debian's default).
    pub(crate) init_on_alloc: bool,
    /// `init_on_free`: every free zeroes.
    pub(crate) init_on_free: bool,
    /// Online CPUs.
    pub(crate) cpus: u32,
    /// The boot CPU's model name (may be empty).
    pub(crate) cpu_model: &'static str,
    /// The kernel's release string.
    pub(crate) kernel: &'static str,
}

impl Host {
    /// A host where `on(gate)` says which gates are on.
    pub(crate) fn new(
        on: impl Fn(Gate) -> bool,
        init_on_alloc: bool,
        init_on_free: bool,
        cpus: u32,
        cpu_model: &'static str,
        kernel: &'static str,
    ) -> Host {
        let gates = Gate::ALL
            .into_iter()
            .filter(|&gate| on(gate))
            .fold(0, |bits, gate| bits | gate.bit());
        Host {
            gates,
            init_on_alloc,
            init_on_free,
            cpus,
            cpu_model,
            kernel,
        }
    }

    /// The gates that are on, printable as `kasan,kmemleak` (or `none`).
    pub(crate) fn gates(&self) -> Gates {
        Gates(self.gates)
    }
}

/// See [`Host::gates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gates(u16);

impl Gates {
    /// Whether no gate is on.
    pub(crate) fn none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Gates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.none() {
            return f.write_str("none");
        }
        let on = Gate::ALL
            .into_iter()
            .filter(|gate| self.0 & gate.bit() != 0);
        for (i, gate) in on.enumerate() {
            let separator = if i == 0 { "" } else { "," };
            write!(f, "{separator}{}", gate.name())?;
        }
        Ok(())
    }
}

/// `key=value` pairs, the CPU's name quoted (it has spaces; a `"` in it becomes `'`).
impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kernel={} cpus={} cpu=\"", self.kernel, self.cpus)?;
        for c in self.cpu_model.trim().chars() {
            write!(f, "{}", if c == '"' { '\'' } else { c })?;
        }
        write!(
            f,
            "\" init_on_alloc={} init_on_free={} gates={}",
            u8::from(self.init_on_alloc),
            u8::from(self.init_on_free),
            self.gates()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(on: &[Gate]) -> Host {
        Host::new(
            |gate| on.contains(&gate),
            true,
            false,
            2,
            "QEMU Virtual CPU \"v2\"  ",
            "7.3.4+deb13-amd64",
        )
    }

    #[test]
    fn a_stock_kernel_has_no_gate_on() {
        let stock = host(&[]);
        assert!(stock.gates().none());
        assert_eq!(
            stock.to_string(),
            "kernel=7.3.4+deb13-amd64 cpus=2 cpu=\"QEMU Virtual CPU 'v2'\" init_on_alloc=1 init_on_free=0 gates=none"
        );
    }

    #[test]
    fn the_gates_that_are_on_are_named_in_order() {
        let debug = host(&[Gate::SlabDebug, Gate::Kasan, Gate::Lockdep]);
        assert!(!debug.gates().none());
        assert_eq!(debug.gates().to_string(), "kasan,lockdep,slab_debug");
        assert_eq!(host(&Gate::ALL).gates().to_string().split(',').count(), 8);
    }
}
