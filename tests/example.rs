//! The library example (`examples/weekly_lifecycle.rs`) runs as a user
//! would run it and prints the SPEC section 10 numbers.

use std::path::Path;
use std::process::Command;

#[path = "common/spec.rs"]
mod spec;

#[test]
fn weekly_lifecycle_example_prints_the_spec_example() {
    // Cargo builds the examples next to the test binaries' directory.
    let test_exe = std::env::current_exe().expect("the test binary");
    let exe = test_exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("examples")
        .join(format!("weekly_lifecycle{}", std::env::consts::EXE_SUFFIX));
    let facts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/spec_example.csv");
    let out = Command::new(&exe)
        .arg(&facts)
        .arg("2024-02-04")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let weeks: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .take(5)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let expected: Vec<Vec<&str>> = spec::summary()
        .iter()
        .map(|r| {
            [
                "period_start",
                "active",
                "new",
                "retained",
                "reactivated",
                "churned",
            ]
            .map(|c| r.text(c))
            .to_vec()
        })
        .collect();
    assert_eq!(weeks, expected);
    assert!(
        text.contains("alice: new -> retained -> inactive"),
        "{text}"
    );
    assert!(
        text.contains("4 users in the snapshot as of 2024-02-04"),
        "{text}"
    );
}
