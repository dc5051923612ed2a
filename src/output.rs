//! Writing what the commands make: to standard output, to the file `-o` names, or a set of
//! files into a directory — so that what people keep is never lost or half-written.
//!
//! The rules, and why each exists:
//!
//! - **Standard output** is written through a duplicate of file descriptor 1, a plain `File`
//!   whose every error is reported: Rust's own `stdout()` treats a closed descriptor as
//!   success, and `print!` panics on a full disk. A descriptor that was closed when the
//!   program started (`>&-`) is an error too: the Rust runtime quietly opens `/dev/null` in
//!   its place, so `main.rs` looks before the runtime does and tells [`note_closed_at_start`];
//!   `-o /dev/stdout` (or `/dev/fd/1`, `/dev/stderr`…) onto a descriptor closed so is an error too.
//!   `-o -` is standard output. Standard output is a stream: what was written before a
//!   failure stays written.
//! - **A regular file** (or a new one) is written as a temporary file beside it, synced, and
//!   renamed over it only when everything succeeded: a reader never sees a half-written file,
//!   and a failure (bad input found while writing, a template error, a full disk) leaves the
//!   old file as it was. A new file gets the mode the umask gives (0666 less the umask); an
//!   existing one keeps its mode and, where the process may set them, its owner and group
//!   (set-id bits only when the owner could be kept).
//! - **A symbolic link** is followed: its target is replaced as above, beside the target, and
//!   the link stays a link.
//! - **A file with several hard links** cannot be replaced by renaming without splitting the
//!   links, so it is rewritten in place — but only after the whole output was written to a
//!   temporary file and synced: a failure while making the output (bad input, template error,
//!   a full disk) still leaves the file untouched. The one trade-off: a crash, or a disk that
//!   fills up, during the final copy can leave it half old and half new (the message says so).
//! - **A device, FIFO or other non-regular file** is written straight through, streaming, as a
//!   shell redirection would (`-o /dev/null` stays `/dev/null`), and so is a regular file
//!   reached through a link only the kernel can follow (`/dev/stdout`, `/proc/self/fd/N`);
//!   **a directory** is an error.
//! - **The input itself** is never the output: [`refuse_same_file`] compares device and
//!   inode, so `./a.nn`, a symbolic link or a hard link to the input are refused too, before
//!   anything is written; so is a standard input or output that is the input file
//!   (`derive - -o a.nn < a.nn`, `derive a.nn >> a.nn`).
//! - **A file beside the output** ([`write_output_with_side`], the SVG drawing beside a
//!   Markdown post) follows the same rules, all or nothing with the output: both are made
//!   whole and synced before either takes its name, and should the output's own rename fail
//!   after the side file's, the side file is put back as it was.
//! - **A set of files** ([`write_files_atomically`], for `templates export`) is written all or
//!   nothing: every file into a temporary directory beside them first, then moved into place;
//!   files that exist already are refused before anything is written, unless replacing them
//!   was asked for, and a failure while moving puts back what was there.

use std::fs::{self, File, Permissions};
use std::io::{self, Seek, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::{Error, WriteFault};

/// How much is buffered before a write: big outputs are tens of megabytes.
const BUFFER: usize = 1 << 16;

/// The OS error found on file descriptors 0, 1 and 2 before the runtime started (0: open).
static CLOSED_AT_START: [AtomicI32; 3] = [AtomicI32::new(0), AtomicI32::new(0), AtomicI32::new(0)];

/// Records that file descriptor `fd` (0, 1 or 2) was closed when the process started, with
/// the OS error seen (`EBADF`); called by `main.rs` before the Rust runtime replaces it with
/// `/dev/null`.
pub fn note_closed_at_start(fd: usize, os_error: i32) {
    if let Some(slot) = CLOSED_AT_START.get(fd) {
        slot.store(os_error, Ordering::Relaxed);
    }
}

/// The OS error of a standard descriptor that was closed at the start, if `fd` is one.
fn closed_at_start(fd: usize) -> Option<i32> {
    let closed = CLOSED_AT_START.get(fd)?.load(Ordering::Relaxed);
    (closed != 0).then_some(closed)
}

/// Whether `path` leads, through its links, to a standard descriptor that was closed at the
/// start (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1` under `>&-`): it now names the
/// `/dev/null` the runtime put there, and writing it would quietly succeed.
fn names_a_closed_descriptor(path: &Path) -> Option<i32> {
    let own = PathBuf::from(format!("/proc/{}/fd", std::process::id()));
    let mut hop = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let fd = hop
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<usize>().ok());
        if let Some(closed) = fd.and_then(closed_at_start) {
            if fs::canonicalize(parent_of(&hop)).is_ok_and(|dir| dir == own) {
                return Some(closed);
            }
        }
        let link = fs::read_link(&hop).ok()?;
        hop = match hop.parent() {
            Some(dir) if link.is_relative() => dir.join(link),
            _ => link,
        };
    }
    None
}

