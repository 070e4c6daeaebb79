//! Hostile mapping files: the compiler must never panic, hang or overflow the stack, must say
//! what is wrong, and every diagnostic must point into the text on character boundaries, so that
//! rendering it (and slicing the text with it) is always safe.

use assetsync::diag::{render_human, Code, Diagnostic, LineIndex};
use assetsync::lang::{compile, compile_bytes, Compiled};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Compiles bytes and checks every diagnostic's span against the text it belongs to, then
/// renders the diagnostics both ways (plain and coloured, wide and narrow).
fn compile_checked(name: &str, bytes: &[u8]) -> (String, Compiled) {
    let (text, compiled) = compile_bytes(bytes, None);
    assert_spans_valid(name, &text, &compiled.diagnostics);
    if compiled.program.is_some() {
        assert!(
            compiled.diagnostics.iter().all(|d| !d.is_error()),
            "{name}: a program despite errors"
        );
    } else {
        assert!(
            compiled.diagnostics.iter().any(|d| d.is_error()),
            "{name}: no program and no error"
        );
    }
    // Rendering costs time with every diagnostic and with the size of the text: files with many
    // diagnostics, and very large ones, are rendered one way only.
    let ways: &[(bool, usize)] = if compiled.diagnostics.len() <= 50 && text.len() <= 1 << 20 {
        &[(false, 100), (true, 100), (false, 40)]
    } else {
        &[(false, 100)]
    };
    for &(colour, width) in ways {
        let rendered = render_human(name, &text, &compiled.diagnostics, colour, width);
        assert_eq!(
            rendered.is_empty(),
            compiled.diagnostics.is_empty(),
            "{name}"
        );
        for d in &compiled.diagnostics {
            assert!(rendered.contains(d.code.as_str()), "{name}: {rendered}");
        }
    }
    (text, compiled)
}

fn assert_spans_valid(name: &str, text: &str, diagnostics: &[Diagnostic]) {
    let index = LineIndex::new(text);
    for d in diagnostics {
        let s = d.span;
        assert!(
            s.start <= s.end && s.end <= text.len(),
            "{name}: span {s:?} outside a text of {} bytes: {d:?}",
            text.len()
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{name}: span {s:?} splits a character: {d:?}"
        );
        let (line, column) = index.line_col(s.start);
        assert!(line >= 1 && column >= 1, "{name}: {d:?}");
    }
}

fn codes(compiled: &Compiled) -> Vec<&'static str> {
    compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

fn case(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join("tests/cases").join(path)).unwrap()
}

#[test]
fn every_bad_input_case_compiles_with_errors_and_valid_spans() {
    let dir = Path::new(ROOT).join("tests/cases/bad-input");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "map") {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let (_, compiled) = compile_checked(&name, &std::fs::read(&path).unwrap());
            assert!(compiled.program.is_none(), "{name}: compiled");
            seen += 1;
        }
    }
    assert!(seen >= 6, "the bad-input cases are missing");
}

#[test]
fn binary_garbage_is_one_not_utf8_error() {
    let (text, compiled) =
        compile_checked("binary-garbage.map", &case("bad-input/binary-garbage.map"));
    assert_eq!(codes(&compiled), ["M025"]);
    let span = compiled.diagnostics[0].span;
    assert_eq!(&text[span.start..span.end], "\u{FFFD}");
}

#[test]
fn not_utf8_points_at_the_first_bad_byte_after_multibyte_text() {
    // `é` and `東` before the bad byte: the column counts characters, the span stays on
    // character boundaries of the text shown to the user.
    let bytes = b"Users:\nkey:id=WorkerID\nmap:name=\xC3\xA9\xE6\x9D\xB1 \xFF\n";
    let (text, compiled) = compile_checked("latin.map", bytes);
    assert_eq!(codes(&compiled), ["M025"]);
    let index = LineIndex::new(&text);
    assert_eq!(index.line_col(compiled.diagnostics[0].span.start), (3, 13));
    assert_eq!(index.line_col(compiled.diagnostics[0].span.end), (3, 14));
}

/// `map:` + `len` bytes of `fill` + `tail` on one line, inside a section with a key, so that
/// only that line can be wrong.
fn long_line(len: usize, fill: &str, tail: &str) -> String {
    let mut text = String::from("Users:\nkey:id=WorkerID\nmap:");
    text.push_str(&fill.repeat(len / fill.len()));
    text.push_str(tail);
    text.push('\n');
    text
}

const TEN_MB: usize = 10 * 1024 * 1024;

