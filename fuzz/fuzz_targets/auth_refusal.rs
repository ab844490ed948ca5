//! Challenge-authentication refusals: `protocol::auth` on arbitrary descriptions.
//!
//! Input: descriptions separated by 0x00 bytes (read lossily as UTF-8), the refusals of one
//! session in turn; the first byte's low bit says whether the flow has credentials. Checked: no
//! panic; at most two reconnects, none after the flow stopped; each reconnect's names are the
//! ones `connect_names` gives, built from the base app and tcUrl; failure messages hold no
//! secret and only printable ASCII.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtmp_probe::protocol::auth::{parse_refusal, AuthFlow, Credentials, Next};

const APP: &str = "live";
const TC_URL: &str = "rtmp://127.0.0.1:1935/live";
const PASSWORD: &str = "fuzz-password-0123";

fuzz_target!(|input: &[u8]| {
    let Some((&flags, rest)) = input.split_first() else {
        return;
    };
    let credentials = (flags & 1 == 1).then(|| Credentials::new("bob", PASSWORD));
    let mut flow = AuthFlow::new(credentials, APP, TC_URL);
    let mut reconnects = 0;
    let mut stopped = false;
    for (i, piece) in rest.split(|&b| b == 0).enumerate() {
        let description = String::from_utf8_lossy(piece);
        let _ = parse_refusal(&description);
        let random = [flags, i as u8, 0x5a, 0xa5];
        match flow.on_refusal(&description, random) {
            Next::Reconnect(names) => {
                assert!(!stopped, "a reconnect after the flow stopped");
                reconnects += 1;
                assert!(reconnects <= 2, "a third reconnect");
                assert_eq!(names, flow.connect_names());
                assert!(names.app.starts_with(&format!("{APP}?")), "{names:?}");
                assert!(names.tc_url.starts_with(&format!("{TC_URL}?")), "{names:?}");
            }
            Next::Fail(failure) => {
                stopped = true;
                for secret in flow.secrets() {
                    assert!(!failure.message.contains(secret), "a secret in {failure}");
                }
                assert!(
                    failure.message.bytes().all(|b| (0x20..0x7f).contains(&b)),
                    "{failure}"
                );
            }
            Next::NotAuth => stopped = true,
        }
    }
    assert_eq!(usize::from(flow.attempt()), 1 + reconnects);
});