/// Whether `path` means standard output (`-`).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn write_error(path: impl std::fmt::Display, e: io::Error) -> Error {
    Error::Write {
        path: path.to_string(),
        source: e,
    }
}

/// Standard output as a `File` that reports every error, including a descriptor that was
/// closed from the start.
pub fn stdout() -> Result<File, Error> {
    let handle = if let Some(closed) = closed_at_start(1) {
        Err(io::Error::from_raw_os_error(closed))
    } else {
        io::stdout().as_fd().try_clone_to_owned().map(File::from)
    };
    handle.map_err(|e| write_error("standard output", e))
}

/// Writes `text` to standard output: the one way messages reach it.
pub fn print(text: &str) -> Result<(), Error> {
    stdout()?
        .write_all(text.as_bytes())
        .map_err(|e| write_error("standard output", e))
}

/// Refuses an `output` that is the `input` file: the same device and inode, however spelt —
/// also when either is a standard stream (`derive - -o a.nn < a.nn`, `derive a.nn >> a.nn`),
/// as `cat` refuses. Only regular files collide (reading and writing one device is not a
/// Refuses two outputs of one run that name the same file (by path, or where it exists, by
/// device and inode: also through a link).
pub fn refuse_two_outputs_in_one(first: &Path, second: &Path) -> Result<(), Error> {
    if is_stdout(first) || is_stdout(second) {
        return Ok(());
    }
    let same = first == second
        || matches!(
            (fs::metadata(first), fs::metadata(second)),
            (Ok(a), Ok(b)) if a.dev() == b.dev() && a.ino() == b.ino()
        );
    match same {
        true => Err(Error::OneFileForTwo {
            path: second.display().to_string(),
        }),
        false => Ok(()),
    }
}

/// loss).
pub fn refuse_same_file(input: &Path, output: Option<&Path>) -> Result<(), Error> {
    let output = output.filter(|o| !is_stdout(o));
    let input_meta = if is_stdout(input) {
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map(File::from)
            .and_then(|f| f.metadata())
    } else {
        fs::metadata(input)
    };
    let output_meta = match output {
        Some(path) => fs::metadata(path),
        None => match stdout() {
            Ok(file) => file.metadata(),
            // A closed standard output is reported when it is written.
            Err(_) => return Ok(()),
        },
    };
    match (input_meta, output_meta) {
        (Ok(i), Ok(o)) if i.is_file() && i.dev() == o.dev() && i.ino() == o.ino() => {
            Err(Error::SameFile {
                input: if is_stdout(input) {
                    "(standard input)".into()
                } else {
                    input.display().to_string()
                },
                output: output.map_or("standard output".into(), |o| o.display().to_string()),
            })
        }
        _ => Ok(()),
    }
}

/// What an `-o` path names, once symbolic links are followed.
#[derive(Debug)]
enum Destination {
    /// Nothing yet: a new file at this path.
    New(PathBuf),
    /// A regular file, with its metadata (mode, owner, links).
    Regular(PathBuf, fs::Metadata),
    /// A device, FIFO or socket: written straight through.
    Stream(PathBuf),
    /// A regular file reached through a link the kernel resolves itself (`/dev/stdout` →
    /// `/proc/self/fd/1`): written through, truncated.
    Through(PathBuf),
}

