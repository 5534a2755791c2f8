//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`, seeds and the inputs the
//! fuzzers kept) through the same entry points the fuzz targets call, on the stable
//! toolchain: any input that once crashed the product and was added here stays fixed.

use std::path::PathBuf;

#[test]
fn every_fuzz_target_has_a_corpus_and_every_input_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, entry) in dfns_mock::fuzzing::TARGETS {
        let folder = root.join(target);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|file| file.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target}: empty corpus");
        for input in &inputs {
            let data = std::fs::read(input).unwrap();
            let outcome = std::panic::catch_unwind(|| entry(&data));
            assert!(outcome.is_ok(), "{target}: {} panics", input.display());
        }
        eprintln!("{target}: {} inputs", inputs.len());
    }
}

#[test]
fn every_fuzz_target_has_its_binary() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for (target, _) in dfns_mock::fuzzing::TARGETS {
        let source = root.join(format!("fuzz_targets/{target}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(text.contains(&format!("dfns_mock::fuzzing::{target}(")));
        assert!(manifest.contains(&format!("name = \"{target}\"")));
    }
}
