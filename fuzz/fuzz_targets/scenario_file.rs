#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dfns_mock::fuzzing::scenario_file(data));