/// The most symbolic links followed, as the kernel's own limit.
const MAX_LINKS: usize = 40;

impl Destination {
    fn of(path: &Path) -> Result<Destination, Error> {
        let shown = path.display();
        if path.as_os_str().as_bytes().ends_with(b"/") {
            return Err(Error::OutputIsDirectory {
                path: shown.to_string(),
            });
        }
        if let Some(closed) = names_a_closed_descriptor(path) {
            return Err(write_error(&shown, io::Error::from_raw_os_error(closed)));
        }
        let followed = || follow_links(path).map_err(|e| write_error(&shown, e));
        // What the kernel finds decides; the links are followed by hand only to place the
        // temporary file beside the real file.
        let meta = match fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Destination::New(followed()?))
            }
            Err(e) => return Err(write_error(&shown, e)),
            Ok(meta) => meta,
        };
        if meta.is_dir() {
            return Err(Error::OutputIsDirectory {
                path: shown.to_string(),
            });
        }
        if !meta.is_file() {
            return Ok(Destination::Stream(path.to_path_buf()));
        }
        let target = followed()?;
        match fs::metadata(&target) {
            Ok(found) if found.dev() == meta.dev() && found.ino() == meta.ino() => {
                Ok(Destination::Regular(target, meta))
            }
            _ => Ok(Destination::Through(path.to_path_buf())),
        }
    }
}

/// `path` with its last component's symbolic links followed (a dangling link gives the path
/// it points to, which is then created). A relative link is read from the link's directory.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The directory a path's file is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A temporary file beside `target`, created with the mode the umask gives a new file.
fn temp_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(target.file_name().unwrap_or_default());
    prefix.push(".");
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(parent_of(target))
        .map_err(without_temp_path)
}

/// tempfile's errors end in ` at path "…"`, the random name of a file that never came to be;
/// the message names the user's path instead.
fn without_temp_path(e: io::Error) -> io::Error {
    match e.to_string().split_once(" at path ") {
        Some((reason, _)) => io::Error::new(e.kind(), reason.to_string()),
        None => e,
    }
}

/// Gives `file` the owner, group and mode of `old`. The owner is best effort (only root may
/// give a file away); without it, set-user-id and set-group-id bits are not copied.
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> io::Result<()> {
    let owned = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_ok();
    let mode = old.mode() & if owned { 0o7777 } else { 0o777 };
    file.set_permissions(Permissions::from_mode(mode))
}

/// Runs `produce` on a buffered writer to `path` (`-` or none: standard output), following the
/// rules in the module documentation.
pub fn write_output(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    write_output_then(path, produce, || Ok(()))
}

/// Whether `path` would be written as a file of its own (new, or a regular file replaced),
/// rather than streamed (standard output, a device, a FIFO, `/dev/stdout`): only such an
/// output can have a file beside it.
pub fn is_file(path: &Path) -> bool {
    !is_stdout(path)
        && matches!(
            Destination::of(path),
            Ok(Destination::New(_) | Destination::Regular(..))
        )
}

/// [`write_output`] to the file `path`, with `side` (`content`) written beside it all or
/// nothing: both are made whole and synced before either is in place.
pub fn write_output_with_side(
    path: &Path,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
    side: &Path,
    content: &[u8],
) -> Result<(), Error> {
    let staged = Side::stage(side, content)?;
    let mut committed = None;
    let result = write_output_then(Some(path), produce, || {
        committed = Some(staged.commit()?);
        Ok(())
    });
    match (result, committed) {
        (Ok(()), Some(done)) => {
            done.keep();
            Ok(())
        }
        (Err(e), Some(done)) => {
            done.undo();
            Err(e)
        }
        (result, None) => result,
    }
}

