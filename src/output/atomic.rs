//! Writing output files whole or not at all.
//!
//! - One file ([`write_atomic`]) or several that belong together ([`write_all`], e.g. Monte
//!   Carlo's `--out` and `--trajectories-out`): every file is first written completely and flushed
//!   to a temporary file beside its target, and only then are they renamed over their targets,
//!   one after the other (so a failure while writing leaves every target as it was). Large
//!   outputs are written row by row ([`stage`] gives a writer, [`commit`] renames), never held in
//!   memory whole. When several files are committed and a rename fails, the files already
//!   renamed are put back (see [`commit`]): all or none.
//! - A folder of files ([`write_set`], the report): the new set is written into a new folder
//!   beside the target (with the target's other files linked in), which is then swapped in whole
//!   (on Linux in one step, `renameat2(RENAME_EXCHANGE)`; elsewhere by two renames).
//! - Targets: a symbolic link is written through (its final target is replaced); a folder, a
//!   device, a FIFO or a socket where a file should go is refused with an error, never replaced.
//! - Temporary files and folders are named `.NAME.jinko-tmp-PID-N` (and a folder being replaced
//!   `.NAME.jinko-old-PID`) beside the target. A run killed before it finishes (SIGKILL) leaves
//!   them behind; the next write to the same target removes those whose process is gone (on Linux
//!   checked in `/proc`; elsewhere those older than a day), and puts back a folder a killed swap
//!   had moved aside.

use crate::error::{Error, Location, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const TMP: &str = "jinko-tmp-";
const OLD: &str = "jinko-old-";

static SEQ: AtomicU64 = AtomicU64::new(0);

/// The folder and file name of `path`.
fn split(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    (dir, name)
}

fn refuse(path: &Path, what: &str) -> Error {
    Error::input(
        Location::file(path),
        format!("the output path is {what}: expected a regular file or a new file name"),
    )
}

fn kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// The real file to replace for the output `path`: `path` itself, or the final target of a
/// symbolic link; an error for anything but a regular file or a new name.
fn target(path: &Path, want_dir: bool) -> Result<PathBuf> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) => return Err(Error::io(path, e)),
        Ok(m) => m,
    };
    let (real, meta) = if meta.file_type().is_symlink() {
        let real = std::fs::canonicalize(path).map_err(|e| {
            refuse(
                path,
                &format!("a symbolic link that does not lead to a file ({e})"),
            )
        })?;
        let m = std::fs::metadata(&real).map_err(|e| Error::io(path, e))?;
        (real, m)
    } else {
        (path.to_path_buf(), meta)
    };
    let ft = meta.file_type();
    match (want_dir, ft.is_file(), ft.is_dir()) {
        (false, true, _) | (true, _, true) => Ok(real),
        (true, true, _) => Err(Error::input(
            Location::file(path),
            "the output path is a file: expected a folder or a new folder name",
        )),
        _ => Err(refuse(path, kind(&ft))),
    }
}

/// Whether process `pid` still runs: Some(answer) where the system can tell (Linux `/proc`).
fn alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        Some(proc.join(pid.to_string()).exists())
    } else {
        None
    }
}

/// The process id in a temporary name `.NAME.jinko-tmp-PID-N` or `.NAME.jinko-old-PID`.
fn pid_of(rest: &str) -> Option<u32> {
    rest.split('-').next()?.parse().ok()
}

fn stale(path: &Path, pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    match alive(pid) {
        Some(a) => !a,
        None => std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 86_400),
    }
}

