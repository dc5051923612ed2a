//! The bundle's files as they are written: the sheets, the quizzes and each variant's own
//! files, a variant at a time in order, then finished and synced before the bundle is renamed
//! into place.

use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::bundle::{io, BundleFile, Out};
use super::variant::Files;
use super::{canvas, moodle, text, ExamSettings, MoodleKind};
use crate::derivation::Carry;
use crate::error::Error;
use crate::latex;

/// The files made beside the bundle's while it is written, and removed before it is renamed
/// into place: the answer key's derivations (appended to it) and Canvas's assessment (copied
/// into the zip).
const DERIVATIONS: &str = ".answers-derivations.tex";
const ASSESSMENT: &str = ".canvas-assessment.xml";

/// The bundle's files being written in `dir`, named in messages as in `shown`.
pub(super) struct Sheets {
    dir: PathBuf,
    shown: PathBuf,
    questions: Out,
    answers: Out,
    /// The derivations follow every variant's table: held beside the key until the end.
    derivations: Out,
    moodle: Out,
    canvas: canvas::Package,
    /// The variants' own files, by name.
    variant_files: Vec<String>,
}

impl Sheets {
    /// Creates the files in `dir` and writes their openings.
    pub(super) fn open(
        dir: &Path,
        shown: &Path,
        preamble: &str,
        settings: &ExamSettings,
        title: &str,
    ) -> Result<Sheets, Error> {
        let texts = text::Texts(settings.layout.lang);
        let create = |file: BundleFile| Out::create(dir, shown, file.name());
        let mut questions = create(BundleFile::Questions)?;
        let mut answers = create(BundleFile::Answers)?;
        let mut derivations = Out::create(dir, shown, DERIVATIONS)?;
        let mut moodle = create(BundleFile::Moodle)?;
        let canvas_name = BundleFile::Canvas.name();
        let canvas = canvas::Package::create(&dir.join(canvas_name), &dir.join(ASSESSMENT), title)
            .map_err(io(&shown.join(canvas_name)))?;
        questions.write(&latex::exam::questions_opening(preamble))?;
        answers.write(&latex::exam::answers_opening(
            preamble,
            texts.key_title(),
            [
                texts.carry_note(settings.options.carry == Carry::Rounded),
                &texts.table_note(
                    settings.tolerance,
                    settings.options.digits,
                    crate::latex::exam::percent,
                ),
            ],
        ))?;
        derivations.write(latex::exam::NEW_PAGE)?;
        moodle.write(moodle::header())?;
        if settings.moodle == MoodleKind::Cloze {
            moodle.write(&moodle::cloze_category(title))?;
        }
        Ok(Sheets {
            dir: dir.to_path_buf(),
            shown: shown.to_path_buf(),
            questions,
            answers,
            derivations,
            moodle,
            canvas,
            variant_files: Vec::with_capacity(2 * settings.variants),
        })
    }

    fn canvas_shown(&self) -> PathBuf {
        self.shown.join(BundleFile::Canvas.name())
    }

    /// Writes the variant labelled `label` (`07`) into every file.
    pub(super) fn add(&mut self, label: &str, v: Files) -> Result<(), Error> {
        for (name, text) in [
            (format!("variant-{label}.nn"), &v.nn),
            (format!("variant-{label}.json"), &v.json),
        ] {
            std::fs::write(self.dir.join(&name), text).map_err(io(&self.shown.join(&name)))?;
            self.variant_files.push(name);
        }
        self.questions.write(&v.question)?;
        self.answers.write(&v.table)?;
        self.derivations.write(&v.answer)?;
        self.moodle.write(&v.moodle)?;
        self.canvas
            .add(label, &v.canvas, v.svg.as_deref())
            .map_err(io(&self.canvas_shown()))
    }

    /// Closes every file and syncs it and the directory; returns the paths as they will be.
    pub(super) fn finish(self) -> Result<Vec<PathBuf>, Error> {
        let Sheets {
            dir,
            shown,
            mut questions,
            mut answers,
            mut derivations,
            mut moodle,
            canvas,
            variant_files,
        } = self;
        let canvas_shown = shown.join(BundleFile::Canvas.name());
        questions.write(latex::exam::SHEET_END)?;
        derivations.write(latex::exam::SHEET_END)?;
        let derivations = derivations.finish()?;
        answers.append(&dir.join(DERIVATIONS), &derivations)?;
        moodle.write(moodle::footer())?;
        canvas.finish().map_err(io(&canvas_shown))?;
        let mut written = vec![
            questions.finish()?,
            answers.finish()?,
            moodle.finish()?,
            canvas_shown,
        ];
        // The variants' files, synced together (the file system batches them).
        variant_files
            .par_iter()
            .map(|name| {
                File::open(dir.join(name))
                    .and_then(|f| f.sync_all())
                    .map_err(io(&shown.join(name)))
            })
            .collect::<Result<(), Error>>()?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&shown))?;
        written.extend(variant_files.iter().map(|name| shown.join(name)));
        Ok(written)
    }
}
