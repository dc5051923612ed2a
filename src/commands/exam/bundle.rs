//! The bundle on disk: the destination checked before anything is derived, the files written
//! in a directory beside it, and that directory renamed into place only when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{DirRefusal, Error, WriteFault};

pub(super) fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::Write {
        path: path.display().to_string(),
        source: e,
    }
}

/// The error of a failed write to `path`, for `map_err`.
pub(super) fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| write_error(path, e)
}

/// The files of a bundle besides the variants' own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BundleFile {
    Questions,
    Answers,
    Moodle,
    Canvas,
}

impl BundleFile {
    const ALL: [BundleFile; 4] = [
        BundleFile::Questions,
        BundleFile::Answers,
        BundleFile::Moodle,
        BundleFile::Canvas,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            BundleFile::Questions => "questions.tex",
            BundleFile::Answers => "answers.tex",
            BundleFile::Moodle => "moodle.xml",
            BundleFile::Canvas => "canvas-qti.zip",
        }
    }

    /// What the files LaTeX makes from a sheet are named after (`questions.pdf`).
    fn latex_stem(self) -> Option<&'static str> {
        match self {
            BundleFile::Questions => Some("questions"),
            BundleFile::Answers => Some("answers"),
            BundleFile::Moodle | BundleFile::Canvas => None,
        }
    }
}

/// Whether `name` is one of the files an exam bundle holds, or one LaTeX makes from them
/// (`questions.pdf`, `answers.aux`, …): only a directory of these is replaced by `--force`.
fn in_bundle(name: &str) -> bool {
    let variant = name.strip_prefix("variant-").and_then(|rest| {
        rest.strip_suffix(".nn")
            .or_else(|| rest.strip_suffix(".json"))
    });
    // Only what LaTeX (pdflatex, lualatex, latexmk, SyncTeX) makes from a sheet: a teacher's
    // `questions.nn` or `answers-edited.tex` beside it is theirs, not the bundle's.
    const LATEX_MADE: &[&str] = &[
        "tex",
        "pdf",
        "aux",
        "log",
        "out",
        "toc",
        "lof",
        "lot",
        "dvi",
        "xdv",
        "fls",
        "fdb_latexmk",
        "synctex",
        "synctex.gz",
        "synctex(busy)",
        "synctex.gz(busy)",
        "nav",
        "snm",
        "vrb",
        "bbl",
        "blg",
        "bcf",
        "run.xml",
    ];
    let made_from = |file: BundleFile| {
        file.latex_stem()
            .and_then(|stem| name.strip_prefix(stem)?.strip_prefix('.'))
            .is_some_and(|extension| LATEX_MADE.contains(&extension))
    };
    BundleFile::ALL
        .into_iter()
        .any(|file| file.name() == name || made_from(file))
        || variant.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The first entry of `dir` that is not one of an exam bundle's files, if any.
fn foreign_entry(dir: &Path) -> std::io::Result<Option<String>> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() || !in_bundle(&name) {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Removes a previous bundle moved aside: its bundle files, then the directory. Anything else
/// found in it (written there while the exam was made) stays, with the directory, and is named.
fn remove_previous(dir: &Path) -> std::io::Result<()> {
    let mut kept = None;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // As `foreign_entry` judged it: any bundle name but a directory's (a link goes, not
        // what it points to).
        if !entry.file_type()?.is_dir() && in_bundle(&name) {
            std::fs::remove_file(entry.path())?;
        } else {
            kept.get_or_insert(name);
        }
    }
    match kept {
        Some(name) => Err(std::io::Error::other(format!(
            "`{name}` appeared in it while the exam was made, so it is kept there"
        ))),
        None => std::fs::remove_dir(dir),
    }
}

/// What is at the destination before the bundle is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    Nothing,
    Empty,
    /// A previous bundle, to replace (`--force`).
    Bundle,
}

/// The destination directory, checked before anything is derived or written.
pub(super) struct Destination {
    /// Where the bundle goes (a symbolic link resolved).
    dir: PathBuf,
    /// The directory beside it, where it is built.
    parent: PathBuf,
    /// Its last component, to name the directories built beside it.
    base: String,
    found: Found,
    /// The permissions of the directory that is there, for the one that replaces it.
    permissions: Option<std::fs::Permissions>,
}

