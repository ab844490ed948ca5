use super::*;

fn list(entries: &[&str]) -> AllowList {
    AllowList::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
}

fn allowed(l: &AllowList, host: &str) -> bool {
    l.check(host).is_ok()
}

#[test]
fn names_match_whatever_their_case_and_trailing_dot() {
    let l = list(&["Ingest.Example.COM."]);
    assert!(allowed(&l, "ingest.example.com"));
    assert!(allowed(&l, "INGEST.example.com."));
    assert!(!allowed(&l, "ingest.example.com.evil.net"));
    assert!(!allowed(&l, "eingest.example.com"));
    assert!(!allowed(&l, "a.ingest.example.com"));
}

#[test]
fn a_leading_star_stands_for_one_or_more_labels_but_not_none() {
    let l = list(&["*.ingest.example.com"]);
    assert!(allowed(&l, "a.ingest.example.com"));
    assert!(allowed(&l, "a.b.ingest.example.com"));
    assert!(allowed(&l, "A.Ingest.Example.Com."));
    assert!(!allowed(&l, "ingest.example.com"));
    assert!(!allowed(&l, "evilingest.example.com"));
    assert!(!allowed(&l, ".ingest.example.com"));
    assert!(!allowed(&l, "ingest.example.com.evil.net"));
}

#[test]
fn a_star_inside_a_label_stays_inside_that_label() {
    let l = list(&["edge-*.example.com"]);
    assert!(allowed(&l, "edge-1.example.com"));
    assert!(allowed(&l, "edge-fra-2.example.com"));
    assert!(!allowed(&l, "edge-.example.com"));
    assert!(!allowed(&l, "edge-1.evil.example.com"));
    assert!(!allowed(&l, "edge-1.example.com.evil.net"));
    let l = list(&["*-ingest.example.com"]);
    assert!(allowed(&l, "eu-ingest.example.com"));
    assert!(!allowed(&l, "-ingest.example.com"));
}

#[test]
fn cidrs_match_ip_literals_of_their_family() {
    let l = list(&["10.20.0.0/16", "2001:db8::/32", "192.0.2.7"]);
    assert!(allowed(&l, "10.20.255.1"));
    assert!(!allowed(&l, "10.21.0.1"));
    assert!(allowed(&l, "192.0.2.7"));
    assert!(!allowed(&l, "192.0.2.8"));
    assert!(allowed(&l, "2001:db8::1"));
    assert!(allowed(&l, "2001:DB8:ffff::1"));
    assert!(!allowed(&l, "2001:db9::1"));
    // A CIDR does not allow a name, whatever it resolves to: names are not resolved.
    assert!(!allowed(&l, "localhost"));
}

#[test]
fn an_ipv4_mapped_ipv6_literal_is_its_ipv4_address() {
    let l = list(&["127.0.0.1"]);
    assert!(allowed(&l, "::ffff:127.0.0.1"));
    assert!(!allowed(&l, "::ffff:10.0.0.1"));
    let l = list(&["::ffff:10.0.0.0/104"]);
    assert!(allowed(&l, "10.1.2.3"));
    assert!(!allowed(&l, "11.1.2.3"));
}

#[test]
fn host_bits_in_a_cidr_are_ignored_and_zero_prefixes_allow_a_family() {
    let l = list(&["10.20.30.40/16"]);
    assert!(allowed(&l, "10.20.0.1"));
    let l = list(&["0.0.0.0/0"]);
    assert!(allowed(&l, "203.0.113.9"));
    assert!(!allowed(&l, "2001:db8::1"));
    assert!(!allowed(&l, "example.com"));
}

#[test]
fn numeric_hosts_that_are_not_canonical_addresses_are_refused() {
    let l = list(&["*"]);
    for host in [
        "2130706433",
        "0x7f000001",
        "127.1",
        "0177.0.0.1",
        "10.0.0.0x1",
    ] {
        assert_eq!(l.check(host), Err(Denied::NotCanonical), "{host}");
    }
    // A name whose last label has letters is a name.
    assert!(allowed(&l, "1.2.3.example"));
}

#[test]
fn a_lone_star_allows_everything_else() {
    let l = list(&["*"]);
    assert!(l.is_open());
    assert!(allowed(&l, "example.com"));
    assert!(allowed(&l, "203.0.113.9"));
    assert!(allowed(&l, "::1"));
}

#[test]
fn an_empty_list_allows_loopback_only() {
    let l = AllowList::parse(&[]).unwrap();
    assert!(l.loopback_only);
    assert!(allowed(&l, "127.0.0.1"));
    assert!(allowed(&l, "127.9.9.9"));
    assert!(allowed(&l, "::1"));
    assert!(allowed(&l, "localhost"));
    assert!(allowed(&l, "LOCALHOST."));
    assert!(!allowed(&l, "10.0.0.1"));
    assert!(!allowed(&l, "example.com"));
    assert!(!allowed(&l, "::2"));
}

#[test]
fn bad_entries_are_errors_that_name_them() {
    let bad = |e: &str| AllowList::parse(&[e.to_string()]).unwrap_err();
    assert!(
        bad("10.0.0.0/33").contains("0 to 32"),
        "{}",
        bad("10.0.0.0/33")
    );
    assert!(bad("::/129").contains("0 to 128"));
    assert!(bad("10.0.0/8").contains("not an IP address"));
    assert!(bad("127.1").contains("a.b.c.d"));
    assert!(bad("").contains("empty"));
    assert!(bad("a..b").contains("empty label"));
    assert!(bad("user@x").contains("not allowed in a host name"));
    assert!(bad("http://x").contains("not an IP address"));
    assert!(bad("**.x").contains("**"));
    assert!(bad("http://x").starts_with("allow_targets: \"http://x\""));
}
