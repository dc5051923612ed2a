//! Input text as people really type it: read within a size limit, decoded, normalised, and
//! the characters the language has no place for told apart from what they were meant to be.
//!
//! Files come from Windows Notepad (a byte-order mark, CRLF), old Mac editors (CR alone),
//! PDFs (`−` for `-`), Japanese input methods (full-width `，［＝０`) and word processors
//! (smart quotes, no-break spaces). The text is normalised once when it is read — the BOM
//! dropped, CRLF and lone CR made `\n` — so the grammar and all line and column arithmetic see
//! one kind of line end, and a file derives the same whatever its line ends. A character that
//! is still outside the language is a located error that says what it looks like
//! ([`crate::chars::Foreign`]), rather than a bare "found `，`" that looks like the right character.
//!
//! Reading stops at the limit (plus one byte, to know it was passed): `/dev/zero` or an
//! endless pipe are refused instead of filling memory.

use std::io::Read;

use crate::error::{ByteOrder, Error, Source, Span, Utf16};

/// The default `--max-input-bytes`: 16 MiB, over thirty times the ~500 kB that `gen` writes for
/// a 784-100-10 network.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 << 20;

/// Reads a whole `.nn` text named `name` from `reader`: at most `limit` bytes, UTF-8, then
/// normalised (see [`normalise`]).
pub fn read(name: &str, reader: impl Read, limit: u64) -> Result<Source, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: name.to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: name.to_string(),
            limit,
        });
    }
    if let Some((utf16, order)) = utf16_of(&bytes) {
        return Err(not_utf8_but_utf16(name, &bytes, utf16, order));
    }
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(name, e))?;
    Ok(Source::new(name, normalise(text)))
}

/// Whether `bytes` are UTF-16, and in which byte order: by a byte-order mark (Notepad's
/// "Unicode"), or without one by their NUL bytes. The high byte of an ASCII character is 0,
/// so in UTF-16 every other byte is NUL — after the character (little-endian) or before it
/// (big-endian) — while UTF-8 text has none. A quarter of the characters ASCII, and the NULs
/// (almost) all on one side, say UTF-16; a stray NUL in UTF-8 does not.
fn utf16_of(bytes: &[u8]) -> Option<(Utf16, ByteOrder)> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some((Utf16::Marked, ByteOrder::LittleEndian)),
        [0xFE, 0xFF, ..] => return Some((Utf16::Marked, ByteOrder::BigEndian)),
        _ => {}
    }
    let nul = |parity: usize| {
        let side = bytes.iter().skip(parity).step_by(2);
        side.filter(|&&b| b == 0).count()
    };
    let (before, after) = (nul(0), nul(1));
    let units = bytes.len() / 2;
    let says = |nuls: usize, others: usize| nuls > 0 && nuls * 4 >= units && others * 8 <= nuls;
    let order = if says(after, before) {
        ByteOrder::LittleEndian
    } else if says(before, after) {
        ByteOrder::BigEndian
    } else {
        return None;
    };
    Some((Utf16::Unmarked(order), order))
}

/// The error for a UTF-16 text: shown as the text it is, pointed at from its start; its
/// offset is the first byte that is not UTF-8 text (the mark, or the first NUL).
fn not_utf8_but_utf16(name: &str, bytes: &[u8], utf16: Utf16, order: ByteOrder) -> Error {
    let unit = match order {
        ByteOrder::LittleEndian => u16::from_le_bytes,
        ByteOrder::BigEndian => u16::from_be_bytes,
    };
    let body = match utf16 {
        Utf16::Marked => &bytes[2..],
        Utf16::Unmarked(_) => bytes,
    };
    let units = body.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let utf8 = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
    let nul = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Error::NotUtf8 {
        path: name.to_string(),
        offset: utf8.min(nul),
        utf16: Some(utf16),
        shown: Box::new(Source::new(name, normalise(text))),
        at: Span::new(0, 1),
    }
}

