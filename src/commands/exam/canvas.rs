//! `canvas-qti.zip`: the exam as a QTI 1.2 package for Canvas's quiz import.
//!
//! The package holds `imsmanifest.xml`, one assessment of `numerical_question` items (the
//! same text, picture and tolerance as Moodle's), and each variant's drawing under
//! `web_resources/`, where Canvas resolves `$IMS-CC-FILEBASE$/…`; each drawing is a
//! `webcontent` resource of its own in the manifest, which Canvas needs to import it. Every
//! answer bound has a decimal point: Canvas hides a numerical item whose bounds have none.
//!
//! The zip is written by hand, stored (not compressed), entries streamed as the variants are
//! made; the assessment is written beside it first and copied in at the end.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::text::Texts;
use super::{xml, Online};

/// The assessment's identifier and its folder in the package.
const ASSESSMENT: &str = "backprop-tex-exam";

/// Where a variant's drawing is, under `web_resources/`.
fn picture_path(label: &str) -> String {
    format!("backprop-tex/variant-{label}.svg")
}

/// The start of the assessment file.
pub fn assessment_header(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <questestinterop xmlns=\"http://www.imsglobal.org/xsd/ims_qtiasiv1p2\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.imsglobal.org/xsd/ims_qtiasiv1p2 http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd\">\n  \
         <assessment ident=\"{ASSESSMENT}\" title=\"{}\">\n    \
         <qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>\n    \
         <section ident=\"root_section\">\n",
        xml(title)
    )
}

pub fn assessment_footer() -> &'static str {
    "    </section>\n  </assessment>\n</questestinterop>\n"
}

/// The items of one variant, one per asked number.
pub fn items(online: &Online, texts: Texts) -> String {
    let img = online.problem.svg.as_ref().map(|_| {
        format!(
            "<p><img src=\"$IMS-CC-FILEBASE$/{}\" alt=\"{}\" /></p>",
            picture_path(online.label),
            texts.picture(online.problem.subject)
        )
    });
    let mut out = String::new();
    for (n, asked) in online.asked.iter().enumerate() {
        let k = n + 1;
        let html = format!(
            "{}<p>{}</p>",
            online
                .problem
                .html(texts.intro(online.problem.subject), img.as_deref()),
            texts.compute(&crate::latex::exam::inline(&asked.symbol), online.digits)
        );
        let (lo, hi) = asked.graded.bounds();
        out.push_str(&format!(
            "      <item ident=\"{}\" title=\"{}\">\n        \
             <itemmetadata><qtimetadata>\
             <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>numerical_question</fieldentry></qtimetadatafield>\
             <qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>1.0</fieldentry></qtimetadatafield>\
             </qtimetadata></itemmetadata>\n        \
             <presentation>\n          <material><mattext texttype=\"text/html\">{}</mattext></material>\n          \
             <response_str ident=\"response1\" rcardinality=\"Single\"><render_fib fibtype=\"Decimal\"><response_label ident=\"answer1\"/></render_fib></response_str>\n        \
             </presentation>\n        \
             <resprocessing>\n          \
             <outcomes><decvar maxvalue=\"100\" minvalue=\"0\" varname=\"SCORE\" vartype=\"Decimal\"/></outcomes>\n          \
             <respcondition continue=\"No\"><conditionvar><or>\
             <varequal respident=\"response1\">{}</varequal>\
             <and><vargte respident=\"response1\">{lo}</vargte><varlte respident=\"response1\">{hi}</varlte></and>\
             </or></conditionvar><setvar action=\"Set\" varname=\"SCORE\">100</setvar></respcondition>\n        \
             </resprocessing>\n        \
             <itemfeedback ident=\"general_fb\"><flow_mat><material><mattext texttype=\"text/html\">{}</mattext></material></flow_mat></itemfeedback>\n      \
             </item>\n",
            xml(&super::moodle::idnumber(online.label, Some(k))),
            xml(&texts.question_name(online.label, k, &asked.name)),
            xml(&html),
            asked.graded.answer.text(),
            xml(&asked.feedback),
        ));
    }
    out
}

