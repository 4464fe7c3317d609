// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `memlab_edu`: the DMA and ioremap wrappers on a real device, QEMU's edu.
//!
//! [`DmaCoherent`] needs a bound device and the edu driver maps its BAR with [`IoMapping`], so
//! their device-level cases live here, above both the wrappers and the driver; the wrappers'
//! device-free cases stay beside them. Without an edu device every case skips.

use kernel::prelude::*;

#[kunit_tests(memlab_edu)]
mod tests {
    use super::*;

    use crate::{
        edu::{
            self,
            DeviceSlot,
            Edu,
            DEVICE_BUFFER_SIZE,
            DMA_ADDRESS_BITS,
            IDENTIFICATION, //
        },
        mm::{
            dma::{
                self,
                DmaCoherent, //
            },
            gfp::Gfp,
            gfp_policy::{
                Family,
                GfpFlag, //
            },
            ioremap::IoMapping,
            testing, //
        },
    };

    /// Runs `f` with the bound edu device and returns what it observed, or skips the case when
    /// there is no device.
    ///
    /// Cases must assert only on the result, after the device slot's mutex is released: a failed
    /// KUnit assertion ends the test thread on the spot, without unwinding, and would leave the
    /// mutex locked forever.
    fn observe_edu<R>(f: impl FnOnce(&Edu) -> Result<R>) -> Result<Option<R>> {
        match edu::with(f) {
            Ok(observed) => observed.map(Some),
            Err(_) => {
                testing::skip(c"edu device not available (QEMU -device edu)");
                Ok(None)
            }
        }
    }

    /// Byte `i` of the pattern the DMA test sends.
    fn pattern(i: usize) -> u8 {
        // CAST: keeps the low byte on purpose.
        (i * 7 + 3) as u8
    }

