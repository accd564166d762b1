//! Every `regime` command line shown in README.md, docs/*.md and the help pages, parsed with
//! the real command-line parser, so that an example cannot drift from the flags.

use super::Cli;
use clap::{CommandFactory, Parser};
use std::path::Path;

/// Command lines of a markdown text: lines of code blocks that start with `regime `, and
/// inline code that is a concrete command (it names a file; synopses such as
/// `regime run [SCENARIO.toml] [--reps N]` are skipped).
fn markdown_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            if let Some(cmd) = line.trim_start().strip_prefix("regime ") {
                out.push(cmd.to_string());
            }
            continue;
        }
        for (k, span) in line.split('`').enumerate() {
            let Some(cmd) = span.strip_prefix("regime ") else {
                continue;
            };
            let synopsis = [" [", "...", "|", "SCENARIO", "CSV ", "DIR"]
                .iter()
                .any(|m| cmd.contains(m));
            let concrete = ["scenarios/", "out/", ".csv", ".toml"]
                .iter()
                .any(|m| cmd.contains(m));
            if k % 2 == 1 && concrete && !synopsis {
                out.push(cmd.to_string());
            }
        }
    }
    out
}

/// Splits a shell command line into words (single and double quotes; a comment, a pipe or a
/// redirection ends it).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                started = true;
            }
            (None, '#' | '|' | '>') if !started => break,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

fn check(source: &str, commands: Vec<String>) -> usize {
    for cmd in &commands {
        let args = std::iter::once("regime".to_string()).chain(shell_words(cmd));
        match Cli::try_parse_from(args) {
            // `regime help run` "fails" by printing the help page.
            Err(e) if e.kind() != clap::error::ErrorKind::DisplayHelp => {
                panic!("{source}: `regime {cmd}` does not parse:\n{e}")
            }
            _ => {}
        }
    }
    commands.len()
}

#[test]
fn every_command_line_in_the_docs_and_help_pages_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        seen += check(&f.display().to_string(), markdown_commands(&text));
    }
    let cli = Cli::command();
    for sub in std::iter::once(&cli).chain(cli.get_subcommands()) {
        let help = sub
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let commands = help
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("regime "))
            // A note after two or more spaces explains the example.
            .map(|l| l.split("  ").next().unwrap_or_default().to_string())
            .collect();
        seen += check(&format!("`regime {}` help", sub.get_name()), commands);
    }
    assert!(
        seen >= 30,
        "expected the documented command lines, found {seen}"
    );
}

#[test]
fn meaningless_flags_are_usage_errors() {
    // (`merge a b` without --out parses, since `merge DIR` alone merges a `sweep --slurm`
    // directory into itself; with several directories `merge` refuses it when run, exit 2.)
    for args in [
        &[
            "tournament",
            "--strategies",
            "TFT,ALLD",
            "--set",
            "nonsense=1",
        ][..],
        &["validate", "s.toml", "--out", "x", "--force"],
        &["validate", "s.toml", "--seed", "1"],
        &[
            "plot", "t.csv", "--x", "a", "--y", "b", "-o", "f.svg", "--out", "d",
        ],
        &[
            "plot",
            "t.csv",
            "--x",
            "a",
            "--y",
            "b",
            "-o",
            "f.svg",
            "--threads",
            "2",
        ],
        &["merge", "a", "b", "--out", "m", "--seed", "1"],
        &["compare", "s.toml", "--shard", "1/2"],
    ] {
        let e = Cli::try_parse_from(std::iter::once("regime").chain(args.iter().copied()))
            .expect_err(&args.join(" "));
        // clap's usage errors exit with 2, as every input error of the tool does.
        assert_eq!(e.exit_code(), 2, "{}", args.join(" "));
    }
}