/// The manifest: the assessment, and each drawing as a resource of its own.
fn manifest(pictures: &[String]) -> String {
    let mut dependencies = String::new();
    let mut resources = String::new();
    for (n, path) in pictures.iter().enumerate() {
        let id = format!("picture-{}", n + 1);
        dependencies.push_str(&format!("      <dependency identifierref=\"{id}\"/>\n"));
        resources.push_str(&format!(
            "    <resource identifier=\"{id}\" type=\"webcontent\" href=\"web_resources/{path}\">\n      \
             <file href=\"web_resources/{path}\"/>\n    </resource>\n"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <manifest identifier=\"{ASSESSMENT}-manifest\" xmlns=\"http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1\">\n  \
         <metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>\n  \
         <organizations/>\n  <resources>\n    \
         <resource identifier=\"{ASSESSMENT}\" type=\"imsqti_xmlv1p2\">\n      \
         <file href=\"{ASSESSMENT}/{ASSESSMENT}.xml\"/>\n{dependencies}    </resource>\n{resources}  \
         </resources>\n</manifest>\n"
    )
}

/// The package being written: the zip, and the assessment beside it until the end.
pub struct Package {
    zip: Zip,
    assessment: BufWriter<File>,
    assessment_path: PathBuf,
    pictures: Vec<String>,
}

impl Package {
    /// Starts `zip_path`, with the assessment in `assessment_path` (removed by `finish`).
    pub fn create(
        zip_path: &Path,
        assessment_path: &Path,
        title: &str,
    ) -> std::io::Result<Package> {
        let mut assessment = BufWriter::new(File::create(assessment_path)?);
        assessment.write_all(assessment_header(title).as_bytes())?;
        Ok(Package {
            zip: Zip::create(zip_path)?,
            assessment,
            assessment_path: assessment_path.to_path_buf(),
            pictures: Vec::new(),
        })
    }

    /// Adds a variant: its items, and its drawing.
    pub fn add(&mut self, label: &str, items: &str, svg: Option<&str>) -> std::io::Result<()> {
        self.assessment.write_all(items.as_bytes())?;
        if let Some(svg) = svg {
            let path = picture_path(label);
            self.zip
                .add(&format!("web_resources/{path}"), svg.as_bytes())?;
            self.pictures.push(path);
        }
        Ok(())
    }

    /// The assessment and the manifest in, the directory written, the file synced.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.assessment.write_all(assessment_footer().as_bytes())?;
        self.assessment.into_inner().map_err(|e| e.into_error())?;
        self.zip.add_file(
            &format!("{ASSESSMENT}/{ASSESSMENT}.xml"),
            &self.assessment_path,
        )?;
        std::fs::remove_file(&self.assessment_path)?;
        self.zip
            .add("imsmanifest.xml", manifest(&self.pictures).as_bytes())?;
        self.zip.finish()
    }
}

/// CRC-32 (IEEE, as zip uses it), a byte at a time from a table.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

fn crc32(mut crc: u32, data: &[u8]) -> u32 {
    crc = !crc;
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// A zip of stored entries with a fixed date (1980-01-01), so that the same exam gives the
/// same bytes; a zip64 end record when it holds more than 65,535 entries.
struct Zip {
    out: BufWriter<File>,
    offset: u64,
    /// (name, CRC-32, size, offset of its local header)
    entries: Vec<(String, u32, u64, u64)>,
}

/// The date 1980-01-01 in MS-DOS form, and midnight.
const DOS_DATE: u16 = 0x21;
const DOS_TIME: u16 = 0;
/// Names are UTF-8.
const UTF8: u16 = 0x0800;

fn too_big() -> std::io::Error {
    std::io::Error::other("canvas-qti.zip would be larger than 4 GB")
}

impl Zip {
    fn create(path: &Path) -> std::io::Result<Zip> {
        Ok(Zip {
            out: BufWriter::with_capacity(1 << 16, File::create(path)?),
            offset: 0,
            entries: Vec::new(),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn local_header(&mut self, name: &str, crc: u32, size: u64) -> std::io::Result<()> {
        let size32 = u32::try_from(size).map_err(|_| too_big())?;
        u32::try_from(self.offset).map_err(|_| too_big())?;
        self.entries
            .push((name.to_string(), crc, size, self.offset));
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&10u16.to_le_bytes());
        h.extend_from_slice(&UTF8.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&DOS_TIME.to_le_bytes());
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&size32.to_le_bytes());
        h.extend_from_slice(&size32.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        self.put(&h)
    }

    fn add(&mut self, name: &str, data: &[u8]) -> std::io::Result<()> {
        self.local_header(name, crc32(0, data), data.len() as u64)?;
        self.put(data)
    }

    /// Adds the file at `path`, read twice: for its CRC, then to copy it.
    fn add_file(&mut self, name: &str, path: &Path) -> std::io::Result<()> {
        let mut file = File::open(path)?;
        let mut buffer = vec![0u8; 1 << 16];
        let (mut crc, mut size) = (0u32, 0u64);
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            crc = crc32(crc, &buffer[..n]);
            size += n as u64;
        }
        self.local_header(name, crc, size)?;
        file.rewind()?;
        let copied = std::io::copy(&mut file, &mut self.out)?;
        if copied != size {
            return Err(std::io::Error::other(
                "the assessment changed while it was copied",
            ));
        }
        self.offset += size;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        let start = self.offset;
        let entries = std::mem::take(&mut self.entries);
        for (name, crc, size, offset) in &entries {
            let mut h = Vec::with_capacity(46 + name.len());
            h.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&10u16.to_le_bytes());
            h.extend_from_slice(&UTF8.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&DOS_TIME.to_le_bytes());
            h.extend_from_slice(&DOS_DATE.to_le_bytes());
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(*size as u32).to_le_bytes());
            h.extend_from_slice(&(*size as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
            h.extend_from_slice(&0u32.to_le_bytes());
            h.extend_from_slice(&(*offset as u32).to_le_bytes());
            h.extend_from_slice(name.as_bytes());
            self.put(&h)?;
        }
        let size = self.offset - start;
        let count = entries.len() as u64;
        let start32 = u32::try_from(start).map_err(|_| too_big())?;
        let size32 = u32::try_from(size).map_err(|_| too_big())?;
        let count16 = match u16::try_from(count) {
            Ok(c) if c < u16::MAX => c,
            _ => {
                // zip64: the end record and its locator, then the classic end's 0xFFFF.
                let record = self.offset;
                let mut h = Vec::with_capacity(76);
                h.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
                h.extend_from_slice(&44u64.to_le_bytes());
                h.extend_from_slice(&45u16.to_le_bytes());
                h.extend_from_slice(&45u16.to_le_bytes());
                h.extend_from_slice(&[0; 8]); // this disk, the directory's disk
                h.extend_from_slice(&count.to_le_bytes());
                h.extend_from_slice(&count.to_le_bytes());
                h.extend_from_slice(&size.to_le_bytes());
                h.extend_from_slice(&start.to_le_bytes());
                h.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&record.to_le_bytes());
                h.extend_from_slice(&1u32.to_le_bytes());
                self.put(&h)?;
                u16::MAX
            }
        };
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]);
        end.extend_from_slice(&count16.to_le_bytes());
        end.extend_from_slice(&count16.to_le_bytes());
        end.extend_from_slice(&size32.to_le_bytes());
        end.extend_from_slice(&start32.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.put(&end)?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_zips() {
        assert_eq!(crc32(0, b""), 0);
        assert_eq!(crc32(0, b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(crc32(0, b"1234"), b"56789"), 0xCBF4_3926);
    }

    #[test]
    fn more_than_65535_entries_get_a_zip64_end_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.zip");
        let mut zip = Zip::create(&path).unwrap();
        for n in 0..65_536u32 {
            zip.add(&format!("{n}"), b"x").unwrap();
        }
        zip.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap());
        let end = bytes.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50);
        assert_eq!(&bytes[end + 8..end + 12], &[0xFF; 4]);
        // The locator before it points at the zip64 record, which counts every entry.
        let locator = end - 20;
        assert_eq!(u32_at(locator), 0x0706_4b50);
        let record = u64_at(locator + 8) as usize;
        assert_eq!(u32_at(record), 0x0606_4b50);
        assert_eq!(u64_at(record + 32), 65_536);
        let directory = u64_at(record + 48) as usize;
        assert_eq!(u32_at(directory), 0x0201_4b50);
    }

    #[test]
    fn the_manifest_lists_every_picture_as_its_own_resource() {
        let text = manifest(&["backprop-tex/variant-01.svg".into()]);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let resources: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("resource"))
            .collect();
        assert_eq!(resources[0].attribute("type"), Some("imsqti_xmlv1p2"));
        assert_eq!(resources[1].attribute("type"), Some("webcontent"));
        assert_eq!(
            resources[1].attribute("href"),
            Some("web_resources/backprop-tex/variant-01.svg")
        );
    }
}
