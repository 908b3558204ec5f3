//! Short names for the imports wasm-bindgen makes. Each of its ~100 import names carries a
//! 16-digit hash (`__wbg_querySelector_1555c239948f2bf0`), once in `survey_bg.wasm` and once in
//! `survey.js`; the hashes do not compress, and the whole download has a budget (60 KB
//! brotli). Renaming them `a`, `b`, … `ba`, … in both files saves about 2 KB brotli.
//!
//! Only imports of the glue's own module are renamed, and only names that `survey.js` spells
//! exactly once, as a key of its imports object (`name:`), so that nothing else in the glue
//! can change meaning.

/// The module the glue's imports come from (wasm-bindgen, web target).
const GLUE_MODULE: &[u8] = b"./survey_bg.js";

/// Renames the glue's imports in `wasm` and `js` alike; returns how many were renamed.
pub(crate) fn shorten_imports(wasm: &mut Vec<u8>, js: &mut String) -> Result<usize, String> {
    let (start, end) = import_section(wasm)?;
    let mut reader = Reader {
        bytes: &wasm[start..end],
        at: 0,
    };
    let count = reader.leb()?;
    let mut section = Vec::new();
    push_leb(&mut section, count);
    let mut renamed = 0;
    for _ in 0..count {
        let module = reader.name()?;
        let name = reader.name()?;
        let desc_start = reader.at;
        reader.skip_desc()?;
        let desc = &reader.bytes[desc_start..reader.at];
        let old = std::str::from_utf8(name).map_err(|_| "an import name is not UTF-8")?;
        let key = format!("{old}:");
        let short = short_name(renamed);
        let short_key = format!("{short}:");
        let new =
            if module == GLUE_MODULE && js.matches(&key).count() == 1 && !js.contains(&short_key) {
                *js = js.replacen(&key, &short_key, 1);
                renamed += 1;
                short
            } else {
                old.to_owned()
            };
        push_bytes(&mut section, module);
        push_bytes(&mut section, new.as_bytes());
        section.extend_from_slice(desc);
    }
    // Replace the section's size and contents (the size is a LEB128 number before `start`).
    let size_start = size_start(wasm, start)?;
    let mut head = Vec::new();
    push_leb(&mut head, section.len() as u64);
    head.extend_from_slice(&section);
    wasm.splice(size_start..end, head);
    Ok(renamed)
}

/// `_a` … `_z`, `_ba`, `_bb`, …: distinct short identifiers (letters as base-26 digits), each
/// a valid JS key.
fn short_name(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    // The `_` keeps every name off the JS keywords (`do`, `if`, `in`).
    format!("_{}", String::from_utf8_lossy(&out))
}

/// The byte range of the import section's contents (after its id and size).
fn import_section(wasm: &[u8]) -> Result<(usize, usize), String> {
    if wasm.get(..4) != Some(b"\0asm") {
        return Err("not a WebAssembly module".into());
    }
    let mut reader = Reader { bytes: wasm, at: 8 };
    while reader.at < wasm.len() {
        let id = reader.byte()?;
        let size = reader.leb()? as usize;
        let start = reader.at;
        let end = start
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
            .ok_or("a section runs past the end of the module")?;
        if id == 2 {
            return Ok((start, end));
        }
        reader.at = end;
    }
    Err("the module has no import section".into())
}

/// Where the LEB128 size that ends at `start` begins: one byte back, then while the byte
/// before has its continuation bit set.
fn size_start(wasm: &[u8], start: usize) -> Result<usize, String> {
    let mut at = start.checked_sub(1).ok_or("no section size")?;
    while at > 0 && wasm[at - 1] & 0x80 != 0 {
        at -= 1;
    }
    Ok(at)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("the module ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64, String> {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err("a number in the module is too long".into());
            }
        }
    }

    fn name(&mut self) -> Result<&'a [u8], String> {
        let len = self.leb()? as usize;
        let end = self.at + len;
        let name = self
            .bytes
            .get(self.at..end)
            .ok_or("a name runs past its section")?;
        self.at = end;
        Ok(name)
    }

    fn limits(&mut self) -> Result<(), String> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }

    /// Skips an import's description: function, table, memory, global or tag.
    fn skip_desc(&mut self) -> Result<(), String> {
        match self.byte()? {
            0x00 => self.leb().map(drop),
            0x01 => {
                self.byte()?;
                self.limits()
            }
            0x02 => self.limits(),
            0x03 => self.byte().and_then(|_| self.byte()).map(drop),
            0x04 => self.byte().and_then(|_| self.leb()).map(drop),
            other => Err(format!("unknown import kind {other:#x}")),
        }
    }
}

fn push_leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    push_leb(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a type section and two function imports from the glue's module.
    fn module(names: &[&str]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: one `() -> ()`
        let mut section = Vec::new();
        push_leb(&mut section, names.len() as u64);
        for name in names {
            push_bytes(&mut section, GLUE_MODULE);
            push_bytes(&mut section, name.as_bytes());
            section.extend_from_slice(&[0, 0]);
        }
        m.push(2);
        push_leb(&mut m, section.len() as u64);
        m.extend_from_slice(&section);
        m
    }

    #[test]
    fn imports_are_renamed_in_the_module_and_the_glue_alike() {
        let long = "__wbg_querySelector_1555c239948f2bf0";
        let mut wasm = module(&[long, "__wbg_keep_0000000000000000"]);
        // The second name is spelled twice in the glue, so it keeps its name.
        let mut js = format!(
            "const i = {{ {long}: function() {{}}, __wbg_keep_0000000000000000: f }};\n\
             __wbg_keep_0000000000000000: g"
        );
        assert_eq!(shorten_imports(&mut wasm, &mut js), Ok(1));
        assert_eq!(
            wasm,
            module(&["_a", "__wbg_keep_0000000000000000"]),
            "the section is rewritten with its new size"
        );
        assert!(js.starts_with("const i = { _a: function() {}"), "{js}");
        assert!(!js.contains(long));
    }

    #[test]
    fn short_names_are_distinct() {
        let names: std::collections::BTreeSet<_> = (0..1000).map(short_name).collect();
        assert_eq!(names.len(), 1000);
        assert_eq!(short_name(0), "_a");
        assert_eq!(short_name(26), "_ba");
    }
}
