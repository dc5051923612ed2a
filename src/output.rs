//! Writing what the commands make: to standard output, or to a file that is replaced only
//! when everything succeeded.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Runs `produce` on a buffered writer to `path` or, without one, to standard output.
///
/// A file is written as a temporary file beside `path`, synced, and renamed over it only when
/// everything succeeded: a reader never sees a half-written file, and a failure (bad input
/// found while writing, a template error, a full disk) leaves any existing file as it was.
/// Standard output is a stream: what was written before a failure stays written.
pub fn write_output(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    let shown = path.map_or("standard output".into(), |p| p.display().to_string());
    let error = |e: std::io::Error| Error::Write {
        path: shown.clone(),
        message: e.to_string(),
    };
    // Write errors found while producing name the real destination.
    let named = |e: Error| match e {
        Error::Write { message, .. } => Error::Write {
            path: shown.clone(),
            message,
        },
        other => other,
    };
    let Some(path) = path else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        produce(&mut out).map_err(named)?;
        return out.flush().map_err(error);
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(error)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, temp);
    produce(&mut out).map_err(named)?;
    let temp = out.into_inner().map_err(|e| error(e.into_error()))?;
    // On disk before it takes the name, so that even a power cut leaves the old file or the new.
    temp.as_file().sync_all().map_err(error)?;
    temp.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}