/// The error for bytes that are not UTF-8: located at the first bad byte of the text shown
/// with U+FFFD for each (normalised as a good text is, so lines and columns are the same).
fn not_utf8(name: &str, e: std::string::FromUtf8Error) -> Error {
    let bytes = e.as_bytes();
    let offset = e.utf8_error().valid_up_to();
    let before = normalise(String::from_utf8_lossy(&bytes[..offset]).into_owned());
    let at = Span::new(before.len(), before.len() + '\u{FFFD}'.len_utf8());
    let shown = normalise(String::from_utf8_lossy(bytes).into_owned());
    Error::NotUtf8 {
        path: name.to_string(),
        offset,
        utf16: None,
        shown: Box::new(Source::new(name, shown)),
        at,
    }
}

/// The text without a leading byte-order mark, with CRLF and lone CR as `\n`.
///
/// Nothing in the language may contain a CR (a title does not span lines), so a CR is always
/// a line end. Text without either is returned as it is, without copying.
pub fn normalise(text: String) -> String {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if !body.contains('\r') {
        return if body.len() == text.len() {
            text
        } else {
            body.to_string()
        };
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('\r') {
        out.push_str(&rest[..at]);
        out.push('\n');
        rest = &rest[at + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], limit: u64) -> Result<Source, Error> {
        read("a.nn", bytes, limit)
    }

    #[test]
    fn bom_and_every_line_end_become_plain_text() {
        for text in [
            "\u{FEFF}a\nb\n",
            "a\r\nb\r\n",
            "a\rb\r",
            "\u{FEFF}a\r\nb\r",
            "a\nb\n",
        ] {
            assert_eq!(normalise(text.into()), "a\nb\n", "{text:?}");
        }
        assert_eq!(normalise("a\r\r\nb".into()), "a\n\nb");
        assert_eq!(normalise("\u{FEFF}".into()), "");
        // A BOM is dropped only at the start; elsewhere it is a character to report.
        assert_eq!(normalise("a\u{FEFF}".into()), "a\u{FEFF}");
    }

    #[test]
    fn reading_stops_at_the_limit() {
        assert_eq!(read_all(b"abcd", 4).unwrap().text, "abcd");
        match read_all(b"abcde", 4) {
            Err(Error::TooLarge { limit: 4, .. }) => {}
            other => panic!("{other:?}"),
        }
        // An endless reader is read only up to the limit and one byte more.
        let endless = std::io::repeat(b'a');
        match read("zero", endless, 1000) {
            Err(Error::TooLarge { limit: 1000, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(read_all(b"", u64::MAX).unwrap().text.is_empty());
    }

    #[test]
    fn bad_bytes_are_counted_in_the_file_before_the_bom_goes() {
        match read_all(b"\xEF\xBB\xBFab\xFF", 100) {
            Err(Error::NotUtf8 {
                offset: 5,
                utf16: None,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        match read_all(b"\xFF\xFEt\0i\0", 100) {
            Err(Error::NotUtf8 {
                offset: 0,
                utf16: Some(Utf16::Marked),
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn utf16_without_a_mark_is_told_by_its_nul_bytes_in_either_order() {
        let utf16 = |text: &str, bytes: fn(u16) -> [u8; 2]| -> Vec<u8> {
            text.encode_utf16().flat_map(bytes).collect()
        };
        let read_as = |bytes: &[u8]| match read_all(bytes, 1000) {
            Err(Error::NotUtf8 {
                utf16: Some(utf16),
                offset,
                shown,
                ..
            }) => Some((utf16, offset, shown.text)),
            _ => None,
        };
        let little = utf16("E = 10.43\n\u{3b4}_1 = 2\n", u16::to_le_bytes);
        assert_eq!(
            read_as(&little),
            Some((
                Utf16::Unmarked(ByteOrder::LittleEndian),
                1,
                "E = 10.43\n\u{3b4}_1 = 2\n".into()
            ))
        );
        let big = utf16("山田 E = 1\r\n", u16::to_be_bytes);
        assert_eq!(
            read_as(&big),
            Some((
                Utf16::Unmarked(ByteOrder::BigEndian),
                4,
                "山田 E = 1\n".into()
            ))
        );
        // A stray NUL in UTF-8 text is not UTF-16 (it is reported as the character it is).
        assert!(read_all(b"E = 10.43 \0 # comment\n", 1000).is_ok());
    }
}