/// A side file made whole, not yet in place.
enum Side {
    /// A temporary file beside the target, renamed over it at the commit.
    Rename {
        temp: tempfile::NamedTempFile,
        target: PathBuf,
        shown: String,
    },
    /// Written straight through at the commit (a device, a FIFO, a file with hard links).
    Through {
        target: PathBuf,
        content: Vec<u8>,
        shown: String,
    },
}

/// A side file in place, and how to put back what was there.
struct Committed {
    target: PathBuf,
    /// The old file under a temporary name (none: there was no file, or it cannot be kept).
    backup: Option<PathBuf>,
    /// Whether the target was new.
    new: bool,
}

impl Side {
    fn stage(path: &Path, content: &[u8]) -> Result<Side, Error> {
        let shown = path.display().to_string();
        let error = |e: io::Error| write_error(&shown, e);
        match Destination::of(path)? {
            Destination::New(target) => Side::temp(target, None, content, shown),
            Destination::Regular(target, old) if old.nlink() <= 1 => {
                Side::temp(target, Some(&old), content, shown)
            }
            Destination::Regular(target, _)
            | Destination::Stream(target)
            | Destination::Through(target) => {
                // Refused now rather than at the commit: it must be writable.
                fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(error)?;
                Ok(Side::Through {
                    target,
                    content: content.to_vec(),
                    shown,
                })
            }
        }
    }

    fn temp(
        target: PathBuf,
        old: Option<&fs::Metadata>,
        content: &[u8],
        shown: String,
    ) -> Result<Side, Error> {
        let error = |e: io::Error| write_error(&shown, e);
        let mut temp = temp_beside(&target).map_err(error)?;
        if let Some(old) = old {
            keep_owner_and_mode(temp.as_file(), old).map_err(error)?;
        }
        temp.write_all(content).map_err(error)?;
        temp.as_file().sync_all().map_err(error)?;
        Ok(Side::Rename {
            temp,
            target,
            shown,
        })
    }

    fn commit(self) -> Result<Committed, Error> {
        match self {
            Side::Rename {
                temp,
                target,
                shown,
            } => {
                let error = |e: io::Error| write_error(&shown, e);
                let new = fs::symlink_metadata(&target).is_err();
                // The old file keeps a second name until the output is in place too.
                let backup = if new {
                    None
                } else {
                    let name = temp_beside(&target)
                        .and_then(|t| t.into_temp_path().keep().map_err(|e| e.error))
                        .map_err(error)?;
                    fs::remove_file(&name).map_err(error)?;
                    fs::hard_link(&target, &name).map_err(error)?;
                    Some(name)
                };
                if let Err(e) = temp.persist(&target) {
                    if let Some(name) = &backup {
                        let _ = fs::remove_file(name);
                    }
                    return Err(error(e.error));
                }
                Ok(Committed {
                    target,
                    backup,
                    new,
                })
            }
            Side::Through {
                target,
                content,
                shown,
            } => {
                let truncated = fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&target)
                    .and_then(|mut f| f.write_all(&content));
                truncated.map_err(|e| write_error(&shown, e))?;
                Ok(Committed {
                    target,
                    backup: None,
                    new: false,
                })
            }
        }
    }
}

impl Committed {
    /// The output is in place too: the old side file's second name goes.
    fn keep(self) {
        if let Some(name) = self.backup {
            let _ = fs::remove_file(name);
        }
    }

    /// The output failed after the side file was in place: what was there comes back.
    fn undo(self) {
        match (self.backup, self.new) {
            (Some(name), _) => {
                let _ = fs::rename(name, &self.target);
            }
            (None, true) => {
                let _ = fs::remove_file(&self.target);
            }
            (None, false) => {}
        }
    }
}