impl Destination {
    pub(super) fn check(out: &Path, force: bool) -> Result<Destination, Error> {
        let refuse = |refusal| Error::ExamDir {
            path: out.display().to_string(),
            refusal,
        };
        let (dir, found, permissions) = match std::fs::metadata(out) {
            Ok(meta) if !meta.is_dir() => return Err(refuse(DirRefusal::NotADirectory)),
            Ok(meta) => {
                let dir = std::fs::canonicalize(out).map_err(io(out))?;
                let mut entries = std::fs::read_dir(&dir).map_err(io(out))?;
                let found = match entries.next() {
                    None => Found::Empty,
                    Some(_) if !force => return Err(refuse(DirRefusal::NotEmpty)),
                    Some(_) => {
                        if let Some(entry) = foreign_entry(&dir).map_err(io(out))? {
                            return Err(refuse(DirRefusal::Foreign { entry }));
                        }
                        Found::Bundle
                    }
                };
                (dir, found, Some(meta.permissions()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (out.to_path_buf(), Found::Nothing, None)
            }
            Err(e) => return Err(write_error(out, e)),
        };
        let base = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| refuse(DirRefusal::NoParent))?;
        let parent = match dir.parent() {
            Some(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Some(p) => p.to_path_buf(),
            None => return Err(refuse(DirRefusal::NoParent)),
        };
        Ok(Destination {
            dir,
            parent,
            base,
            found,
            permissions,
        })
    }

    /// A new empty directory beside the destination, named after it and `what`.
    pub(super) fn sibling(&self, what: &str) -> Result<PathBuf, Error> {
        std::fs::create_dir_all(&self.parent).map_err(io(&self.parent))?;
        for n in 0..1000 {
            let path =
                self.parent
                    .join(format!(".{}.{what}-{}-{n}", self.base, std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(write_error(&path, e)),
            }
        }
        Err(write_error(
            &self.parent,
            std::io::Error::other("no free name for a temporary directory"),
        ))
    }

    /// Moves the finished bundle in `staging` into place: renamed onto a missing or empty
    /// destination; a previous bundle is renamed aside first, put back if the new one cannot
    /// take its place, and removed once it has.
    pub(super) fn commit(&self, staging: &mut Staging, shown: &Path) -> Result<(), Error> {
        if let Some(permissions) = &self.permissions {
            std::fs::set_permissions(&staging.path, permissions.clone()).map_err(io(shown))?;
        }
        let sync_parent = || {
            // Makes the renames durable; a file system that cannot sync a directory is no error.
            let _ = File::open(&self.parent).and_then(|d| d.sync_all());
        };
        if self.found != Found::Bundle {
            match std::fs::rename(&staging.path, &self.dir) {
                Ok(()) => staging.done = true,
                // An empty directory that cannot be replaced (a mount point): filled instead.
                Err(_) if self.found == Found::Empty => self.fill(staging, shown)?,
                Err(e) => return Err(write_error(shown, e)),
            }
            sync_parent();
            return Ok(());
        }
        // Looked at again: the exam may have taken minutes, and what appeared meanwhile (a
        // teacher's notes) is not the bundle's.
        if let Some(entry) = foreign_entry(&self.dir).map_err(io(shown))? {
            return Err(Error::ExamDir {
                path: shown.display().to_string(),
                refusal: DirRefusal::Foreign { entry },
            });
        }
        let mut aside = Staging::new(self.sibling("old")?);
        std::fs::rename(&self.dir, &aside.path).map_err(io(shown))?;
        // From here only the bundle's files are removed from it (`remove_previous`): a
        // program whose current directory was the old one may still write into it.
        aside.done = true;
        if let Err(e) = std::fs::rename(&staging.path, &self.dir) {
            return match std::fs::rename(&aside.path, &self.dir) {
                Ok(()) => Err(write_error(shown, e)),
                Err(back) => Err(Error::Unwritten {
                    path: shown.display().to_string(),
                    fault: WriteFault::PreviousKept {
                        error: e,
                        kept: aside.path.display().to_string(),
                        back,
                    },
                }),
            };
        }
        staging.done = true;
        sync_parent();
        remove_previous(&aside.path).map_err(|error| Error::Unwritten {
            path: shown.display().to_string(),
            fault: WriteFault::PreviousNotRemoved {
                kept: aside.path.display().to_string(),
                error,
            },
        })
    }
}

impl Destination {
    /// Moves every file of `staging` into the empty destination; on a failure, moves back
    /// those already moved, so that it is empty again.
    fn fill(&self, staging: &Staging, shown: &Path) -> Result<(), Error> {
        let mut moved: Vec<std::ffi::OsString> = Vec::new();
        let result = (|| -> std::io::Result<()> {
            for entry in std::fs::read_dir(&staging.path)? {
                let name = entry?.file_name();
                std::fs::rename(staging.path.join(&name), self.dir.join(&name))?;
                moved.push(name);
            }
            File::open(&self.dir)?.sync_all()
        })();
        result.map_err(|e| {
            for name in &moved {
                let _ = std::fs::rename(self.dir.join(name), staging.path.join(name));
            }
            write_error(shown, e)
        })
    }
}

/// A directory beside the destination, removed with everything in it unless `done`.
pub(super) struct Staging {
    pub(super) path: PathBuf,
    done: bool,
}

impl Staging {
    pub(super) fn new(path: PathBuf) -> Staging {
        Staging { path, done: false }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A file of the bundle: written in `staging`, named in messages by its final path.
pub(super) struct Out {
    shown: PathBuf,
    writer: BufWriter<File>,
}

impl Out {
    pub(super) fn create(staging: &Path, shown_dir: &Path, name: &str) -> Result<Out, Error> {
        let shown = shown_dir.join(name);
        let file = File::create(staging.join(name)).map_err(io(&shown))?;
        Ok(Out {
            shown,
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    pub(super) fn write(&mut self, text: &str) -> Result<(), Error> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(io(&self.shown))
    }

    /// Appends the file at `path` (named `shown` in messages), then removes it.
    pub(super) fn append(&mut self, path: &Path, shown: &Path) -> Result<(), Error> {
        let mut file = File::open(path).map_err(io(shown))?;
        std::io::copy(&mut file, &mut self.writer).map_err(io(&self.shown))?;
        std::fs::remove_file(path).map_err(io(shown))
    }

    /// Flushes and syncs the file: on disk before the bundle takes its name.
    pub(super) fn finish(self) -> Result<PathBuf, Error> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| write_error(&self.shown, e.into_error()))?;
        file.sync_all().map_err(io(&self.shown))?;
        Ok(self.shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_an_exam_writes_belongs_to_a_bundle() {
        for name in [
            "questions.tex",
            "questions.pdf",
            "answers.synctex.gz",
            "answers.fdb_latexmk",
            "questions.aux",
            "moodle.xml",
            "canvas-qti.zip",
            "variant-07.nn",
            "variant-1000.json",
        ] {
            assert!(in_bundle(name), "{name}");
        }
        for name in [
            "notes.txt",
            "questions",
            "questions.nn",
            "questions.mine.tex",
            "questions.tex~",
            "questions.tex.bak",
            "answers.",
            "answers.docx",
            "moodle.xml~",
            "canvas-qti.zip.part",
            "variant-.nn",
            "variant-07.tex",
            "variant-x1.json",
            ".git",
        ] {
            assert!(!in_bundle(name), "{name}");
        }
    }

    #[test]
    fn a_previous_bundle_is_removed_but_never_what_appeared_in_it() {
        let parent = tempfile::tempdir().unwrap();
        let old = parent.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("questions.tex"), "old").unwrap();
        std::fs::write(old.join("variant-01.nn"), "old").unwrap();
        let target = parent.path().join("kept.log");
        std::fs::write(&target, "not the bundle's").unwrap();
        std::os::unix::fs::symlink(&target, old.join("answers.log")).unwrap();
        remove_previous(&old).unwrap();
        assert!(target.exists());
        assert!(!old.exists());
        // A file written into the old directory after it was checked (by an editor whose
        // current directory it was) stays, and so does the directory holding it.
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("questions.tex"), "old").unwrap();
        std::fs::write(old.join("notes.txt"), "mine").unwrap();
        std::fs::create_dir(old.join("figures")).unwrap();
        let message = remove_previous(&old).unwrap_err().to_string();
        assert!(
            message.contains("`notes.txt`") || message.contains("`figures`"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(old.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(old.join("figures").is_dir());
        assert!(!old.join("questions.tex").exists());
        assert!(foreign_entry(&old).unwrap().is_some());
    }
}
