//! Response bodies that misbehave on the wire: cut short, endless-looking,
//! slow, or never started. Streamed, so even `oversize:256` is never held in
//! memory.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures::{StreamExt, stream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const MIB: u64 = 1024 * 1024;
/// One chunk of `oversize` padding, shared by every chunk.
static PAD: [u8; 64 * 1024] = [b'x'; 64 * 1024];
/// The field `oversize` inserts into the normal answer.
const PADDING_FIELD: &str = "sandbox_padding";
/// How often `drip` sends a chunk when the rate allows 10 a second.
const DRIP_TICKS_PER_SEC: u64 = 10;
/// Long enough for hyper to flush the half of a `truncate` body before the
/// connection is dropped.
const FLUSH_PAUSE: Duration = Duration::from_millis(100);

fn aborted(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, what)
}

/// Fails before its first byte. hyper then drops the connection without
/// writing the response head: the client sees the connection close with no
/// answer at all.
pub(crate) fn reset() -> Body {
    Body::from_stream(stream::once(async { Err::<Bytes, _>(aborted("sandbox fault: reset")) }))
}

/// The first half of `full`, then a failure: with the full `Content-Length`
/// announced, the client sees the body end early.
pub(crate) fn truncated(full: &Bytes) -> Body {
    let half = full.slice(..full.len() / 2);
    let chunks = stream::iter((!half.is_empty()).then_some(Ok(half)));
    let end = stream::once(async {
        // A failure right after the data would drop it unflushed.
        tokio::time::sleep(FLUSH_PAUSE).await;
        Err::<Bytes, _>(aborted("sandbox fault: truncate"))
    });
    Body::from_stream(chunks.chain(end))
}

/// Valid JSON of `mb` MiB (or the normal answer's size if larger): the
/// normal answer with a huge string field (or array element) first.
pub(crate) fn oversize(normal: &Bytes, mb: u64) -> Body {
    let (head, tail) = wrap_padding(normal);
    let total = mb.saturating_mul(MIB);
    let padding = total.saturating_sub((head.len() + tail.len()) as u64);
    let pad_len = PAD.len() as u64;
    let full_chunks = padding / pad_len;
    // Below PAD.len(), so it fits a usize.
    let rest = (padding % pad_len) as usize;
    let chunks = std::iter::once(head)
        .chain((0..full_chunks).map(|_| Bytes::from_static(&PAD)))
        .chain(std::iter::once(Bytes::from_static(&PAD[..rest])))
        .chain(std::iter::once(tail))
        .filter(|chunk| !chunk.is_empty())
        .map(Ok::<_, io::Error>);
    Body::from_stream(stream::iter(chunks))
}

/// What goes before and after the padding string so the whole stays valid
/// JSON: inserted as the first field of an object or the first element of an
/// array, else (not JSON) a small object of its own.
fn wrap_padding(normal: &Bytes) -> (Bytes, Bytes) {
    let text = normal.trim_ascii_start();
    let (open, field) = match text.first() {
        Some(b'{') => ("{", format!("\"{PADDING_FIELD}\":\"")),
        Some(b'[') => ("[", "\"".to_owned()),
        _ => return (format!("{{\"{PADDING_FIELD}\":\"").into(), Bytes::from_static(b"\"}")),
    };
    let rest = &text[1..];
    let separator = match rest.trim_ascii_start().first() {
        Some(b'}' | b']') => "",
        _ => ",",
    };
    let mut tail = Vec::with_capacity(rest.len() + 2);
    tail.extend_from_slice(b"\"");
    tail.extend_from_slice(separator.as_bytes());
    tail.extend_from_slice(rest);
    (format!("{open}{field}").into(), tail.into())
}

/// `full` in small chunks at `bytes_per_sec`, each sent no earlier than its
/// share of the time allows, so the whole takes at least
/// `full.len() / bytes_per_sec` seconds. Ends with a failure on shutdown.
pub(crate) fn drip(full: Bytes, bytes_per_sec: u64, shutdown: CancellationToken) -> Body {
    let rate = bytes_per_sec.max(1);
    let chunk = (rate / DRIP_TICKS_PER_SEC).max(1);
    // chunk <= rate / 10, so chunk * 1e9 stays far below u64::MAX.
    let tick = Duration::from_nanos(chunk * 1_000_000_000 / rate);
    // At most 10 MB, so it fits a usize.
    let chunk = chunk as usize;
    let start = Instant::now();
    let state = (full, 0u32, shutdown);
    let chunks = stream::unfold(state, move |(mut rest, sent, shutdown)| async move {
        if rest.is_empty() {
            return None;
        }
        let due = start + tick * (sent + 1);
        tokio::select! {
            () = tokio::time::sleep_until(due) => {
                let piece = rest.split_to(chunk.min(rest.len()));
                Some((Ok(piece), (rest, sent + 1, shutdown)))
            }
            () = shutdown.cancelled() => Some((Err(aborted("sandbox shutting down")), (Bytes::new(), sent, shutdown))),
        }
    });
    Body::from_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn collect(body: Body) -> Bytes {
        to_bytes(body, usize::MAX).await.unwrap()
    }

    #[tokio::test]
    async fn oversize_is_valid_json_of_the_asked_size_around_the_normal_answer() {
        for normal in [
            &br#"{"health_status":"Everything's Chimpy!"}"#[..],
            br#" { } "#,
            br#"[1, 2]"#,
            br#"[]"#,
            b"<html>not json</html>",
            b"",
        ] {
            let body = collect(oversize(&Bytes::copy_from_slice(normal), 1)).await;
            assert_eq!(body.len() as u64, MIB, "{normal:?}");
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            if normal.starts_with(b"{\"health") {
                assert_eq!(value["health_status"], "Everything's Chimpy!");
                assert!(value[PADDING_FIELD].as_str().unwrap().len() > 1000);
            }
            if normal == b"[1, 2]" {
                assert_eq!(value.as_array().unwrap().len(), 3);
            }
        }
    }

    #[tokio::test]
    async fn drip_delivers_everything() {
        let full = Bytes::from_static(b"0123456789abcdef");
        let body = collect(drip(full.clone(), 1_000_000, CancellationToken::new())).await;
        assert_eq!(body, full);
    }

    #[tokio::test]
    async fn drip_takes_at_least_its_share_of_time() {
        let full = Bytes::from(vec![b'a'; 100]);
        let started = Instant::now();
        let body = collect(drip(full, 500, CancellationToken::new())).await;
        assert_eq!(body.len(), 100);
        // A lower bound only: the schedule cannot run early, a loaded box may run late.
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn drip_stops_on_shutdown() {
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let result = to_bytes(drip(Bytes::from_static(b"abc"), 1, shutdown), usize::MAX).await;
        assert!(result.is_err());
    }

    #[tokio::test]
    async fn truncated_and_reset_bodies_fail() {
        assert!(to_bytes(reset(), usize::MAX).await.is_err());
        assert!(
            to_bytes(truncated(&Bytes::from_static(b"{\"a\":1}")), usize::MAX)
                .await
                .is_err()
        );
    }
}
