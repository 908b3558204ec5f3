//! Printing a long list on every core, in order: the list is cut into chunks (whole files
//! where possible), each chunk is formatted by a task of the thread pool into its own
//! buffer, and the calling thread writes the buffers in the list's order while the next
//! chunks are formatted. 600 MB of messages for a 10,000-page legacy site took a single
//! thread ~2 s after the parallel check had finished; only a few chunks of formatted text
//! are ever held, never the whole output.

use std::collections::VecDeque;
use std::io::Write;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

use codespan_reporting::term::termcolor::{NoColor, WriteColor};

/// Items per chunk (a chunk is one task and one buffer; ~800 bytes a message).
pub const CHUNK: usize = 256;
/// Chunks formatted or waiting to be written at a time (a few per core, so no core waits
/// for the writer): about 8 × 256 messages, ~2 MB, are held at most.
const IN_FLIGHT: usize = 8;

/// Cuts `0..len` into ranges of about [`CHUNK`] items that end where `boundary(i)` is true
/// (item `i` starts a new group, e.g. a new file), so a file's messages share one chunk and
/// its text is read once. A group longer than a chunk is cut at [`CHUNK`] × 4 items.
pub fn chunks(len: usize, boundary: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(len / CHUNK + 1);
    let mut start = 0;
    for i in 1..len {
        let n = i - start;
        if (n >= CHUNK && boundary(i)) || n >= 4 * CHUNK {
            out.push(start..i);
            start = i;
        }
    }
    if start < len {
        out.push(start..len);
    }
    out
}

/// Formats every range of `chunks` with `format` (on the thread pool, each into its own
/// buffer of about `bytes_per_item` bytes an item) and writes the buffers to `out` in the
/// order of `chunks`. The first error, of a format or a write, ends the output there (what
/// the chunk had formatted before it is written) and is returned.
pub fn write<F>(
    chunks: &[Range<usize>],
    bytes_per_item: usize,
    format: F,
    out: &mut dyn Write,
) -> std::io::Result<()>
where
    F: Fn(Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
{
    // Written buffers are used again: a fresh buffer of a few hundred kilobytes is new
    // memory from the kernel each time, and its page faults cost as much as the writes.
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::with_capacity(IN_FLIGHT + 1));
    let run = |r: &Range<usize>| {
        let reused = spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut buf = reused.unwrap_or_else(|| Vec::with_capacity(r.len() * bytes_per_item));
        let res = format(r.clone(), &mut buf);
        (buf, res)
    };
    let done = |mut buf: Vec<u8>| {
        buf.clear();
        spare.lock().unwrap_or_else(|e| e.into_inner()).push(buf);
    };
    // A worker of the pool must not block on its own tasks: it formats in order itself.
    if rayon::current_thread_index().is_some() {
        for r in chunks {
            let (buf, res) = run(r);
            out.write_all(&buf)?;
            res?;
            done(buf);
        }
        return Ok(());
    }
    let (run, done) = (&run, &done);
    // The scope's body runs on this thread (it writes); its tasks run on the pool.
    rayon::in_place_scope(|s| {
        let mut pending = VecDeque::with_capacity(IN_FLIGHT);
        let mut next = chunks.iter();
        loop {
            while pending.len() < IN_FLIGHT {
                let Some(r) = next.next() else { break };
                let (tx, rx) = sync_channel(1);
                s.spawn(move |_| {
                    // The writer stopped (an error): the result is not needed.
                    let _ = tx.send(run(r));
                });
                pending.push_back(rx);
            }
            let Some(rx) = pending.pop_front() else {
                return Ok(());
            };
            // A task that panicked sends nothing; the scope passes its panic on.
            let Ok((buf, res)) = rx.recv() else {
                return Ok(());
            };
            out.write_all(&buf)?;
            res?;
            done(buf);
        }
    })
}

/// [`write`] for messages without colours: `each` writes the messages of a range to a
/// colourless stream over the chunk's buffer.
pub fn write_plain<F>(
    chunks: &[Range<usize>],
    bytes_per_item: usize,
    each: F,
    out: &mut dyn Write,
) -> std::io::Result<()>
where
    F: Fn(Range<usize>, &mut dyn WriteColor) -> std::io::Result<()> + Sync,
{
    let format = |range, buf: &mut Vec<u8>| {
        let mut w = NoColor::new(std::mem::take(buf));
        let res = each(range, &mut w);
        *buf = w.into_inner();
        res
    };
    write(chunks, bytes_per_item, format, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_group_boundaries_and_cover_everything() {
        // Groups of 300 items: chunks close at the first boundary after CHUNK items.
        let len = 5_000;
        let cs = chunks(len, |i| i % 300 == 0);
        assert_eq!(cs.first(), Some(&(0..300)));
        assert!(cs.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(cs.last().map(|r| r.end), Some(len));
        assert!(cs[..cs.len() - 1].iter().all(|r| r.end % 300 == 0));
        // One group longer than four chunks is still cut.
        let one = chunks(len, |_| false);
        assert!(one.iter().all(|r| r.len() <= 4 * CHUNK));
        assert_eq!(one.iter().map(|r| r.len()).sum::<usize>(), len);
        assert!(chunks(0, |_| true).is_empty());
    }

    #[test]
    fn output_keeps_the_order_of_the_chunks() {
        let len = 40_000;
        let cs = chunks(len, |i| i % 7 == 0);
        assert!(cs.len() > 2 * IN_FLIGHT);
        let mut out = Vec::new();
        write(
            &cs,
            8,
            |r, buf| {
                // Uneven work, so chunks finish out of order.
                if r.start % 3 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                for i in r {
                    writeln!(buf, "{i}")?;
                }
                Ok(())
            },
            &mut out,
        )
        .unwrap();
        let expected: String = (0..len).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn the_first_error_ends_the_output_after_what_came_before_it() {
        let cs = chunks(10_000, |_| true);
        let mut out = Vec::new();
        let err = write(
            &cs,
            8,
            |r, buf| {
                for i in r {
                    if i == 3_000 {
                        return Err(std::io::Error::other("bad"));
                    }
                    writeln!(buf, "{i}")?;
                }
                Ok(())
            },
            &mut out,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "bad");
        let expected: String = (0..3_000).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
