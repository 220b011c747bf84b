//! Opening input files safely: every file jinko reads (pack CSV and TOML, scenarios, study specs,
//! KPI files, actuals, variants) goes through here, so that a hostile or mistaken path gives one
//! clear error (exit code 2) instead of a hang, an abort or a bare OS message.
//!
//! - Only regular files are read (symbolic links are followed): a directory, a FIFO, a socket or
//!   a device is refused before it is opened (opening a FIFO would block forever).
//! - A file larger than [`MAX_INPUT_BYTES`] is refused before it is read (no input of a
//!   municipal pack comes near it; a 2 GiB file is a mistake, not data).
//! - OS errors (permission denied, a symbolic-link loop, an I/O error) name the file and what is
//!   wrong, as input errors.
//! - Text (TOML) is UTF-8, with or without a byte-order mark; a file that is not UTF-8 but decodes
//!   cleanly as Shift_JIS (as files saved by Japanese Windows editors are) is read as Shift_JIS,
//!   as CSV files are; anything else is an error naming the line where the text stops being UTF-8.

use crate::error::{Error, Location, Result};
use std::io::Read;
use std::path::Path;

/// The largest input file read, in bytes (256 MiB). Kama's largest file is under 1 MiB.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Why `path` cannot be read, as an input error naming it.
fn os_error(path: &Path, e: &std::io::Error) -> Error {
    use std::io::ErrorKind as K;
    let what = match e.kind() {
        K::NotFound => "the file was not found: expected an existing file".to_string(),
        K::PermissionDenied => {
            "the file cannot be read (permission denied): expected a file you may read".to_string()
        }
        K::IsADirectory => "this is a folder: expected a file".to_string(),
        _ if e.raw_os_error() == Some(40) => {
            "the path is a loop of symbolic links: expected a file".to_string()
        }
        _ => format!("the file cannot be read ({e}): expected a readable file"),
    };
    Error::input(Location::file(path), what)
}

/// Check that `path` is a regular file (after following symbolic links) of at most `cap` bytes.
pub fn check_regular(path: &Path, cap: u64) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| os_error(path, &e))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(Error::input(
            Location::file(path),
            "this is a folder: expected a file",
        ));
    }
    if !ft.is_file() {
        return Err(Error::input(
            Location::file(path),
            format!(
                "this is not a regular file ({}): expected a file",
                describe(&ft)
            ),
        ));
    }
    if meta.len() > cap {
        return Err(Error::input(
            Location::file(path),
            format!(
                "the file has {} bytes: expected at most {cap} bytes ({} MiB) for an input file",
                meta.len(),
                cap / (1024 * 1024)
            ),
        ));
    }
    Ok(meta.len())
}

#[cfg(unix)]
fn describe(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn describe(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// `path` without `.` components (`scenarios/kama/./census.csv` → `scenarios/kama/census.csv`;
/// `./x` → `x`; `.` → the empty path), as messages and printed paths name files.
pub fn without_cur_dir(path: &Path) -> std::path::PathBuf {
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// The bytes of the regular file `path`, refusing anything larger than `cap`.
pub fn read_bytes_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let len = check_regular(path, cap)?;
    let file = std::fs::File::open(path).map_err(|e| os_error(path, &e))?;
    let mut bytes = Vec::with_capacity(len.min(cap) as usize);
    // A file that grows while read is still stopped at the cap.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| os_error(path, &e))?;
    if bytes.len() as u64 > cap {
        return Err(Error::input(
            Location::file(path),
            format!("the file grew past {cap} bytes while read: expected at most {cap} bytes"),
        ));
    }
    Ok(bytes)
}

/// The bytes of the regular file `path` (at most [`MAX_INPUT_BYTES`]).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    read_bytes_capped(path, MAX_INPUT_BYTES)
}

/// Decode `bytes` read from `path`: UTF-8 as it is (borrowed), else clean Shift_JIS (as e-Stat
/// serves CSV), else an input error at the line where the text stops being UTF-8, saying
/// `message`. A byte-order mark is left to the caller.
pub fn decode<'a>(
    path: &Path,
    bytes: &'a [u8],
    message: &str,
) -> Result<std::borrow::Cow<'a, str>> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(std::borrow::Cow::Borrowed(t)),
        Err(e) => {
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            if had_errors {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64
                    + 1;
                return Err(Error::input(Location::file(path).line(line), message));
            }
            Ok(text)
        }
    }
}

/// Decode `bytes` read from `path` as text: UTF-8 (a BOM is removed), else clean Shift_JIS, else
/// an error naming the line where the text stops being UTF-8.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<String> {
    let text = decode(
        path,
        bytes,
        "the text is neither UTF-8 nor Shift_JIS: expected a UTF-8 text file (save it as UTF-8)",
    )?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// The text of the regular file `path` (see [`decode_text`]), without a byte-order mark.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    decode_text(path, &bytes)
}
