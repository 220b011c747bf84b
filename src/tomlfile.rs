//! TOML files with positions: reading a manifest, scenario or study spec into raw serde structs,
//! and finding the line of a key so that a valid-looking but impossible value can be reported
//! at the place it is written (file, line, key). Packs, scenarios, batch specs and the impact
//! levels all read their TOML here, so that every such error has one form.

use crate::error::{Error, Location, Result};
use std::path::Path;

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> u64 {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// A TOML syntax or shape error as an input error at its line in `path`, naming the key set on
/// that line (with its table, e.g. `fertility.tfr`) when the line is a `key = value`.
pub(crate) fn error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let mut loc = Location::file(path);
    if let Some(span) = e.span() {
        let line = line_of(text, span.start);
        loc = loc.line(line);
        if let Some(key) = key_on_line(text, line) {
            loc = loc.field(key);
        }
    }
    Error::input(loc, e.message().trim_end().to_string())
}

/// The key set on 1-based `line` of `text` (`key = …`), prefixed by the table it is in.
fn key_on_line(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines
        .get(usize::try_from(line).ok()?.checked_sub(1)?)?
        .trim();
    let (key, _) = here.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let plain = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if here.starts_with('[') || !plain(key) {
        return None;
    }
    let table = lines[..line as usize - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if plain(&t) => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

/// Parse TOML `text` (read from `path`, named in errors) into `T`; a leading BOM is ignored.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    toml::from_str::<T>(text).map_err(|e| error(path, text, &e))
}

/// Read the TOML file at `path` into `T`, returning the text too (BOM removed) for later
/// key lookups.
pub(crate) fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<(T, String)> {
    // Regular files of a bounded size only; UTF-8 or Shift_JIS, BOM removed (crate::input).
    let text = crate::input::read_text(path)?;
    let value = parse(&text, path)?;
    Ok((value, text))
}

/// The 1-based line where `key = …` first appears in `text`.
pub(crate) fn key_line(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .map(|rest| rest.trim_start().starts_with('='))
                .unwrap_or(false)
        })
        .map(|i| i as u64 + 1)
}

/// The location of `key` (dotted, e.g. `fertility.tfr`) in the TOML `text` of `path`: the file,
/// the field, and the line where its last part is first set.
pub(crate) fn key_location(path: &Path, text: &str, key: &str) -> Location {
    let short = key.rsplit('.').next().unwrap_or(key);
    let mut loc = Location::file(path).field(key);
    if let Some(l) = key_line(text, short) {
        loc = loc.line(l);
    }
    loc
}

/// The line of `key = …` inside the table headed `header` (e.g. `[parameters.tfr]`), if written
/// there.
pub(crate) fn table_key_line(text: &str, header: &str, key: &str) -> Option<u64> {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == header;
            continue;
        }
        if inside {
            if let Some(rest) = t.strip_prefix(key) {
                if rest.trim_start().starts_with('=') {
                    return Some(i as u64 + 1);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_and_offsets() {
        let t = "a = 1\n[x]\nb = 2\n[y]\nb = 3\n";
        assert_eq!(key_line(t, "b"), Some(3));
        assert_eq!(table_key_line(t, "[y]", "b"), Some(5));
        assert_eq!(table_key_line(t, "[z]", "b"), None);
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(line_of(t, 6), 2);
        let loc = key_location(Path::new("s.toml"), t, "x.b");
        assert_eq!(loc.to_string(), "s.toml, line 3, field `x.b`");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: i32,
        }
        let e = parse::<T>("\n\na = \"x\"\n", Path::new("f.toml")).unwrap_err();
        assert!(e.to_string().starts_with("f.toml, line 3"), "{e}");
    }
}