/// [`write_output`], running `before_commit` once the output is whole and synced, just
/// before it takes its name (for a stream: once it is written).
fn write_output_then(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
    before_commit: impl FnOnce() -> Result<(), Error>,
) -> Result<(), Error> {
    let path = path.filter(|p| !is_stdout(p));
    let shown = path.map_or("standard output".into(), |p| p.display().to_string());
    let error = |e: io::Error| write_error(&shown, e);
    // Write errors found while producing name the real destination.
    let named = |e: Error| match e {
        Error::Write { source, .. } => Error::Write {
            path: shown.clone(),
            source,
        },
        other => other,
    };
    let Some(path) = path else {
        let mut out = io::BufWriter::with_capacity(BUFFER, stdout()?);
        produce(&mut out).map_err(named)?;
        out.flush().map_err(error)?;
        return before_commit();
    };
    let destination = Destination::of(path)?;
    let truncate = matches!(destination, Destination::Through(_));
    match destination {
        Destination::Stream(target) | Destination::Through(target) => {
            let file = fs::OpenOptions::new()
                .write(true)
                .truncate(truncate)
                .open(&target)
                .map_err(error)?;
            let mut out = io::BufWriter::with_capacity(BUFFER, file);
            produce(&mut out).map_err(named)?;
            out.flush().map_err(error)?;
            before_commit()
        }
        Destination::Regular(target, old) if old.nlink() > 1 => {
            // The whole output first, where a failure costs nothing.
            let mut temp = tempfile::tempfile_in(parent_of(&target))
                .map_err(|e| error(without_temp_path(e)))?;
            let mut out = io::BufWriter::with_capacity(BUFFER, &mut temp);
            produce(&mut out).map_err(named)?;
            out.flush().map_err(error)?;
            drop(out);
            temp.sync_all().map_err(error)?;
            before_commit()?;
            copy_in_place(&mut temp, &target).map_err(|error| Error::Unwritten {
                path: shown.clone(),
                fault: WriteFault::HalfWritten {
                    error,
                    links: old.nlink(),
                },
            })
        }
        Destination::Regular(target, old) => {
            replace(&target, Some(&old), produce, before_commit, error, named)
        }
        Destination::New(target) => replace(&target, None, produce, before_commit, error, named),
    }
}

/// Writes a temporary file beside `target`, syncs it and renames it over `target`.
fn replace(
    target: &Path,
    old: Option<&fs::Metadata>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
    before_commit: impl FnOnce() -> Result<(), Error>,
    error: impl Fn(io::Error) -> Error,
    named: impl Fn(Error) -> Error,
) -> Result<(), Error> {
    let temp = temp_beside(target).map_err(&error)?;
    if let Some(old) = old {
        keep_owner_and_mode(temp.as_file(), old).map_err(&error)?;
    }
    // Through the `File`: the temporary file's own errors would name its path.
    let mut out = io::BufWriter::with_capacity(BUFFER, temp.as_file());
    produce(&mut out).map_err(named)?;
    out.flush().map_err(&error)?;
    drop(out);
    // On disk before it takes the name, so that even a power cut leaves the old file or the new.
    temp.as_file().sync_all().map_err(&error)?;
    before_commit()?;
    temp.persist(target).map_err(|e| error(e.error))?;
    Ok(())
}

/// Copies all of `from` over the start of `target` (same inode), cuts `target` to that length
/// and syncs it.
fn copy_in_place(from: &mut File, target: &Path) -> io::Result<()> {
    from.rewind()?;
    let mut to = fs::OpenOptions::new().write(true).open(target)?;
    let length = io::copy(from, &mut to)?;
    to.set_len(length)?;
    to.sync_all()
}

/// Writes `files` (name, content) into `dir` all or nothing; with `replace`, existing regular
/// files of those names are replaced, otherwise any existing one is refused before anything is
/// written. Returns the paths written, in order.
pub fn write_files_atomically(
    dir: &Path,
    files: &[(&str, &[u8])],
    replace: bool,
) -> Result<Vec<PathBuf>, Error> {
    write_files_with(dir, files, replace, |from, to| fs::rename(from, to))
}

