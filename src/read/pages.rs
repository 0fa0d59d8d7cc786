//! Page headers checked against the file before any page is decoded.
//!
//! The Parquet decoder sizes its decompression buffer from the
//! `uncompressed_page_size` a page header claims, so a 24 KB file whose
//! header claims 2^31 bytes would make the WASM module grow its memory by
//! 2 GB (or trap when it cannot). Every page of the column chunks a read
//! will decode is walked first, and a claim beyond what its codec can
//! produce from the page's real compressed bytes is a named error.

use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{ChunkReader, Length};

use super::input::ParquetBytes;
use crate::error::Error;

/// What any page may claim whatever its codec: real pages are about 1 MiB.
const PAGE_FLOOR: u64 = 1 << 20;

/// The most a codec can expand one compressed byte to: the ceilings of
/// Snappy (about 21), LZ4 (about 255) and Deflate (1,032) by their formats;
/// Zstandard and Brotli have no such ceiling, and a page beyond the floor
/// compressed more than 8,192 times is taken as a lie.
fn expansion(codec: Compression) -> u64 {
    match codec {
        Compression::UNCOMPRESSED => 1,
        Compression::SNAPPY => 32,
        Compression::LZ4 | Compression::LZ4_RAW => 256,
        Compression::GZIP(_) => 1_032,
        _ => 8_192,
    }
}

/// Checks every page header of the leaf columns `wanted` selects, in every
/// row group: each header parses, lies inside its column chunk, and claims
/// no more uncompressed bytes than its codec can make of its compressed
/// ones.
pub(crate) fn check(
    file: &str,
    bytes: &ParquetBytes,
    metadata: &ParquetMetaData,
    wanted: &dyn Fn(usize) -> bool,
) -> Result<(), Error> {
    let len = bytes.len();
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for (c, chunk) in group.columns().iter().enumerate() {
            if !wanted(c) {
                continue;
            }
            let column = chunk.column_path().string();
            let fail = |what: String| {
                Error::corrupt(
                    file,
                    format!(
                        "not a readable Parquet file: column \"{column}\" in row group {g} {what}"
                    ),
                )
            };
            // Where the decoder will start (`ColumnChunkMetaData::byte_range`,
            // which panics on a negative offset).
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let size = chunk.compressed_size();
            let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(size)) else {
                return Err(fail(format!(
                    "has a negative offset or size ({start}, {size})"
                )));
            };
            let end = start
                .checked_add(size)
                .filter(|&e| e <= len)
                .ok_or_else(|| {
                    fail(format!(
                        "claims bytes {start}..{start}+{size} of a file of {len} bytes"
                    ))
                })?;
            let ratio = expansion(chunk.compression());
            let mut at = start;
            while at < end {
                let header = read_header(bytes, at, end).map_err(|e| {
                    fail(format!("has an unreadable page header at byte {at}: {e}"))
                })?;
                let (Ok(compressed), Ok(uncompressed)) = (
                    u64::try_from(header.compressed),
                    u64::try_from(header.uncompressed),
                ) else {
                    return Err(fail(format!(
                        "has a page at byte {at} with a negative size"
                    )));
                };
                let next = (at + header.len)
                    .checked_add(compressed)
                    .filter(|&n| n <= end)
                    .ok_or_else(|| {
                        fail(format!(
                            "has a page at byte {at} of {compressed} bytes that runs past its chunk"
                        ))
                    })?;
                if uncompressed > PAGE_FLOOR.max(compressed.saturating_mul(ratio)) {
                    return Err(fail(format!(
                        "has a page at byte {at} claiming {uncompressed} bytes once \
                         decompressed from {compressed} bytes, more than its codec can produce"
                    )));
                }
                at = next;
            }
        }
    }
    Ok(())
}

/// The longest page header read: real ones take bytes, or kilobytes with
/// long statistics.
const MAX_HEADER: u64 = 16 << 20;

/// The sizes of one page header and how many bytes the header takes.
struct Header {
    len: u64,
    uncompressed: i64,
    compressed: i64,
}

/// Reads the page header at `at`: a Thrift compact struct whose fields 2
/// and 3 are the uncompressed and compressed sizes; the rest is skipped.
fn read_header(bytes: &ParquetBytes, at: u64, end: u64) -> Result<Header, String> {
    // Headers are small unless they carry long statistics: read a window
    // and widen it while the struct runs past it, up to a bound.
    let mut window = 256u64;
    loop {
        let take = window.min(end - at).min(MAX_HEADER);
        let len = usize::try_from(take).map_err(|e| e.to_string())?;
        let buf = bytes.get_bytes(at, len).map_err(|e| e.to_string())?;
        let mut r = Compact { buf: &buf, at: 0 };
        match r.header() {
            Ok((uncompressed, compressed)) => {
                return Ok(Header {
                    len: r.at as u64,
                    uncompressed,
                    compressed,
                })
            }
            Err(Short) if take < (end - at).min(MAX_HEADER) => window = window.saturating_mul(4),
            Err(Short) if take == MAX_HEADER => return Err("it is longer than 16 MiB".into()),
            Err(Short) => return Err("it runs past its column chunk".into()),
            Err(Bad(why)) => return Err(why.into()),
        }
    }
}

