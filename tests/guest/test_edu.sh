# SPDX-License-Identifier: GPL-2.0
# Guest checks of memlab's PCI driver for QEMU's edu device (the VM runs with -device edu):
# bound at insmod, BAR 0 claimed in /proc/iomem, and a clean unbind/bind cycle while loaded.
# Sourced by tests/guest/suite with memlab loaded.

edu_driver=/sys/bus/pci/drivers/memlab_edu
edu_device=$(ls "$edu_driver" 2>/dev/null | grep -m1 '^0000:')

check edu_bound test -n "$edu_device"
check edu_bar_claimed grep -q memlab-edu /proc/iomem
# edu's DMA mask: its default 28 bits on x86_64; 32 on arm, where RAM starts at 1 GiB (scripts/vm).
mask_bits=28
[ "$machine" != armv7l ] || mask_bits=32
check edu_probe_logged sh -c "dmesg | grep -q 'edu 0x010000ed: BAR 0 at .* mapped, DMA mask $mask_bits bits'"
check edu_unbind sh -c "echo '$edu_device' >'$edu_driver/unbind'"
check edu_bar_released_on_unbind sh -c "! grep -q memlab-edu /proc/iomem"
check edu_bind sh -c "echo '$edu_device' >'$edu_driver/bind'"
check edu_bar_claimed_again grep -q memlab-edu /proc/iomem