    #[test]
    fn dma_moves_a_pattern_both_ways() -> Result {
        let Some((in_mask, zeroed, round_trip, partial, untouched)) = observe_edu(|edu| {
            let mut buf = DmaCoherent::new(edu, 2 * DEVICE_BUFFER_SIZE, Gfp::KERNEL)?;
            // CAST: `usize` fits `u64`.
            let in_mask = buf.dma_handle() + buf.len() as u64 <= 1 << DMA_ADDRESS_BITS;
            let zeroed = buf.as_mut_slice().iter().all(|&b| b == 0);
            let (out, _) = buf.as_mut_slice().split_at_mut(DEVICE_BUFFER_SIZE);
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = pattern(i);
            }
            // RAM -> device, then device -> the other half of RAM.
            edu.dma_to_device(&mut buf, 0, 0, DEVICE_BUFFER_SIZE)?;
            edu.dma_from_device(&mut buf, DEVICE_BUFFER_SIZE, 0, DEVICE_BUFFER_SIZE)?;
            let (out, back) = buf.as_mut_slice().split_at(DEVICE_BUFFER_SIZE);
            let round_trip = out == back;
            // A partial transfer between offsets lands exactly where asked.
            buf.as_mut_slice()[100..300].fill(0xab);
            edu.dma_to_device(&mut buf, 100, 1000, 200)?;
            edu.dma_from_device(&mut buf, 5000, 1000, 200)?;
            let partial = buf.as_mut_slice()[5000..5200].iter().all(|&b| b == 0xab);
            let untouched = (buf.as_mut_slice()[4999], buf.as_mut_slice()[5200]);
            Ok((in_mask, zeroed, round_trip, partial, untouched))
        })?
        else {
            return Ok(());
        };
        assert!(in_mask);
        assert!(zeroed);
        assert!(round_trip);
        assert!(partial);
        assert_eq!(untouched, (pattern(4999 - 4096), pattern(5200 - 4096)));
        Ok(())
    }

    #[test]
    fn injected_dma_allocation_failures_are_enomem() -> Result {
        let Some(Some(walk)) = observe_edu(|edu| {
            testing::fail_each_point(
                32,
                || Ok(()),
                |()| DmaCoherent::new(edu, 3 * DEVICE_BUFFER_SIZE, Gfp::KERNEL),
            )
        })?
        else {
            return Ok(());
        };
        assert!(walk.errors >= 1);
        assert!(walk.completed);
        Ok(())
    }

    #[test]
    fn the_device_slot_opens_once() {
        // The module initialiser holds the one slot: no second one can initialise the lock.
        assert_eq!(DeviceSlot::open().err(), Some(EBUSY));
    }

    #[test]
    fn dma_ranges_are_checked() -> Result {
        let Some(errors) = observe_edu(|edu| {
            let mut buf = DmaCoherent::new(edu, 1024, Gfp::KERNEL)?;
            Ok([
                edu.dma_to_device(&mut buf, 0, 0, 1025).err(),
                edu.dma_to_device(&mut buf, 0, 4000, 512).err(),
                edu.dma_from_device(&mut buf, 1000, 0, 100).err(),
                edu.dma_from_device(&mut buf, 0, 0, 0).err(),
                DmaCoherent::new(edu, 0, Gfp::KERNEL).err(),
                DmaCoherent::new(edu, dma::MAX_LEN + 1, Gfp::KERNEL).err(),
                DmaCoherent::new(edu, usize::MAX, Gfp::KERNEL).err(),
                DmaCoherent::new(edu, 64, Gfp::KERNEL | Gfp::DMA32).err(),
            ])
        })?
        else {
            return Ok(());
        };
        assert!(errors.iter().all(|error| *error == Some(EINVAL)));
        Ok(())
    }

    #[test]
    fn edu_registers_answer() -> Result {
        const VALUES: [u32; 4] = [0, 1, 0x1234_5678, u32::MAX];
        let Some((id, echoes, len, second_mapping)) = observe_edu(|edu| {
            let mut echoes = [0; VALUES.len()];
            for (echo, value) in echoes.iter_mut().zip(VALUES) {
                *echo = edu.liveness(value)?;
            }
            let (start, len) = edu.bar();
            // SAFETY: The range is claimed by memlab's edu driver, so this fails with EBUSY
            // before anything is mapped.
            let second_mapping = unsafe { IoMapping::new(start, 4096, c"memlab-test") }.err();
            Ok((edu.id()?, echoes, len, second_mapping))
        })?
        else {
            return Ok(());
        };
        assert_eq!(id, IDENTIFICATION);
        for (echo, value) in echoes.iter().zip(VALUES) {
            assert_eq!(*echo, !value);
        }
        assert_eq!(len, 1 << 20);
        // The BAR is claimed: nobody can map it a second time.
        assert_eq!(second_mapping, Some(EBUSY));
        Ok(())
    }

    #[test]
    fn dma_refuses_exactly_what_its_table_refuses() -> Result {
        // The DMA column of `memlab_gfp`'s grid, which needs the device.
        let Some(results) = observe_edu(|edu| {
            let mut results = KVec::new();
            for flag in GfpFlag::ALL {
                let gfp = Gfp::KERNEL | Gfp::from_flag(flag);
                let result = DmaCoherent::new(edu, kernel::page::PAGE_SIZE, gfp).map(drop);
                results.push((flag, result), GFP_KERNEL)?;
            }
            Ok(results)
        })?
        else {
            return Ok(());
        };
        assert_eq!(results.len(), GfpFlag::ALL.len());
        for (flag, result) in results {
            // Accepted flags allocate for real: any report they caused fails the VM suite's
            // kernel log check. Refused ones never reach C.
            if Family::DmaCoherent.accepts(flag) {
                assert_eq!(result, Ok(()));
            } else {
                assert_eq!(result, Err(EINVAL));
            }
        }
        Ok(())
    }

    #[test]
    fn a_bar_view_reads_the_registers_at_its_own_address() -> Result {
        let Some((id, at_4k, own_address, outside)) = observe_edu(|edu| {
            let whole = edu.bar_view(0, 4096)?;
            let tail = edu.bar_view(4096, 4096)?;
            let own_address = whole.addr() != tail.addr();
            let outside = edu.bar_view(edu.bar().1 - 4, 8).err();
            Ok((whole.read32(0)?, tail.read32(0)?, own_address, outside))
        })?
        else {
            return Ok(());
        };
        assert_eq!(id, IDENTIFICATION);
        // Past the registers, edu's BAR reads as all ones.
        assert_eq!(at_4k, u32::MAX);
        assert!(own_address);
        assert_eq!(outside, Some(EINVAL));
        Ok(())
    }
}
