// SPDX-License-Identifier: GPL-2.0

//! What a lab command answers when it fails: an errno and a one-line reason.
//!
//! Pure logic (no allocation): the reason is formatted into a fixed buffer, so a refusal can be
//! built anywhere, even when memory has run out. The kernel side turns [`Errno`] into the
//! kernel's error codes; the host tests check the text with `cargo test`.

use core::fmt;

/// The errnos the lab answers with, each with one meaning (see `help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Errno {
    /// `EINVAL`: the command is malformed (syntax, a zero size, a flag the API refuses).
    Inval,
    /// `ENOENT`: no object, cache or pool has that name.
    NoEnt,
    /// `EEXIST`: the name is taken.
    Exist,
    /// `EBUSY`: in use (a cache or pool with objects, pages under an alias).
    Busy,
    /// `ENOMEM`: the kernel's allocator failed.
    NoMem,
    /// `E2BIG`: over a limit (a size, the byte budget, the object count, the command length).
    TooBig,
    /// `ENODEV`: no edu device, or the lab is closing.
    NoDev,
    /// `EBADMSG`: `check` found a byte that differs.
    BadMsg,
}

impl Errno {
    /// The name as `errno.h` spells it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Inval => "EINVAL",
            Self::NoEnt => "ENOENT",
            Self::Exist => "EEXIST",
            Self::Busy => "EBUSY",
            Self::NoMem => "ENOMEM",
            Self::TooBig => "E2BIG",
            Self::NoDev => "ENODEV",
            Self::BadMsg => "EBADMSG",
        }
    }
}

/// The longest reason kept; longer ones are cut and end in `...`. Small, so that a [`Refusal`]
/// stays cheap to return by value.
pub(crate) const REASON_MAX: usize = 120;

/// A failed command: its errno and why, in one line.
#[derive(Clone)]
pub(crate) struct Refusal {
    errno: Errno,
    reason: [u8; REASON_MAX],
    /// At most `REASON_MAX`, which fits a `u8` (small enough to return by value).
    len: u8,
}

impl Refusal {
    /// A refusal with `errno`, its reason formatted from `args` (cut to [`REASON_MAX`] bytes;
    /// control characters become `?`, so the reason stays one line).
    pub(crate) fn new(errno: Errno, args: fmt::Arguments<'_>) -> Self {
        let mut this = Self {
            errno,
            reason: [0; REASON_MAX],
            len: 0,
        };
        // `Refusal`'s `write_str` never fails: it cuts instead.
        let _ = fmt::write(&mut this, args);
        this
    }

    /// The errno.
    pub(crate) fn errno(&self) -> Errno {
        self.errno
    }

    /// The reason.
    pub(crate) fn reason(&self) -> &str {
        // The buffer holds whole UTF-8 characters only (see `write_str`).
        core::str::from_utf8(&self.reason[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl fmt::Write for Refusal {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        const CUT: &str = "...";
        for c in text.chars() {
            let c = if c.is_control() { '?' } else { c };
            let len = usize::from(self.len);
            if len + c.len_utf8() + CUT.len() > REASON_MAX {
                if len + CUT.len() <= REASON_MAX && !self.reason().ends_with(CUT) {
                    self.reason[len..len + CUT.len()].copy_from_slice(CUT.as_bytes());
                    // CAST: at most `REASON_MAX`, which fits a `u8`.
                    self.len = (len + CUT.len()) as u8;
                }
                return Ok(());
            }
            // Encoded into a buffer that always fits a character: `encode_utf8` straight into
            // `reason` would keep a panic path that objtool 7.3 cannot tell is noreturn.
            let mut utf8 = [0; 4];
            let bytes = c.encode_utf8(&mut utf8).as_bytes();
            self.reason[len..len + bytes.len()].copy_from_slice(bytes);
            // CAST: at most `REASON_MAX` (checked above), which fits a `u8`.
            self.len = (len + bytes.len()) as u8;
        }
        Ok(())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.errno.name(), self.reason())
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl PartialEq for Refusal {
    fn eq(&self, other: &Self) -> bool {
        self.errno == other.errno && self.reason() == other.reason()
    }
}

/// Builds a [`Refusal`]: `refuse!(Inval, "unknown command '{}'", word)`.
macro_rules! refuse {
    ($errno:ident, $($arg:tt)+) => {
        $crate::lab::reply::Refusal::new(
            $crate::lab::reply::Errno::$errno,
            format_args!($($arg)+),
        )
    };
}
pub(crate) use refuse;

/// What a command returns.
pub(crate) type Outcome<T = ()> = Result<T, Refusal>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_errno_then_reason() {
        let refusal = refuse!(NoEnt, "no object named '{}'", "a");
        assert_eq!(refusal.errno(), Errno::NoEnt);
        assert_eq!(refusal.to_string(), "ENOENT: no object named 'a'");
    }

    #[test]
    fn long_reasons_are_cut_and_stay_one_line() {
        let long = "x\n".repeat(200);
        let refusal = refuse!(Inval, "bad: {long}");
        assert_eq!(refusal.reason().len(), REASON_MAX);
        assert!(refusal.reason().ends_with("x?x?..."));
        assert!(!refusal.reason().contains('\n'));
        let wide = "é".repeat(200);
        let refusal = refuse!(Inval, "{wide}");
        assert!(refusal.reason().len() <= REASON_MAX);
        assert!(refusal.reason().ends_with("é..."));
    }
}