/// Writes `files` into the new directory `dir`: made whole beside it, then renamed into place.
fn write_new_dir(
    dir: &Path,
    files: &[(&str, &[u8])],
    rename: &mut impl FnMut(&Path, &Path) -> io::Result<()>,
) -> Result<(), Error> {
    let parent = parent_of(dir);
    fs::create_dir_all(parent).map_err(error(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".backprop-tex-")
        .permissions(Permissions::from_mode(0o777))
        .tempdir_in(parent)
        .map_err(|e| error(dir)(without_temp_path(e)))?;
    stage(staging.path(), files, dir)?;
    rename(staging.path(), dir).map_err(error(dir))?;
    // The directory now has its real name; nothing is left to remove.
    let _ = staging.keep();
    sync_dir(parent);
    Ok(())
}

/// Which of `paths` (the `files` in `dir`) exist already; refused unless `replace`, or when
/// one of them is not a regular file.
fn present_files(
    dir: &Path,
    files: &[(&str, &[u8])],
    paths: &[PathBuf],
    replace: bool,
) -> Result<Vec<bool>, Error> {
    let present: Vec<bool> = paths.iter().map(|p| p.symlink_metadata().is_ok()).collect();
    let existing: Vec<String> = files
        .iter()
        .zip(&present)
        .filter(|(_, &here)| here)
        .map(|((name, _), _)| name.to_string())
        .collect();
    if !existing.is_empty() && !replace {
        return Err(Error::Exists {
            dir: dir.display().to_string(),
            names: existing,
        });
    }
    for (path, _) in paths.iter().zip(&present).filter(|(_, &here)| here) {
        if !path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            return Err(Error::Unwritten {
                path: path.display().to_string(),
                fault: WriteFault::NotARegularFile,
            });
        }
    }
    Ok(present)
}

/// [`write_files_atomically`] with the final move given (tests make it fail half-way).
fn write_files_with(
    dir: &Path,
    files: &[(&str, &[u8])],
    replace: bool,
    mut rename: impl FnMut(&Path, &Path) -> io::Result<()>,
) -> Result<Vec<PathBuf>, Error> {
    let shown = dir.display();
    let paths: Vec<PathBuf> = files.iter().map(|(name, _)| dir.join(name)).collect();
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_new_dir(dir, files, &mut rename)?;
            return Ok(paths);
        }
        Err(e) => return Err(write_error(&shown, e)),
        Ok(_) => {}
    }
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(Error::Unwritten {
                path: shown.to_string(),
                fault: WriteFault::NotADirectory,
            })
        }
        Err(e) => return Err(write_error(&shown, e)),
    }
    let present = present_files(dir, files, &paths, replace)?;
    let staging = tempfile::Builder::new()
        .prefix(".backprop-tex-")
        .tempdir_in(dir)
        .map_err(|e| error(dir)(without_temp_path(e)))?;
    stage(staging.path(), files, dir)?;
    // What is replaced is kept (as a second link, or a copy) until everything is in place.
    let old = staging.path().join("old");
    fs::create_dir(&old).map_err(error(dir))?;
    for ((name, _), path) in files
        .iter()
        .zip(&paths)
        .zip(&present)
        .filter_map(|(f, &h)| h.then_some(f))
    {
        let backup = old.join(name);
        fs::hard_link(path, &backup)
            .or_else(|_| fs::copy(path, &backup).map(|_| ()))
            .map_err(error(path))?;
    }
    for (i, ((name, _), path)) in files.iter().zip(&paths).enumerate() {
        if let Err(e) = rename(&staging.path().join(name), path) {
            for j in (0..i).rev() {
                let _ = if present[j] {
                    fs::rename(old.join(files[j].0), &paths[j])
                } else {
                    fs::remove_file(&paths[j])
                };
            }
            return Err(write_error(path.display(), e));
        }
    }
    sync_dir(dir);
    Ok(paths)
}

/// The error of a failed write to `path`, for `map_err`.
fn error(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| write_error(path.display(), e)
}

/// Writes each file into `staging`, synced; errors name the file's place in `dir`.
fn stage(staging: &Path, files: &[(&str, &[u8])], dir: &Path) -> Result<(), Error> {
    for (name, content) in files {
        let error = |e: io::Error| write_error(dir.join(name).display(), e);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .open(staging.join(name))
            .map_err(error)?;
        file.write_all(content).map_err(error)?;
        file.sync_all().map_err(error)?;
    }
    Ok(())
}

