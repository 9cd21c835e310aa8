//! Who may issue the certificates of Microsoft 365's endpoints, and which TLS-inspecting
//! products announce themselves in the chains they forge: `analyzers/data/tls-issuers.toml`
//! (sourced; compiled in). A chain is Microsoft's when a certificate above the leaf, or the
//! leaf's issuer, is one of Microsoft's published certificate authorities; a product is
//! named when an issuer in the chain holds one of its patterns.

use crate::parse::probes::{Cert, common_name};
use serde::Deserialize;
use std::sync::LazyLock;

const SOURCE: &str = include_str!("../analyzers/data/tls-issuers.toml");

#[derive(Debug, Deserialize)]
struct File {
    microsoft: Microsoft,
    #[serde(default)]
    product: Vec<Product>,
}

#[derive(Debug, Deserialize)]
struct Microsoft {
    roots: Vec<String>,
    issuing: Vec<String>,
}

/// A TLS-inspecting product.
#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    pub name: String,
    #[serde(default)]
    pub issuer_patterns: Vec<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// Where in the product an administrator exempts destinations from decryption.
    #[serde(default)]
    pub exempt_hint: Option<String>,
}

struct Table {
    /// Microsoft's roots and issuing CAs, lower-case common names.
    microsoft: Vec<String>,
    products: Vec<Product>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // Part of the binary and checked by a test; a broken edit yields an empty table, which
    // makes every chain "not Microsoft's" and the test fail loudly.
    let file: Option<File> = toml::from_str(SOURCE).ok();
    match file {
        Some(f) => Table {
            microsoft: f
                .microsoft
                .roots
                .iter()
                .chain(&f.microsoft.issuing)
                .map(|n| n.to_lowercase())
                .collect(),
            products: f.product,
        },
        None => Table {
            microsoft: Vec::new(),
            products: Vec::new(),
        },
    }
});

/// Whose chain it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Issued under one of Microsoft's published certificate authorities.
    Microsoft,
    /// Issued by someone else; the product when an issuer names one.
    Other {
        issuer: String,
        product: Option<String>,
    },
}

/// Whose chain `chain` (leaf first) is. `None` for an empty chain.
pub fn owner(chain: &[Cert]) -> Option<Owner> {
    let leaf = chain.first()?;
    let names: Vec<String> = std::iter::once(common_name(&leaf.issuer))
        .chain(chain.iter().skip(1).map(|c| common_name(&c.subject)))
        .map(str::to_lowercase)
        .collect();
    if names.iter().any(|n| TABLE.microsoft.contains(n)) {
        return Some(Owner::Microsoft);
    }
    // The CAs' names: every issuer, and the subjects above the leaf (the leaf's subject is
    // the server's own name).
    let ca_names: Vec<String> = chain
        .iter()
        .map(|c| c.issuer.to_lowercase())
        .chain(chain.iter().skip(1).map(|c| c.subject.to_lowercase()))
        .collect();
    let product = TABLE
        .products
        .iter()
        .find(|p| {
            p.issuer_patterns.iter().any(|pattern| {
                let pattern = pattern.to_lowercase();
                ca_names.iter().any(|n| n.contains(&pattern))
            })
        })
        .map(|p| p.name.clone());
    Some(Owner::Other {
        issuer: common_name(&leaf.issuer).to_owned(),
        product,
    })
}

/// The product of that name, for its exemption hint.
pub fn product(name: &str) -> Option<&'static Product> {
    TABLE.products.iter().find(|p| p.name == name)
}

/// Whether the table loaded with at least one Microsoft CA (for a test).
pub fn loaded() -> bool {
    !TABLE.microsoft.is_empty() && !TABLE.products.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(subject: &str, issuer: &str) -> Cert {
        Cert {
            subject: subject.to_owned(),
            issuer: issuer.to_owned(),
            thumbprint: None,
            not_before: None,
            not_after: None,
        }
    }

    #[test]
    fn the_table_loads() {
        assert!(loaded());
    }

    #[test]
    fn microsofts_chains_and_forged_ones() {
        // login.microsoftonline.com as Azure CA details describes Entra's chains.
        let microsoft = [
            cert(
                "CN=stamp2.login.microsoftonline.com, O=Microsoft Corporation, L=Redmond, S=WA, C=US",
                "CN=DigiCert SHA2 Secure Server CA, O=DigiCert Inc, C=US",
            ),
            cert(
                "CN=DigiCert SHA2 Secure Server CA, O=DigiCert Inc, C=US",
                "CN=DigiCert Global Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US",
            ),
        ];
        assert_eq!(owner(&microsoft), Some(Owner::Microsoft));
        // Zscaler's default chain: its intermediate signs the forged leaf.
        let zscaler = [
            cert(
                "CN=login.microsoftonline.com",
                "CN=Zscaler Intermediate Root CA (zscaler.net), OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US",
            ),
            cert(
                "CN=Zscaler Intermediate Root CA (zscaler.net), OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US",
                "CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US",
            ),
        ];
        assert_eq!(
            owner(&zscaler),
            Some(Owner::Other {
                issuer: "Zscaler Intermediate Root CA (zscaler.net)".to_owned(),
                product: Some("Zscaler".to_owned()),
            })
        );
        assert!(
            product("Zscaler")
                .and_then(|p| p.exempt_hint.as_ref())
                .is_some()
        );
        // A corporate CA of no known product: not Microsoft's, no product named. The
        // server's own name never names a product (a host called "fortinet.example").
        let corporate = [cert(
            "CN=fortinet.example.com",
            "CN=Contoso Issuing CA 2, DC=contoso, DC=com",
        )];
        assert_eq!(
            owner(&corporate),
            Some(Owner::Other {
                issuer: "Contoso Issuing CA 2".to_owned(),
                product: None,
            })
        );
        assert_eq!(owner(&[]), None);
    }
}
