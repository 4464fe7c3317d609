// SPDX-License-Identifier: GPL-2.0

//! The words of lab commands: names, numbers, sizes with `K`/`M`/`G` suffixes, bytes.
//!
//! Pure logic, tested on the host. Numbers are decimal or `0x` hexadecimal; a sign, an empty
//! word or a stray character is `EINVAL`; a number that does not fit 64 bits, even after its
//! suffix, is `E2BIG`.

use super::reply::{
    refuse,
    Outcome, //
};

/// The longest name of an object, cache or pool.
pub(crate) const NAME_MAX: usize = 32;

/// Checks that `word` is a name: 1 to [`NAME_MAX`] of `A-Z a-z 0-9 _ -`.
pub(crate) fn name(word: &str) -> Outcome<&str> {
    if word.is_empty() || word.len() > NAME_MAX {
        return Err(refuse!(
            Inval,
            "'{word}': a name has 1 to {NAME_MAX} characters"
        ));
    }
    if let Some(bad) = word
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(refuse!(
            Inval,
            "'{word}': '{bad}' is not allowed in a name (A-Z a-z 0-9 _ -)"
        ));
    }
    Ok(word)
}

/// Parses a decimal or `0x` hexadecimal number.
pub(crate) fn number(word: &str) -> Outcome<u64> {
    if word.starts_with('-') {
        return Err(refuse!(
            Inval,
            "'{word}': negative numbers mean nothing here"
        ));
    }
    let (digits, radix) = match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (word, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(refuse!(Inval, "'{word}' is not a number"));
    }
    u64::from_str_radix(digits, radix)
        .map_err(|_| refuse!(TooBig, "'{word}' does not fit in 64 bits"))
}

/// Parses a size: a number, optionally followed by `K`, `M` or `G` (binary: 1024, 1024^2,
/// 1024^3; either case).
pub(crate) fn size(word: &str) -> Outcome<u64> {
    let (digits, shift) = match word.as_bytes().last() {
        Some(b'k' | b'K') => (&word[..word.len() - 1], 10),
        Some(b'm' | b'M') => (&word[..word.len() - 1], 20),
        Some(b'g' | b'G') => (&word[..word.len() - 1], 30),
        _ => (word, 0),
    };
    let value = number(digits).map_err(|refusal| match refusal.errno() {
        super::reply::Errno::TooBig => refusal,
        _ => refuse!(Inval, "'{word}' is not a size (a number, then K, M or G)"),
    })?;
    value
        .checked_mul(1 << shift)
        .ok_or_else(|| refuse!(TooBig, "'{word}' does not fit in 64 bits"))
}

/// Parses a byte value, 0 to 255.
pub(crate) fn byte(word: &str) -> Outcome<u8> {
    let value = number(word)?;
    u8::try_from(value).map_err(|_| refuse!(Inval, "'{word}': a byte is 0 to 255"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::reply::Errno;

    fn errno<T: core::fmt::Debug>(outcome: Outcome<T>) -> Errno {
        outcome.unwrap_err().errno()
    }

    #[test]
    fn names_are_short_and_plain() {
        assert_eq!(name("a"), Ok("a"));
        assert_eq!(name("Buf_1-x"), Ok("Buf_1-x"));
        assert!(name(&"n".repeat(NAME_MAX)).is_ok());
        assert_eq!(errno(name(&"n".repeat(NAME_MAX + 1))), Errno::Inval);
        for bad in ["", "a b", "a/b", "..", "é", "a\0"] {
            assert_eq!(errno(name(bad)), Errno::Inval, "{bad:?}");
        }
    }

    #[test]
    fn numbers_are_decimal_or_hex() {
        assert_eq!(number("0"), Ok(0));
        assert_eq!(number("4096"), Ok(4096));
        assert_eq!(number("0x1F"), Ok(31));
        assert_eq!(number("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(errno(number("18446744073709551616")), Errno::TooBig);
        assert_eq!(errno(number("0x10000000000000000")), Errno::TooBig);
        for bad in ["", "-1", "+1", "0x", "1.5", "12a", " 1", "0b1"] {
            assert_eq!(errno(number(bad)), Errno::Inval, "{bad:?}");
        }
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(size("100"), Ok(100));
        assert_eq!(size("4K"), Ok(4096));
        assert_eq!(size("4k"), Ok(4096));
        assert_eq!(size("2M"), Ok(2 << 20));
        assert_eq!(size("1G"), Ok(1 << 30));
        assert_eq!(size("0x10K"), Ok(16 << 10));
        assert_eq!(size("16777215G"), Ok(16_777_215 << 30));
        assert_eq!(errno(size("17179869184G")), Errno::TooBig);
        assert_eq!(errno(size("99999999999999999999K")), Errno::TooBig);
        for bad in ["K", "", "-4K", "4KB", "4T", "4 K"] {
            assert_eq!(errno(size(bad)), Errno::Inval, "{bad:?}");
        }
    }

    #[test]
    fn bytes_are_0_to_255() {
        assert_eq!(byte("0"), Ok(0));
        assert_eq!(byte("0xff"), Ok(255));
        assert_eq!(errno(byte("256")), Errno::Inval);
        assert_eq!(errno(byte("-1")), Errno::Inval);
    }
}