fn remove_any(path: &Path) {
    let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    let _ = if is_dir {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
}

/// Remove what killed runs left beside the target `dir/name`, and put back a folder a killed swap
/// had moved aside.
pub fn clean_stale(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let tmp = format!(".{name}.{TMP}");
    let old = format!(".{name}.{OLD}");
    let mut olds = Vec::new();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = file.strip_prefix(&tmp) {
            if pid_of(rest).is_some_and(|p| stale(&e.path(), p)) {
                remove_any(&e.path());
            }
        } else if let Some(rest) = file.strip_prefix(&old) {
            if pid_of(rest).is_some_and(|p| stale(&e.path(), p)) {
                olds.push(e.path());
            }
        }
    }
    let target = dir.join(name);
    for o in olds {
        if std::fs::symlink_metadata(&target).is_err() {
            let _ = std::fs::rename(&o, &target);
        } else {
            remove_any(&o);
        }
    }
}

fn temp_name(dir: &Path, name: &str) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{TMP}{}-{n}", std::process::id()))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Write `bytes` to `path` atomically: either the complete new content is there, or the old file
/// (or nothing) is.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_all(&[(path, bytes)])
}

/// Write several files that belong together: all are written completely to temporary files
/// before any target is replaced; on an error none is (see [`commit`]).
pub fn write_all(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut s = stage(path)?;
        s.write_all(bytes).map_err(|e| s.error(e))?;
        staged.push(s);
    }
    commit(staged)
}

/// An output file being written: a buffered temporary file beside its target, which [`commit`]
/// renames over the target. Rows can be written one by one ([`Write`]), so a large output is
/// never held in memory whole. Dropped without a commit, the temporary file is removed.
pub struct Staged {
    /// The path as the user gave it (for messages).
    path: PathBuf,
    /// The file to replace (the final target of a symbolic link).
    real: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

/// Start writing the output file `path`: refuse a target that is not a regular file (or a new
/// name), remove what killed runs left beside it, and create the temporary file.
pub fn stage(path: &Path) -> Result<Staged> {
    let real = target(path, false)?;
    let (dir, name) = split(&real);
    clean_stale(&dir, &name);
    let tmp = temp_name(&dir, &name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| Error::io(path, e))?;
    Ok(Staged {
        path: path.to_path_buf(),
        real,
        tmp,
        file: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
    })
}

impl Staged {
    /// The output path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An I/O error while writing this file, as an error naming it.
    pub fn error(&self, e: std::io::Error) -> Error {
        Error::io(&self.path, e)
    }

    /// Flush and sync the temporary file.
    fn finish(&mut self) -> Result<()> {
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let file = w.into_inner().map_err(|e| self.error(e.into_error()))?;
        file.sync_all().map_err(|e| self.error(e))
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Not committed (or the commit failed): the temporary file goes. After a rename it no
        // longer exists under this name.
        self.file = None;
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Replace every target of `files` by its staged content, all or none: each temporary file is
/// flushed and synced; where several files are committed, each existing target is first linked
/// to a backup name (`.NAME.jinko-tmp-PID-N`, a hard link: the target stays in place); then the
/// temporary files are renamed over their targets one after the other. If a rename fails, the
/// targets already replaced are put back from their backups (or removed, if they were new), and
/// the error says none was written. Only a kill between two renames can leave a mix of old and
/// new files (each file is still whole, and the backups are removed by the next run).
pub fn commit(mut files: Vec<Staged>) -> Result<()> {
    for f in &mut files {
        f.finish()?;
    }
    let mut backups: Vec<Option<PathBuf>> = Vec::with_capacity(files.len());
    let drop_backups = |backups: &[Option<PathBuf>]| {
        for b in backups.iter().flatten() {
            let _ = std::fs::remove_file(b);
        }
    };
    if files.len() > 1 {
        for f in &files {
            match backup(&f.real) {
                Ok(b) => backups.push(b),
                Err(e) => {
                    drop_backups(&backups);
                    return Err(f.error(e));
                }
            }
        }
    } else {
        backups.resize(files.len(), None);
    }
    for (i, f) in files.iter().enumerate() {
        if let Err(e) = std::fs::rename(&f.tmp, &f.real) {
            for (g, b) in files[..i].iter().zip(&backups) {
                let _ = match b {
                    Some(b) => std::fs::rename(b, &g.real),
                    None => std::fs::remove_file(&g.real),
                };
            }
            drop_backups(&backups);
            let more = if files.len() > 1 {
                " (none of the files of this run was replaced)"
            } else {
                ""
            };
            return Err(Error::input(
                Location::file(&f.path),
                format!("cannot write the file ({e}): expected a writable file{more}"),
            ));
        }
    }
    drop_backups(&backups);
    for f in &files {
        sync_dir(&split(&f.real).0);
    }
    Ok(())
}

/// Keep the existing file `real` under a backup name (a hard link, else a copy); None if there
/// is no regular file (nothing to put back; something else put there since [`stage`] makes
/// the rename fail).
fn backup(real: &Path) -> std::io::Result<Option<PathBuf>> {
    if !std::fs::symlink_metadata(real).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let (dir, name) = split(real);
    let b = temp_name(&dir, &name);
    std::fs::hard_link(real, &b).or_else(|_| std::fs::copy(real, &b).map(|_| ()))?;
    Ok(Some(b))
}

/// Copy `from` (a file, folder or link) to `to`, files as hard links where the system allows.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.is_dir() {
        std::fs::create_dir(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            link_tree(&e.path(), &to.join(e.file_name()))?;
        }
        Ok(())
    } else if meta.file_type().is_symlink() {
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
        }
        #[cfg(not(unix))]
        {
            std::fs::copy(from, to).map(|_| ())
        }
    } else {
        std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(|_| ()))
    }
}

