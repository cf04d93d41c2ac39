#![no_main]
//! `mops::sources::fuzzing::hubspot_error` on arbitrary bytes: it must never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mops::sources::fuzzing::hubspot_error(data);
});
