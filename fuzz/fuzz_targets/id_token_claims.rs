#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dfns_mock::fuzzing::id_token_claims(data));