/// Swap two folders in one step where the system can (Linux).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are NUL-terminated paths that live across the call; AT_FDCWD makes
    // relative paths relative to the working directory, as std's rename does.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Write `files` (name, bytes) as the folder `dir`, all or none: they are written into a new
/// folder beside `dir`, into which the other entries of an existing `dir` are linked, and which
/// then replaces `dir` whole. On an error `dir` is left as it was.
pub fn write_set(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let real = target(dir, true)?;
    let exists = std::fs::symlink_metadata(&real).is_ok();
    let (parent, name) = split(&real);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    clean_stale(&parent, &name);
    let exists = exists || std::fs::symlink_metadata(&real).is_ok();
    let tmp = temp_name(&parent, &name);
    let cleanup = |e: Error| {
        let _ = std::fs::remove_dir_all(&tmp);
        e
    };
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    if exists {
        let entries = std::fs::read_dir(&real).map_err(|e| cleanup(Error::io(&real, e)))?;
        for e in entries {
            let e = e.map_err(|e| cleanup(Error::io(&real, e)))?;
            let file = e.file_name().to_string_lossy().into_owned();
            if files.iter().any(|(n, _)| *n == file) || file.starts_with(&format!(".{TMP}")) {
                continue;
            }
            link_tree(&e.path(), &tmp.join(e.file_name()))
                .map_err(|err| cleanup(Error::io(e.path(), err)))?;
        }
    }
    for (file, bytes) in files {
        let path = tmp.join(file);
        std::fs::write(&path, bytes)
            .and_then(|()| std::fs::File::open(&path)?.sync_all())
            .map_err(|e| cleanup(Error::io(dir.join(file), e)))?;
    }
    if !exists {
        std::fs::rename(&tmp, &real).map_err(|e| cleanup(Error::io(dir, e)))?;
    } else if exchange(&tmp, &real).is_ok() {
        // `tmp` now holds the old set.
        let _ = std::fs::remove_dir_all(&tmp);
    } else {
        let old = parent.join(format!(".{name}.{OLD}{}", std::process::id()));
        std::fs::rename(&real, &old).map_err(|e| cleanup(Error::io(dir, e)))?;
        if let Err(e) = std::fs::rename(&tmp, &real) {
            let _ = std::fs::rename(&old, &real);
            return Err(cleanup(Error::io(dir, e)));
        }
        let _ = std::fs::remove_dir_all(&old);
    }
    sync_dir(&parent);
    Ok(())
}
