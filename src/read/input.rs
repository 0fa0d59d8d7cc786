//! Input files: where a file's bytes are (a path or memory), its format,
//! and the one way every reader opens a Parquet file.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::file::reader::{ChunkReader, Length};
use serde::Serialize;

use crate::error::Error;

/// Where a file's bytes are.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file on disk (native builds).
    Path(PathBuf),
    /// Bytes already in memory (the browser, tests).
    Bytes(Bytes),
}

/// One input file and the name used in messages and output names.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The name shown in messages (the path, or the uploaded file's name).
    pub name: String,
    /// Its bytes.
    pub source: Source,
}

impl InputFile {
    /// A file on disk.
    pub fn path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        InputFile {
            name: path.display().to_string(),
            source: Source::Path(path.to_path_buf()),
        }
    }

    /// A file held in memory.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        InputFile {
            name: name.into(),
            source: Source::Bytes(bytes.into()),
        }
    }

    /// The file name without directories and extension.
    pub fn stem(&self) -> String {
        Path::new(&self.name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.name.clone())
    }

    /// The file's format: Parquet when it starts with the Parquet magic.
    pub fn format(&self) -> Result<Format, Error> {
        let mut head = [0u8; 4];
        let n = match &self.source {
            Source::Bytes(b) => {
                let n = b.len().min(4);
                head[..n].copy_from_slice(&b[..n]);
                n
            }
            Source::Path(p) => {
                let mut f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
                let mut n = 0;
                while n < 4 {
                    match f.read(&mut head[n..]).map_err(|e| Error::io(p, e))? {
                        0 => break,
                        k => n += k,
                    }
                }
                n
            }
        };
        if n == 0 {
            return Err(Error::corrupt(
                &self.name,
                "the file is empty: expected a Parquet file or a CSV file with a header row",
            ));
        }
        if &head[..n] == b"PAR1" {
            return Ok(Format::Parquet);
        }
        let lower = self.name.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            return Err(Error::corrupt(
                &self.name,
                "not a Parquet file: it does not start with the Parquet magic bytes PAR1",
            ));
        }
        Ok(Format::Csv)
    }
}

/// A table file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Delimited text with a header row.
    Csv,
}

impl Format {
    /// Its name, as messages and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

/// A Parquet file's bytes, on disk or in memory, for the Parquet decoder.
pub(crate) enum ParquetBytes {
    /// A file on disk.
    File(std::fs::File),
    /// Bytes in memory.
    Memory(Bytes),
}

impl Length for ParquetBytes {
    fn len(&self) -> u64 {
        match self {
            ParquetBytes::File(f) => Length::len(f),
            ParquetBytes::Memory(b) => Length::len(b),
        }
    }
}

impl ChunkReader for ParquetBytes {
    type T = Box<dyn Read + Send>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(match self {
            ParquetBytes::File(f) => Box::new(f.get_read(start)?),
            ParquetBytes::Memory(b) => Box::new(b.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            ParquetBytes::File(f) => f.get_bytes(start, length),
            ParquetBytes::Memory(b) => b.get_bytes(start, length),
        }
    }
}

/// "not a readable Parquet file", naming the file.
pub(crate) fn unreadable(file: &str, e: parquet::errors::ParquetError) -> Error {
    Error::corrupt(file, format!("not a readable Parquet file: {e}"))
}

impl InputFile {
    /// Opens the file as Parquet: its bytes and its metadata.
    pub(crate) fn open_parquet(&self) -> Result<(ParquetBytes, ArrowReaderMetadata), Error> {
        let bytes = match &self.source {
            Source::Path(p) => {
                ParquetBytes::File(std::fs::File::open(p).map_err(|e| Error::io(p, e))?)
            }
            Source::Bytes(b) => ParquetBytes::Memory(b.clone()),
        };
        let metadata = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new())
            .map_err(|e| unreadable(&self.name, e))?;
        Ok((bytes, metadata))
    }

    /// How many of the rows a footer declares to make room for up front: at
    /// most 8 per byte of the file (more is possible only in long runs of
    /// one value, and then the rows grow as they come), so a footer
    /// claiming 10^12 rows allocates nothing for them.
    pub(crate) fn rows_to_allocate(&self, declared: usize) -> usize {
        let len = usize::try_from(self.len()).unwrap_or(usize::MAX);
        declared.min(len.saturating_mul(8))
    }

    /// The size of the file in bytes (0 when it cannot be known).
    pub(crate) fn len(&self) -> u64 {
        match &self.source {
            Source::Bytes(b) => b.len() as u64,
            Source::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        }
    }
}