#[test]
fn a_10_mb_line_is_refused_in_a_small_report() {
    for (name, tail) in [("long-path.map", "=X"), ("long-no-equals.map", "")] {
        let (text, compiled) = compile_checked(name, long_line(TEN_MB, "a", tail).as_bytes());
        assert_eq!(codes(&compiled), ["M035"], "{name}");
        let rendered = render_human(name, &text, &compiled.diagnostics, false, 100);
        assert!(
            rendered.len() < 10 * 1024,
            "{name}: {} bytes rendered",
            rendered.len()
        );
        assert!(rendered.contains(&format!("{name}:3:")), "{rendered}");
        assert!(rendered.contains("M035"), "{rendered}");
    }
}

// The cases below need a line longer than the excerpt the renderer cuts (800 bytes) but within
// the length an entry may have, so that the line is parsed.
const LONG: usize = 60 * 1024;

#[test]
fn a_long_valid_line_compiles() {
    let (_, compiled) = compile_checked("long.map", long_line(LONG, "a", "=X").as_bytes());
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let program = compiled.program.unwrap();
    assert_eq!(program.sections[0].maps[0].attribute, "X");
}

#[test]
fn an_error_at_the_far_end_of_a_long_line_is_shown_in_an_excerpt() {
    let (text, compiled) = compile_checked("long.map", long_line(LONG, "a", ")=X").as_bytes());
    assert_eq!(codes(&compiled), ["M022"]);
    let rendered = render_human("long.map", &text, &compiled.diagnostics, false, 100);
    assert!(
        rendered.len() < 10 * 1024,
        "{} bytes rendered",
        rendered.len()
    );
    let (line, column) = LineIndex::new(&text).line_col(compiled.diagnostics[0].span.start);
    assert_eq!((line, column), (3, LONG + 5));
    assert!(
        rendered.contains(&format!("long.map:3:{column}")),
        "{rendered}"
    );

    let (text, compiled) = compile_checked("long.map", long_line(LONG, "a", "").as_bytes());
    assert_eq!(codes(&compiled), ["M003"]);
    let rendered = render_human("long.map", &text, &compiled.diagnostics, false, 100);
    assert!(
        rendered.len() < 10 * 1024,
        "{} bytes rendered",
        rendered.len()
    );
    assert!(rendered.contains("long.map:3:5"), "{rendered}");
}

#[test]
fn long_lines_of_brackets_or_multibyte_characters_render_small() {
    for len in [LONG, 1024 * 1024] {
        for (name, fill, tail) in [
            ("parens.map", "(", "=X"),
            ("placeholders.map", "\"${", "\"=X"),
            ("cjk.map", "東", ""),
            ("emoji.map", "\u{1F600}", ")"),
        ] {
            let (text, compiled) = compile_checked(name, long_line(len, fill, tail).as_bytes());
            assert!(!compiled.diagnostics.is_empty(), "{name}");
            let rendered = render_human(name, &text, &compiled.diagnostics, false, 100);
            assert!(
                rendered.len() < 10 * 1024,
                "{name}: {} bytes rendered",
                rendered.len()
            );
        }
    }
}

#[test]
fn crlf_bom_and_tabs_are_read_as_plain_line_ends_and_spaces() {
    let bytes = b"\xEF\xBB\xBFUsers:\r\n\tkey:id=WorkerID \t\r\n\tmap:profile.email=User\t\r\nmap:name=Name";
    let (_, compiled) = compile_checked("windows.map", bytes);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled.diagnostics
    );
    let program = compiled.program.unwrap();
    let section = &program.sections[0];
    assert_eq!(section.name, "Users");
    assert_eq!(section.key.attribute, "WorkerID");
    let attributes: Vec<&str> = section.maps.iter().map(|m| m.attribute.as_str()).collect();
    assert_eq!(attributes, ["User", "Name"]);

    // An error on a CRLF line is placed by lines that end at CRLF, lone CR or LF alike.
    let bytes = b"Users:\r\nkey:id=WorkerID\rmpa:name=Name\r\n";
    let (text, compiled) = compile_checked("cr.map", bytes);
    assert_eq!(codes(&compiled), ["M002"]);
    assert_eq!(
        LineIndex::new(&text).line_col(compiled.diagnostics[0].span.start),
        (3, 1)
    );
    let rendered = render_human("cr.map", &text, &compiled.diagnostics, false, 100);
    assert!(rendered.contains(" 3 │ mpa:name=Name"), "{rendered}");
}

#[test]
fn a_bom_in_the_middle_of_a_file_does_not_break_anything() {
    let text = "Users:\nkey:id=WorkerID\n\u{FEFF}map:name=Name\n";
    let (_, compiled) = compile_checked("mid-bom.map", text.as_bytes());
    // Whatever it reports, the spans are valid; it must not be taken for a line prefix silently.
    if compiled.diagnostics.is_empty() {
        let program = compiled.program.unwrap();
        assert_eq!(program.sections[0].maps.len(), 1);
    }
}

