use super::*;

fn redacted(p: &mut Pseudonymizer, seeds: &[Seed], texts: &[&str]) -> Vec<String> {
    let mut doc: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
    p.redact(&Seeds(seeds.to_vec()), &mut doc);
    doc
}

#[test]
fn shapes_are_kept_and_case_follows_the_original() {
    let mut p = Pseudonymizer::new();
    let out = redacted(
        &mut p,
        &[
            Seed::Host("WIN7-ACCT-03".into()),
            Seed::Email("k.meyer@contoso.com".into()),
            Seed::Proxy("proxy.fabrikam.net:3128".into()),
            Seed::Account("CONTOSO\\k.meyer".into()),
            Seed::Tenant("Contoso".into()),
        ],
        &[
            "host WIN7-ACCT-03 (win7-acct-03.contoso.com)",
            "proxy proxy.fabrikam.net:3128, bypass *.fabrikam.net;<local>",
            "ran as CONTOSO\\k.meyer, k.meyer@contoso.com",
            "Contoso",
        ],
    );
    assert_eq!(out[0], "host HOST-1 (host-1.org-1.example)");
    assert_eq!(
        out[1],
        "proxy proxy.org-2.example:3128, bypass *.org-2.example;<local>"
    );
    assert_eq!(out[2], "ran as ORG-1\\user-1, user-1@org-1.example");
    assert_eq!(out[3], "Org-1");
}

#[test]
fn microsoft_endpoints_codes_paths_and_own_words_stay() {
    let mut p = Pseudonymizer::new();
    let text = "https://login.microsoftonline.com/ 0x80072EFD (12029 CANNOT_CONNECT) \
                HKLM\\SOFTWARE\\Microsoft\\Office\\16.0\\Common version 16.0.12527.22286 \
                build 7601 accounts.stored_credentials";
    let out = redacted(
        &mut p,
        &[
            Seed::Account("ACCOUNTS\\jkowalski".into()),
            Seed::Email("jkowalski@accounts.local".into()),
            Seed::Domain("login.microsoftonline.com".into()),
        ],
        &[text, "ACCOUNTS\\jkowalski", "jkowalski@accounts.local"],
    );
    assert_eq!(out[0], text);
    assert_eq!(out[1], "ORG-1\\user-1");
    assert_eq!(out[2], "user-1@org-1.local");
}

#[test]
fn addresses_sids_macs_and_profiles_found_by_shape() {
    let mut p = Pseudonymizer::new();
    let out = redacted(
        &mut p,
        &[Seed::Microsoft("20.190.142.1".parse().unwrap())],
        &[
            "10.20.31.57 gw 10.20.31.1 dns 8.8.4.4 ms 20.190.142.1 mask 255.255.255.0",
            "fe80::1%12 2a02:8071:6c80:4e00:9d1b:3f2e:7a64:c2d1",
            "HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software mac 00-15-5D-01-02-03",
            "C:\\Users\\martin\\AppData\\Local; user martin",
        ],
    );
    assert_eq!(
        out[0],
        "10.255.0.1 gw 10.255.0.2 dns 192.0.2.1 ms 20.190.142.1 mask 255.255.255.0"
    );
    assert_eq!(out[1], "fe80::db8:0:1%12 2001:db8::2");
    assert_eq!(
        out[2],
        "HKU\\S-1-5-21-0-0-1-1001\\Software mac 00-00-5E-00-53-01"
    );
    assert_eq!(out[3], "C:\\Users\\user-1\\AppData\\Local; user user-1");
}

#[test]
fn the_same_value_keeps_its_pseudonym_across_documents() {
    let mut p = Pseudonymizer::new();
    let a = redacted(&mut p, &[Seed::Host("PC-1".into())], &["PC-1 10.1.1.1"]);
    let b = redacted(
        &mut p,
        &[Seed::Host("PC-2".into())],
        &["PC-2 10.1.1.2 10.1.1.1"],
    );
    let c = redacted(&mut p, &[Seed::Host("PC-1".into())], &["PC-1"]);
    assert_eq!(a[0], "HOST-1 10.255.0.1");
    assert_eq!(b[0], "HOST-2 10.255.0.2 10.255.0.1");
    assert_eq!(c[0], "HOST-1");
}

#[test]
fn keywords_replace_anywhere_unless_they_are_own_words() {
    let mut p = Pseudonymizer::new();
    let refused = p.add_keywords("# customer words\nProject Falcon\nOffice\nacme-corp\n");
    assert_eq!(refused, ["Office"]);
    let out = redacted(
        &mut p,
        &[],
        &["Project Falcon at ACME-CORP, Microsoft Office"],
    );
    assert_eq!(out[0], "keyword-1 at KEYWORD-2, Microsoft Office");
    let map: serde_json::Value = serde_json::from_str(&p.map_json()).unwrap();
    assert_eq!(map["refused_keywords"][0], "Office");
}

#[test]
fn the_map_gives_each_spelling_back() {
    let mut p = Pseudonymizer::new();
    let out = redacted(
        &mut p,
        &[Seed::Host("WIN7-ACCT-03".into())],
        &["WIN7-ACCT-03 and win7-acct-03"],
    );
    assert_eq!(out[0], "HOST-1 and host-1");
    let map: serde_json::Value = serde_json::from_str(&p.map_json()).unwrap();
    let lines = map["pseudonyms"].as_array().unwrap();
    let back: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["pseudonym"].as_str().unwrap(),
                l["original"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(back.contains(&("HOST-1", "WIN7-ACCT-03")));
    assert!(back.contains(&("host-1", "win7-acct-03")));
}

#[test]
fn an_id_is_replaced_inside_a_key_name() {
    let mut p = Pseudonymizer::new();
    let out = redacted(
        &mut p,
        &[Seed::Guid("3f2a9c10-1b2c-45d6-a7e8-9a0b1c2d3e4f".into())],
        &[
            r"HKCU\Software\Microsoft\Office\16.0\Common\Identity\Identities\3f2a9c10-1b2c-45d6-a7e8-9a0b1c2d3e4f_ADAL",
        ],
    );
    assert_eq!(
        out[0],
        r"HKCU\Software\Microsoft\Office\16.0\Common\Identity\Identities\00000000-0000-4000-8000-000000000001_ADAL"
    );
}
