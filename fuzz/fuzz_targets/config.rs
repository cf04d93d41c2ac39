#![no_main]
//! The config parser on arbitrary text (bytes that are not UTF-8 are read
//! lossily, as a user's editor might have saved them): a config or an error,
//! never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = mops::sources::fuzzing::config_from_str(&text);
});