#[test]
fn unterminated_placeholders_quotes_and_brackets_are_reported() {
    for (text, code) in [
        (
            "Users:\nkey:id=WorkerID\nmap:\"${profile.email\"=User\n",
            "M020",
        ),
        ("Users:\nkey:id=WorkerID\nmap:\"${\n", "M020"),
        ("Users:\nkey:id=WorkerID\nmap:g=Groups|Name=${g", "M020"),
        ("Users:\nkey:id=WorkerID\nmap:'Okta=Source\n", "M021"),
        ("Users:\nkey:id=WorkerID\nmap:\"=Name\n", "M021"),
        (
            "Users:\nkey:id=WorkerID\nfilter:status == 'ACTIVE\n",
            "M021",
        ),
        ("Users:\nkey:id=WorkerID\nmap:lower(trim(x)=X\n", "M022"),
        ("Users:\nkey:id=WorkerID\nmap:x)=X\n", "M022"),
        ("Users:\nkey:id=WorkerID\nmap:$.a[?@.b=='c'=X\n", "M022"),
        ("Users:\nkey:id=WorkerID\nfilter:(exists(x)\n", "M022"),
    ] {
        let (_, compiled) = compile_checked(text, text.as_bytes());
        assert!(
            codes(&compiled).contains(&code),
            "{text:?}: expected {code}, got {:?}",
            compiled.diagnostics
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let (_, compiled) = compile_checked("deep-nesting.map", &case("bad-input/deep-nesting.map"));
    assert!(
        codes(&compiled).contains(&"M034"),
        "{:?}",
        compiled.diagnostics
    );

    // Deeper than the case file, in every nestable form; run on a small stack to be sure the
    // limit, not the stack size of the test thread, is what stops it.
    let depth = 20_000;
    let forms = [
        format!("map:{}x{}=X", "lower(".repeat(depth), ")".repeat(depth)),
        format!("map:{}x{}=X", "(".repeat(depth), ")".repeat(depth)),
        format!("map:\"{}x{}\"=X", "${\"".repeat(depth), "\"}".repeat(depth)),
        format!("filter:{}x == 'a'", "not ".repeat(depth)),
        format!("filter:{}exists(x){}", "(".repeat(depth), ")".repeat(depth)),
        format!("map:$.a{}=X", "[?@".repeat(depth)),
        format!(
            "map:g=Groups|Name=${{{}x{}}}",
            "lower(".repeat(depth),
            ")".repeat(depth)
        ),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            for form in forms {
                let text = format!("Users:\nkey:id=WorkerID\n{form}\n");
                let compiled = compile(&text, None);
                assert_spans_valid("deep", &text, &compiled.diagnostics);
                assert!(
                    compiled.diagnostics.iter().any(|d| d.is_error()),
                    "{}…: no error",
                    &form[..40]
                );
                let rendered = render_human("deep.map", &text, &compiled.diagnostics, false, 100);
                assert!(rendered.len() < 64 * 1024, "{} bytes", rendered.len());
            }
        })
        .unwrap();
    handle.join().expect("no panic or stack overflow");
}

/// Compiles on another thread and fails, rather than hangs, when that takes too long.
fn compile_within(text: String, seconds: u64) -> Compiled {
    let (tx, rx) = std::sync::mpsc::channel();
    let preview: String = text.chars().take(80).collect();
    std::thread::spawn(move || {
        let _ = tx.send(compile(&text, None));
    });
    rx.recv_timeout(std::time::Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("compiling {preview:?}… takes more than {seconds} s"))
}

#[test]
fn unclosed_groups_take_linear_time() {
    // Each unclosed opener inside another group once doubled the ways the parser tried the line:
    // 40 of them would take days.
    let n = 40;
    for form in [
        format!("map:{}x=User", "(".repeat(n)),
        format!("map:{}x=User", "lower(".repeat(n)),
        format!("map:({}x)=User", "[".repeat(n)),
        format!("map:({}x)=User", "\"".repeat(n)),
        format!("map:({}x)=User", "'".repeat(n)),
        format!("map:\"{}x\"=User", "${".repeat(n)),
        format!("map:\"{}x\"=User", "${\"".repeat(n)),
        format!("map:(${}x)=User", "{".repeat(n)),
        format!("map:$.a{}x=User", "[".repeat(n)),
        format!("map:$.a[{}x]=User", "[".repeat(n)),
        format!("map:$.a[?{}x]=User", "\"".repeat(n)),
        format!("map:g=Groups|Name=${{$.a{}x}}", "[".repeat(n)),
        format!("filter:{}x == 'a'", "(".repeat(n)),
        format!("filter:{}x == 'a'", "exists(".repeat(n)),
        format!("filter:{}x == 'a'", "lower(".repeat(n)),
        format!("filter:$.a{}x == 'a'", "[".repeat(n)),
    ] {
        let text = format!("Users:\nkey:id=WorkerID\n{form}\n");
        let compiled = compile_within(text.clone(), 20);
        assert_spans_valid(&form, &text, &compiled.diagnostics);
        assert!(
            compiled.diagnostics.iter().any(|d| d.is_error()),
            "{form}: no error"
        );
    }
}

#[test]
fn many_lines_and_many_errors_are_all_reported() {
    let mut text = String::from("Users:\nkey:id=WorkerID\n");
    for i in 0..2_000 {
        text.push_str(&format!("mpa:field{i}=Attribute {i}\n"));
    }
    let (_, compiled) = compile_checked("many.map", text.as_bytes());
    assert_eq!(compiled.diagnostics.len(), 2_000);
    assert!(compiled
        .diagnostics
        .iter()
        .all(|d| d.code == Code::UnknownPrefix));
}

#[test]
fn control_characters_and_odd_unicode_do_not_break_spans() {
    let samples = [
        "Users:\nkey:id=Worker\u{0}ID\nmap:a\u{7}b=C\n",
        "Users:\nkey:id=WorkerID\nmap:\u{200B}=Zero Width\n",
        "Users:\nkey:id=WorkerID\nmap:é=É\u{301}\nmap:\u{1F600}(x)=Smile\n",
        "Users:\nkey:id=WorkerID\nmap:'\u{1F600}=Smile\n",
        "Users:\nkey:id=WorkerID\nmap:\"${\u{1F600}\"=Smile\n",
        "Users:\nkey:id=WorkerID\nfilter:x == '\u{1F600}\n",
        "\u{1F600}:\nkey:id=WorkerID\n",
        "Users:\nkey:id=WorkerID\nmap:a=B|\u{1F600}\n",
        "Users:\nkey:id=WorkerID\nmap:a=B|Name=${\u{1F600}\n",
        "Users:\nkey:id=WorkerID\nmap:$.a[?@.\u{1F600}]=B\n",
        "Users:\nkey:id=WorkerID\nconfig:\u{1F600}=1\n",
        "Users:\nkey:id=WorkerID\nconfig:page_size=\u{1F600}\n",
        "Users:\nkey:id=WorkerID\nmap:date(x, '%\u{1F600}')=D\n",
        "Users:\nkey:id=WorkerID\nmap:a.\u{1F600}_where_/b_eq_c=D\n",
        "Users:\nkey:id=WorkerID\nmap:\u{1F600}",
        "\r\r\r\n\n\r",
        "",
        ":",
        "=",
        "|",
        "map:",
        "key:=",
    ];
    for text in samples {
        compile_checked(text, text.as_bytes());
    }
}

/// A small deterministic generator, so that a failure can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_corpus_files_never_panic_and_keep_valid_spans() {
    // The characters the grammar gives meaning to, plus a few that need more than one byte.
    const PIECES: &[&str] = &[
        "=",
        "==",
        "!=",
        "|",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "${",
        "\"",
        "'",
        "\\",
        ",",
        ".",
        ":",
        "$",
        "*",
        "?",
        "@",
        "_where_",
        "_eq_",
        "__where__",
        "jsonpath__",
        " AND ",
        " IN ",
        " or ",
        "not ",
        "\n",
        "\r",
        "\r\n",
        "\t",
        " ",
        "#",
        "é",
        "東",
        "\u{1F600}",
        "\u{FEFF}",
        "key:",
        "map:",
        "filter:",
        "config:",
        "Users:",
        "lower(",
        "split(x, ','",
        "date(x, '%Y')",
    ];
    let mut sources = Vec::new();
    for dir in ["seed", "features", "errors"] {
        for entry in std::fs::read_dir(Path::new(ROOT).join("tests/cases").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "map") {
                if let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap()) {
                    sources.push(text);
                }
            }
        }
    }
    sources.sort();
    let mut rng = Lcg(0x5eed);
    for round in 0..3000 {
        let mut text: Vec<char> = sources[rng.below(sources.len())].chars().collect();
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(text.len() + 1);
            match rng.below(3) {
                0 => {
                    let piece = PIECES[rng.below(PIECES.len())];
                    text.splice(at..at, piece.chars());
                }
                1 if at < text.len() => {
                    let end = (at + 1 + rng.below(8)).min(text.len());
                    text.drain(at..end);
                }
                _ if at < text.len() => {
                    text[at] = PIECES[rng.below(PIECES.len())].chars().next().unwrap();
                }
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        compile_checked(&format!("round {round}: {text:?}"), text.as_bytes());
    }
}
