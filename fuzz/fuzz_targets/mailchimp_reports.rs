#![no_main]
//! `mops::sources::fuzzing::mailchimp_reports` on arbitrary bytes: it must never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mops::sources::fuzzing::mailchimp_reports(data);
});