/// Why a header could not be read.
enum Fault {
    /// The bytes ended before the struct.
    Short,
    /// The bytes are not a Thrift compact struct.
    Bad(&'static str),
}
use Fault::{Bad, Short};

/// A reader of the Thrift compact protocol over one window of bytes.
struct Compact<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Result<u8, Fault> {
        let b = *self.buf.get(self.at).ok_or(Short)?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> Result<(), Fault> {
        let n = usize::try_from(n).map_err(|_| Short)?;
        if self.buf.len() - self.at < n {
            return Err(Short);
        }
        self.at += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, Fault> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(Bad("a number beyond 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Bad("a number beyond 64 bits"))
    }

    fn zigzag(&mut self) -> Result<i64, Fault> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// The page header's two sizes, reading up to its end.
    fn header(&mut self) -> Result<(i64, i64), Fault> {
        let (mut uncompressed, mut compressed) = (None, None);
        let mut id = 0i64;
        loop {
            let b = self.byte()?;
            let kind = b & 0x0f;
            if kind == 0 {
                break;
            }
            id = match b >> 4 {
                0 => self.zigzag()?,
                delta => id + i64::from(delta),
            };
            // Field ids are i16: one outside would make the next sum overflow.
            if i16::try_from(id).is_err() {
                return Err(Bad("a field id beyond 16 bits"));
            }
            match (id, kind) {
                (2, 5) => uncompressed = Some(self.zigzag()?),
                (3, 5) => compressed = Some(self.zigzag()?),
                _ => self.value(kind, 0)?,
            }
        }
        match (uncompressed, compressed) {
            (Some(u), Some(c)) => Ok((u, c)),
            _ => Err(Bad("it has no page sizes")),
        }
    }

    /// Skips one value of a compact type.
    fn value(&mut self, kind: u8, depth: u8) -> Result<(), Fault> {
        if depth > 32 {
            return Err(Bad("it nests too deeply"));
        }
        match kind {
            1 | 2 => Ok(()),
            3 => self.skip(1),
            4..=6 => self.varint().map(drop),
            7 => self.skip(8),
            8 => {
                let n = self.varint()?;
                self.skip(n)
            }
            9 | 10 => {
                let b = self.byte()?;
                let n = match b >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                // Booleans in a list take one byte each.
                let kind = match b & 0x0f {
                    1 | 2 => 3,
                    k => k,
                };
                (0..n).try_for_each(|_| self.value(kind, depth + 1))
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let b = self.byte()?;
                let key = if b >> 4 <= 2 { 3 } else { b >> 4 };
                let val = if b & 0x0f <= 2 { 3 } else { b & 0x0f };
                (0..n).try_for_each(|_| {
                    self.value(key, depth + 1)?;
                    self.value(val, depth + 1)
                })
            }
            12 => loop {
                let b = self.byte()?;
                if b & 0x0f == 0 {
                    return Ok(());
                }
                if b >> 4 == 0 {
                    self.zigzag()?;
                }
                self.value(b & 0x0f, depth + 1)?;
            },
            _ => Err(Bad("an unknown Thrift type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(bytes: &[u8]) -> Result<(i64, i64), &'static str> {
        Compact { buf: bytes, at: 0 }.header().map_err(|f| match f {
            Short => "short",
            Bad(why) => why,
        })
    }

    #[test]
    fn reads_the_sizes_and_skips_the_rest() {
        // type 0, uncompressed 100, compressed 50, a data page header
        // struct (field 5) holding an i32 and a list of two booleans.
        let h = [
            0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x2c, 0x15, 0x02, 0x19, 0x21, 1, 2, 0x00,
            0x00,
        ];
        assert_eq!(header(&h), Ok((100, 50)));
        assert_eq!(header(&h[..5]), Err("short"));
    }

    #[test]
    fn hostile_headers_are_errors() {
        // A long-form field id far beyond 16 bits, then a delta: the sum
        // overflowed i64.
        let h = [
            0x05, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x15,
        ];
        assert_eq!(header(&h), Err("a field id beyond 16 bits"));
        let deep = [0x1c; 64];
        assert_eq!(header(&deep), Err("it nests too deeply"));
        assert_eq!(header(&[0x15, 0x00, 0x00]), Err("it has no page sizes"));
    }
}
