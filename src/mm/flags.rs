// SPDX-License-Identifier: GPL-2.0

//! Named bit flags as text: `GFP_KERNEL|__GFP_ZERO` and back.
//!
//! Pure logic over a table of names, so the host tests it with `cargo test` (see
//! `tests/host/`); the kernel side ([`crate::mm::gfp`]) supplies the table with the kernel's values.

use core::fmt;

/// One name of a flag set: a single bit, or a composite such as `GFP_KERNEL`.
#[derive(Clone, Copy)]
pub(crate) struct FlagName {
    /// The name as the kernel spells it.
    pub(crate) name: &'static str,
    /// The bits it stands for; never zero.
    pub(crate) bits: u32,
}

/// Why a text is not a flag set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The text, or one of its `|`-separated parts, is empty.
    Empty,
    /// A part is no name of the table (its byte range in the text is `start..end`).
    Unknown {
        /// Byte offset of the unknown part.
        start: usize,
        /// One past its last byte.
        end: usize,
    },
}

/// Writes `bits` as `|`-separated names, `table` order first, so composites listed before
/// single bits win; bits no name covers are written as one hexadecimal number. Zero is `0`.
pub(crate) fn write_flags(out: &mut impl fmt::Write, bits: u32, table: &[FlagName]) -> fmt::Result {
    if bits == 0 {
        return out.write_str("0");
    }
    let mut rest = bits;
    let mut separator = "";
    for flag in table {
        if flag.bits != 0 && rest & flag.bits == flag.bits {
            write!(out, "{separator}{}", flag.name)?;
            rest &= !flag.bits;
            separator = "|";
        }
    }
    if rest != 0 {
        write!(out, "{separator}{rest:#x}")?;
    }
    Ok(())
}

/// Parses `|`-separated names of `table` (spaces around them allowed) into their union.
///
/// # Errors
///
/// [`ParseError::Empty`] for an empty text or part, [`ParseError::Unknown`] for a part that is
/// not a name of `table`.
pub(crate) fn parse_flags(text: &str, table: &[FlagName]) -> Result<u32, ParseError> {
    let mut bits = 0;
    let mut offset = 0;
    for part in text.split('|') {
        let name = part.trim();
        if name.is_empty() {
            return Err(ParseError::Empty);
        }
        let start = offset + (part.len() - part.trim_start().len());
        let flag = table
            .iter()
            .find(|flag| flag.name == name)
            .ok_or(ParseError::Unknown {
                start,
                end: start + name.len(),
            })?;
        bits |= flag.bits;
        offset += part.len() + 1;
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: [FlagName; 4] = [
        FlagName {
            name: "BOTH",
            bits: 0b011,
        },
        FlagName {
            name: "A",
            bits: 0b001,
        },
        FlagName {
            name: "B",
            bits: 0b010,
        },
        FlagName {
            name: "C",
            bits: 0b100,
        },
    ];

    fn show(bits: u32) -> String {
        let mut text = String::new();
        write_flags(&mut text, bits, &TABLE).unwrap();
        text
    }

    #[test]
    fn composites_win_over_their_bits() {
        assert_eq!(show(0b011), "BOTH");
        assert_eq!(show(0b111), "BOTH|C");
        assert_eq!(show(0b101), "A|C");
    }

    #[test]
    fn unnamed_bits_and_zero_are_numbers() {
        assert_eq!(show(0), "0");
        assert_eq!(show(0b1000), "0x8");
        assert_eq!(show(0b1100), "C|0x8");
    }

    #[test]
    fn parse_takes_the_union_of_names() {
        assert_eq!(parse_flags("A", &TABLE), Ok(0b001));
        assert_eq!(parse_flags("A|C", &TABLE), Ok(0b101));
        assert_eq!(parse_flags(" BOTH | C ", &TABLE), Ok(0b111));
    }

    #[test]
    fn parse_rejects_what_it_does_not_know() {
        assert_eq!(parse_flags("", &TABLE), Err(ParseError::Empty));
        assert_eq!(parse_flags("A||B", &TABLE), Err(ParseError::Empty));
        assert_eq!(parse_flags("A|", &TABLE), Err(ParseError::Empty));
        assert_eq!(
            parse_flags("A| D", &TABLE),
            Err(ParseError::Unknown { start: 3, end: 4 })
        );
        assert_eq!(
            parse_flags("a", &TABLE),
            Err(ParseError::Unknown { start: 0, end: 1 })
        );
    }

    #[test]
    fn printed_flags_parse_back() {
        for bits in 1..0b1000 {
            assert_eq!(parse_flags(&show(bits), &TABLE), Ok(bits));
        }
    }
}
