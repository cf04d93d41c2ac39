#![no_main]
//! The probe classifier with each vendor's judge and error reader: the first
//! two bytes pick the HTTP status, the next one whether a `Retry-After` came
//! (and the next eight how long), the rest is the body. It must never panic.

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mops::sources::fuzzing::{Vendor, probe};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let status = u16::from_le_bytes([head[0], head[1]]);
    let (retry_after, body) = match (head[2] & 1, rest.split_first_chunk::<8>()) {
        (1, Some((secs, body))) => (Some(Duration::from_secs(u64::from_le_bytes(*secs))), body),
        _ => (None, rest),
    };
    for vendor in [Vendor::Mailchimp, Vendor::Hubspot, Vendor::Wordpress] {
        let _ = probe(vendor, status, retry_after, body);
    }
});