/// Makes the renames in `dir` durable; a failure here changes nothing already done.
fn sync_dir(dir: &Path) {
    let _ = File::open(dir).and_then(|d| d.sync_all());
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: [(&str, &[u8]); 3] = [("a", b"new a"), ("b", b"new b"), ("c", b"new c")];

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_directory_is_made_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let failing = [FILES[0], ("no/such", b"x"), FILES[2]];
        let error = write_files_atomically(&dir, &failing, false).unwrap_err();
        assert!(error.to_string().contains("no/such"), "{error}");
        assert!(names(root.path()).is_empty(), "{:?}", names(root.path()));

        let written = write_files_atomically(&dir, &FILES, false).unwrap();
        assert_eq!(written, [dir.join("a"), dir.join("b"), dir.join("c")]);
        assert_eq!(names(&dir), ["a", "b", "c"]);
        assert_eq!(names(root.path()), ["out"]);
    }

    #[test]
    fn existing_files_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b"), "mine").unwrap();
        let error = write_files_atomically(dir.path(), &FILES, false).unwrap_err();
        assert!(
            matches!(&error, Error::Exists { names, .. } if names == &["b"]),
            "{error}"
        );
        assert_eq!(names(dir.path()), ["b"]);
        assert_eq!(fs::read_to_string(dir.path().join("b")).unwrap(), "mine");
    }

    #[test]
    fn a_failure_while_staging_leaves_an_existing_directory_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("mine"), "kept").unwrap();
        let failing = [FILES[0], ("no/such", b"x")];
        assert!(write_files_atomically(dir.path(), &failing, true).is_err());
        assert_eq!(names(dir.path()), ["mine"]);
    }

    #[test]
    fn a_failure_while_moving_puts_back_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "old a").unwrap();
        let mut calls = 0;
        let failing_third = |from: &Path, to: &Path| {
            calls += 1;
            match calls {
                3 => Err(io::Error::from_raw_os_error(28)),
                _ => fs::rename(from, to),
            }
        };
        let error = write_files_with(dir.path(), &FILES, true, failing_third).unwrap_err();
        assert!(
            error.to_string().contains("No space left on device"),
            "{error}"
        );
        assert_eq!(names(dir.path()), ["a"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "old a");

        write_files_atomically(dir.path(), &FILES, true).unwrap();
        assert_eq!(names(dir.path()), ["a", "b", "c"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "new a");
    }

    #[test]
    fn errors_name_the_users_path_not_the_temporary_one() {
        let error = write_output(Some(Path::new("/no/such/dir/a.tex")), |_| Ok(())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot write /no/such/dir/a.tex: No such file or directory (os error 2)"
        );
        let error =
            write_files_atomically(Path::new("/proc/self/templates"), &FILES, false).unwrap_err();
        assert!(!error.to_string().contains("at path"), "{error}");
    }

    #[test]
    fn links_are_followed_relative_to_their_directory() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        std::os::unix::fs::symlink("../target", sub.join("link")).unwrap();
        std::os::unix::fs::symlink("link", sub.join("again")).unwrap();
        assert_eq!(
            follow_links(&sub.join("again")).unwrap(),
            sub.join("../target")
        );
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
        assert!(follow_links(&dir.path().join("loop")).is_err());
    }

    #[test]
    fn a_failure_while_producing_leaves_a_linked_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, "old").unwrap();
        fs::hard_link(&a, dir.path().join("b")).unwrap();
        let failed = write_output(Some(&a), |out| {
            out.write_all(b"half").unwrap();
            Err(Error::Verification {
                message: "stop".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&a).unwrap(), "old");
        write_output(Some(&a), |out| {
            out.write_all(b"new").map_err(|e| write_error("x", e))
        })
        .unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("b")).unwrap(), "new");
        assert_eq!(names(dir.path()), ["a", "b"]);
    }
}
