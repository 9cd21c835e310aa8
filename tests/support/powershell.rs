//! PowerShell read as a syntax tree (tree-sitter-powershell), for the tests that check what
//! the scripts caadoctor sends to users' PCs can and cannot do, without Windows:
//! - [`ps3_violations`]: PowerShell 3+ constructs outside a version check with a fallback
//!   (the scripts must run on Windows 7's PowerShell 2.0);
//! - [`clm_violations`]: .NET, COM and Add-Type outside code that runs only in
//!   FullLanguage mode (AppLocker and WDAC put PowerShell in Constrained Language mode,
//!   which refuses them);
//! - [`wmi_outside_helper`] and [`swallowed_errors`]: WMI only through the one helper with
//!   a deadline, and no error hidden without being kept;
//! - helpers to find functions, commands, their arguments and what encloses a node, and to
//!   read data written as PowerShell literals ([`literal`], [`assigned`]).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use tree_sitter::{Node, Parser, Tree};

pub fn parse(src: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("the PowerShell grammar loads");
    parser.parse(src, None).expect("a syntax tree")
}

pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    &src[node.byte_range()]
}

pub fn line(node: Node<'_>) -> usize {
    node.start_position().row + 1
}

pub fn each_node<'t>(node: Node<'t>, f: &mut impl FnMut(Node<'t>)) {
    f(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        each_node(child, f);
    }
}

/// Every node of `kind` under `node`.
pub fn nodes_of<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    each_node(node, &mut |n| {
        if n.kind() == kind {
            out.push(n)
        }
    });
    out
}

/// Syntax errors: ERROR and MISSING nodes, with their line.
pub fn syntax_errors(src: &str) -> Vec<String> {
    let tree = parse(src);
    let mut bad = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        if n.is_error() || n.is_missing() {
            let t = text(n, src);
            bad.push(format!(
                "line {}: {} {:?}",
                line(n),
                if n.is_error() { "ERROR" } else { "MISSING" },
                &t[..t.len().min(60)]
            ));
        }
    });
    bad
}

/// A command invocation: its name and its elements (parameters and arguments) as written.
pub struct Command<'t> {
    pub node: Node<'t>,
    pub name: String,
    pub elements: Vec<String>,
}

impl Command<'_> {
    /// The parameter is given (`-Name`, case-insensitive; a unique prefix is not resolved).
    pub fn has(&self, parameter: &str) -> bool {
        self.elements
            .iter()
            .any(|e| e.trim_end_matches(':').eq_ignore_ascii_case(parameter))
    }

    /// The element after the parameter.
    pub fn value_of(&self, parameter: &str) -> Option<&str> {
        let i = self
            .elements
            .iter()
            .position(|e| e.trim_end_matches(':').eq_ignore_ascii_case(parameter))?;
        self.elements.get(i + 1).map(String::as_str)
    }
}

/// Every command under `node`, with its elements.
pub fn commands<'t>(node: Node<'t>, src: &str) -> Vec<Command<'t>> {
    nodes_of(node, "command")
        .into_iter()
        .map(|n| {
            let name = n
                .child_by_field_name("command_name")
                .map(|c| text(c, src).to_owned())
                .unwrap_or_default();
            let mut elements = Vec::new();
            if let Some(els) = n.child_by_field_name("command_elements") {
                let mut cursor = els.walk();
                for e in els.children(&mut cursor) {
                    if e.kind() != "command_argument_sep" {
                        elements.push(text(e, src).trim().to_owned());
                    }
                }
            }
            Command {
                node: n,
                name,
                elements,
            }
        })
        .collect()
}

/// The functions of a script: name (as written) → definition node.
pub fn functions<'t>(tree: &'t Tree, src: &str) -> BTreeMap<String, Node<'t>> {
    nodes_of(tree.root_node(), "function_statement")
        .into_iter()
        .filter_map(|f| {
            let name = f
                .child_by_field_name("function_name")
                .or_else(|| {
                    let mut c = f.walk();
                    f.children(&mut c).find(|n| n.kind() == "function_name")
                })
                .map(|n| text(n, src).to_owned())?;
            Some((name, f))
        })
        .collect()
}

/// The text of one function's definition.
pub fn function_text<'a>(src: &'a str, name: &str) -> &'a str {
    let tree = parse(src);
    let f = functions(&tree, src)
        .get(name)
        .map(|n| n.byte_range())
        .unwrap_or_else(|| panic!("function {name} is not in the script"));
    &src[f]
}

/// The innermost function a node is in.
pub fn enclosing_function<'a>(node: Node<'_>, src: &'a str) -> Option<&'a str> {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "function_statement" {
            let mut c = n.walk();
            return n
                .children(&mut c)
                .find(|k| k.kind() == "function_name")
                .map(|k| text(k, src));
        }
        at = n.parent();
    }
    None
}

/// The variable a `$name = { ... }` script block is assigned to, for a script block node.
fn script_block_variable<'a>(node: Node<'_>, src: &'a str) -> Option<&'a str> {
    let mut at = node.parent();
    while let Some(n) = at {
        match n.kind() {
            "assignment_expression" => {
                let left = n.child(0)?;
                let right = n.child(2)?;
                // Only when the whole right-hand side is this script block.
                return (text(right, src).trim() == text(node, src).trim())
                    .then(|| text(left, src).trim());
            }
            "pipeline"
            | "pipeline_chain"
            | "unary_expression"
            | "array_literal_expression"
            | "range_expression"
            | "format_expression"
            | "multiplicative_expression"
            | "additive_expression"
            | "comparison_expression"
            | "bitwise_expression"
            | "logical_expression" => at = n.parent(),
            _ => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// PowerShell 2.0

/// Cmdlets that PowerShell 2.0 does not have.
pub const PS3_COMMANDS: &[&str] = &[
    "ConvertTo-Json",
    "ConvertFrom-Json",
    "Compress-Archive",
    "Expand-Archive",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "Resolve-DnsName",
    "Test-NetConnection",
    "Get-CimInstance",
    "Get-FileHash",
    "Get-NetAdapter",
    "Get-NetIPAddress",
    "Get-NetIPConfiguration",
    "Get-NetTCPConnection",
    "Get-DnsClientServerAddress",
    "New-TemporaryFile",
    "Get-ScheduledTask",
    "Get-Clipboard",
    "Set-Clipboard",
    "Get-ComputerInfo",
    "Get-LocalUser",
    "Get-WinEvent",
    "Get-Volume",
    "Unblock-File",
];

/// Parameters added after 2.0 to cmdlets 2.0 has: (cmdlet, parameter).
pub const PS3_PARAMETERS: &[(&str, &str)] = &[
    ("Get-ChildItem", "-File"),
    ("Get-ChildItem", "-Directory"),
    ("Get-ChildItem", "-Depth"),
    ("Get-Content", "-Raw"),
    ("Out-File", "-NoNewline"),
    ("Set-Content", "-NoNewline"),
    ("Add-Content", "-NoNewline"),
    ("Write-Host", "-InformationAction"),
    ("Import-Csv", "-Encoding"),
    // 2.0's Rename-Item and Out-File take -Path / -FilePath only.
    ("Rename-Item", "-LiteralPath"),
    ("Out-File", "-LiteralPath"),
];

/// Operators added after 2.0.
pub const PS3_OPERATORS: &[&str] = &["-in", "-notin", "-shl", "-shr"];

/// Type accelerators added after 2.0 (`[pscustomobject]` exists in 2.0 but does not make
/// an object there).
pub const PS3_TYPES: &[&str] = &["ordered", "pscustomobject"];

/// A construct and where it is.
pub struct Violation {
    pub line: usize,
    pub what: String,
}

impl std::fmt::Debug for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

/// Inside an `if` on `$PSVersionTable.PSVersion` that also has a fallback branch.
fn version_guarded(node: Node<'_>, src: &str) -> bool {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "if_statement" {
            let condition = n
                .child_by_field_name("condition")
                .map(|c| text(c, src))
                .unwrap_or_default();
            let mut cursor = n.walk();
            let has_fallback = n
                .children(&mut cursor)
                .any(|c| matches!(c.kind(), "else_clause" | "elseif_clauses" | "elseif_clause"));
            if condition.contains("PSVersion") && has_fallback {
                return true;
            }
        }
        at = n.parent();
    }
    false
}

/// Every PowerShell 3+ construct of `src` that no version check guards.
pub fn ps3_violations(src: &str) -> Vec<Violation> {
    let tree = parse(src);
    let mut out = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        let what = match n.kind() {
            "command" => {
                let name = n
                    .child_by_field_name("command_name")
                    .map(|c| text(c, src))
                    .unwrap_or_default();
                let mut found = PS3_COMMANDS
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(name))
                    .map(|c| format!("cmdlet {c}"));
                if found.is_none() {
                    each_node(n, &mut |p| {
                        if p.kind() == "command_parameter" {
                            let param = text(p, src);
                            if let Some((c, q)) = PS3_PARAMETERS.iter().find(|(c, q)| {
                                c.eq_ignore_ascii_case(name) && q.eq_ignore_ascii_case(param)
                            }) {
                                found = Some(format!("{c} {q}"));
                            }
                        }
                    });
                }
                found
            }
            "comparison_operator" => PS3_OPERATORS
                .iter()
                .find(|o| o.eq_ignore_ascii_case(text(n, src)))
                .map(|o| format!("operator {o}")),
            "type_literal" => {
                let inner = text(n, src).trim_matches(['[', ']']).trim();
                PS3_TYPES
                    .iter()
                    .find(|t| t.eq_ignore_ascii_case(inner))
                    .map(|t| format!("[{t}]"))
            }
            "member_name" => {
                let prev = n.prev_sibling().map(|p| text(p, src)).unwrap_or_default();
                (prev == "::" && text(n, src).eq_ignore_ascii_case("new"))
                    .then(|| "::new()".to_owned())
            }
            "variable" => {
                let v = text(n, src);
                (v.eq_ignore_ascii_case("$PSItem") || v.to_ascii_lowercase().starts_with("$using:"))
                    .then(|| format!("variable {v}"))
            }
            "class_statement" | "enum_statement" | "using_statement" => {
                Some(format!("{} statement", n.kind()))
            }
            _ => None,
        };
        if let Some(what) = what
            && !version_guarded(n, src)
        {
            out.push(Violation {
                line: line(n),
                what,
            });
        }
    });
    out
}

// ---------------------------------------------------------------------------------------
// Constrained Language mode

/// The .NET types Constrained Language mode allows (about_Language_Modes, Windows
/// PowerShell 5.1), by accelerator and by full name, lower-case. Arrays of them are
/// allowed too.
const CLM_TYPES: &[&str] = &[
    "adsi",
    "adsisearcher",
    "alias",
    "allowemptycollection",
    "allowemptystring",
    "allownull",
    "array",
    "system.array",
    "bigint",
    "bool",
    "system.boolean",
    "byte",
    "system.byte",
    "char",
    "system.char",
    "cimclass",
    "ciminstance",
    "cimsession",
    "cimtype",
    "cmdletbinding",
    "cultureinfo",
    "globalization.cultureinfo",
    "system.globalization.cultureinfo",
    "datetime",
    "system.datetime",
    "decimal",
    "system.decimal",
    "double",
    "system.double",
    "float",
    "guid",
    "system.guid",
    "hashtable",
    "system.collections.hashtable",
    "int",
    "int16",
    "int32",
    "int64",
    "system.int32",
    "system.int64",
    "ipaddress",
    "long",
    "mailaddress",
    "object",
    "nullstring",
    "outputtype",
    "parameter",
    "pscredential",
    "psobject",
    "pscustomobject",
    "ref",
    "regex",
    "sbyte",
    "securestring",
    "short",
    "single",
    "string",
    "system.string",
    "switch",
    "timespan",
    "system.timespan",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "ulong",
    "uri",
    "system.uri",
    "ushort",
    "validatenotnull",
    "validatenotnullorempty",
    "validaterange",
    "validateset",
    "version",
    "system.version",
    "void",
    "wmi",
    "wmiclass",
    "wmisearcher",
    "x500distinguishedname",
    "x509certificate",
    "xml",
];

/// COM classes Constrained Language mode allows.
const CLM_COM: &[&str] = &[
    "scripting.dictionary",
    "scripting.filesystemobject",
    "vbscript.regexp",
];

/// Methods of the allowed types that the scripts call on values (strings, hashtables,
/// dates, GUIDs, versions): calling any other method on a value is a .NET call
/// Constrained Language mode may refuse.
const CLM_METHODS: &[&str] = &[
    // string
    "replace",
    "trim",
    "trimstart",
    "trimend",
    "split",
    "substring",
    "contains",
    "startswith",
    "endswith",
    "tolower",
    "toupper",
    "indexof",
    "tochararray",
    "padleft",
    "padright",
    "tostring",
    "equals",
    // hashtable
    "containskey",
    "containsvalue",
    "add",
    "remove",
    // datetime
    "addseconds",
    "addminutes",
    "adddays",
    "touniversaltime",
];

fn clm_type_allowed(name: &str) -> bool {
    let n = name
        .trim()
        .trim_matches(['[', ']'])
        .trim()
        .to_ascii_lowercase();
    let n = n.trim_end_matches("[]");
    CLM_TYPES.contains(&n)
}

/// Regions of a script that run only in FullLanguage mode.
pub struct FullLanguageRegions {
    /// Functions and `$variable` script blocks that are only ever called from such regions.
    pub only_full: BTreeSet<String>,
}

/// Whether `node`, a child of `n` on the way up, is guarded by `n`: the block of an
/// `if`/`elseif` whose condition is `$script:FullLanguage` (alone or first in a chain of
/// `-and`), or the `else` of a `$PSVersionTable.PSVersion.Major -ge N` check (PowerShell
/// 2.0, which has no Constrained Language mode).
fn guards(n: Node<'_>, child: Node<'_>, src: &str) -> bool {
    match n.kind() {
        "if_statement" | "elseif_clause" => {
            let c = n
                .child_by_field_name("condition")
                .map(|c| text(c, src).trim().to_ascii_lowercase())
                .unwrap_or_default();
            let full = c == "$script:fulllanguage" || c.starts_with("$script:fulllanguage -and ");
            full && child.kind() == "statement_block"
        }
        "else_clause" => n
            .parent()
            .filter(|p| p.kind() == "if_statement")
            .is_some_and(|i| {
                i.child_by_field_name("condition")
                    .map(|c| text(c, src).to_ascii_lowercase())
                    .unwrap_or_default()
                    .contains("$psversiontable.psversion.major -ge")
            }),
        _ => false,
    }
}

/// Runs only in FullLanguage mode: guarded within its function or script block, or in a
/// function/script block that only such code calls.
fn in_full_language(node: Node<'_>, src: &str, only_full: &BTreeSet<String>) -> bool {
    let mut child = node;
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "function_statement" {
            let mut c = n.walk();
            let name = n
                .children(&mut c)
                .find(|k| k.kind() == "function_name")
                .map(|k| text(k, src).to_ascii_lowercase())
                .unwrap_or_default();
            return only_full.contains(&name);
        }
        if n.kind() == "script_block_expression"
            && let Some(v) = script_block_variable(n, src)
        {
            return only_full.contains(&v.to_ascii_lowercase().replace("$script:", "$"));
        }
        if guards(n, child, src) {
            return true;
        }
        child = n;
        at = n.parent();
    }
    false
}

/// Where functions and script-block variables are called: function names as commands and
/// as string literals (`& $Function` with a name passed in), variables wherever they are
/// read.
fn call_sites<'t>(tree: &'t Tree, src: &str) -> BTreeMap<String, Vec<Node<'t>>> {
    let root = tree.root_node();
    let names: BTreeSet<String> = functions(tree, src)
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let mut blocks: BTreeSet<String> = BTreeSet::new();
    each_node(root, &mut |n| {
        if n.kind() == "script_block_expression"
            && let Some(v) = script_block_variable(n, src)
        {
            blocks.insert(v.to_ascii_lowercase().replace("$script:", "$"));
        }
    });
    let mut out: BTreeMap<String, Vec<Node<'t>>> = BTreeMap::new();
    each_node(root, &mut |n| match n.kind() {
        "command_name" => {
            let name = text(n, src).to_ascii_lowercase();
            if names.contains(&name) {
                out.entry(name).or_default().push(n);
            }
        }
        "string_literal" => {
            let s = text(n, src).trim_matches(['\'', '"']).to_ascii_lowercase();
            if names.contains(&s) {
                out.entry(s).or_default().push(n);
            }
        }
        "variable" => {
            let v = text(n, src).to_ascii_lowercase().replace("$script:", "$");
            if blocks.contains(&v) {
                // Not the assignment that defines it.
                let defining = n
                    .parent()
                    .and_then(|p| {
                        let mut q = Some(p);
                        while let Some(x) = q {
                            if x.kind() == "left_assignment_expression" {
                                return Some(x);
                            }
                            if x.kind() == "assignment_expression" {
                                return None;
                            }
                            q = x.parent();
                        }
                        None
                    })
                    .is_some();
                if !defining {
                    out.entry(v).or_default().push(n);
                }
            }
        }
        _ => {}
    });
    out
}

/// Functions and script blocks that run only in FullLanguage mode: the greatest set such
/// that each member's every call site is FullLanguage-only code.
pub fn full_language_regions(src: &str) -> FullLanguageRegions {
    let tree = parse(src);
    let sites = call_sites(&tree, src);
    let mut only_full: BTreeSet<String> = sites.keys().cloned().collect();
    loop {
        let before = only_full.len();
        let snapshot = only_full.clone();
        only_full.retain(|name| {
            sites[name]
                .iter()
                .all(|site| in_full_language(*site, src, &snapshot))
        });
        if only_full.len() == before {
            break;
        }
    }
    FullLanguageRegions { only_full }
}

/// Every use of .NET, COM or Add-Type that Constrained Language mode refuses and that can
/// run outside FullLanguage mode.
pub fn clm_violations(src: &str) -> Vec<Violation> {
    let tree = parse(src);
    let regions = full_language_regions(src);
    let mut out = Vec::new();
    let mut flag = |n: Node<'_>, what: String| {
        if !in_full_language(n, src, &regions.only_full) {
            out.push(Violation {
                line: line(n),
                what,
            });
        }
    };
    each_node(tree.root_node(), &mut |n| match n.kind() {
        "type_literal" => {
            let t = text(n, src);
            if !clm_type_allowed(t) {
                flag(n, format!("type {t}"));
            }
        }
        "invokation_expression" => {
            let first = n.child(0);
            let method = n
                .child_by_field_name("member_name")
                .or_else(|| {
                    let mut c = n.walk();
                    n.children(&mut c).find(|k| k.kind() == "member_name")
                })
                .map(|m| text(m, src).to_ascii_lowercase())
                .unwrap_or_default();
            let on_type = first.is_some_and(|f| f.kind() == "type_literal");
            if !on_type && !CLM_METHODS.contains(&method.as_str()) {
                flag(n, format!("method .{method}()"));
            }
        }
        "assignment_expression" => {
            let left = n.child(0).map(|l| text(l, src)).unwrap_or_default();
            // `$a.b = ...`: setting a property; allowed only on the core types, which the
            // scripts never need to set.
            if n.child(0)
                .is_some_and(|l| !nodes_of(l, "member_access").is_empty())
            {
                flag(n, format!("property set {}", left.trim()));
            }
        }
        "command" => {
            let c = &commands(n, src)[0];
            let name = c.name.to_ascii_lowercase();
            if name == "add-type" {
                flag(n, "Add-Type".to_owned());
            }
            if name == "new-object" {
                if let Some(com) = c.value_of("-ComObject") {
                    let com = com.trim_matches(['\'', '"']).to_ascii_lowercase();
                    if !CLM_COM.contains(&com.as_str()) {
                        flag(n, format!("COM {com}"));
                    }
                } else {
                    let ty = c
                        .value_of("-TypeName")
                        .or_else(|| c.elements.first().map(String::as_str))
                        .unwrap_or_default();
                    if !clm_type_allowed(ty) {
                        flag(n, format!("New-Object {ty}"));
                    }
                }
            }
        }
        _ => {}
    });
    out
}

// ---------------------------------------------------------------------------------------
// Shared rules of the scripts caadoctor sends: WMI with a deadline, errors kept

/// Cmdlets and types that talk to WMI.
pub const WMI_COMMANDS: &[&str] = &[
    "Get-WmiObject",
    "gwmi",
    "Get-CimInstance",
    "gcim",
    "Get-HotFix",
    "Invoke-WmiMethod",
    "Get-CimAssociatedInstance",
    "Invoke-CimMethod",
    "Get-CimClass",
    "Register-WmiEvent",
];
pub const WMI_TYPES: &[&str] = &["wmi", "wmiclass", "wmisearcher"];

/// Every WMI call outside `Invoke-Wmi`.
pub fn wmi_outside_helper(src: &str) -> Vec<String> {
    let tree = parse(src);
    let mut out = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        let what = match n.kind() {
            "command_name" => {
                let t = text(n, src);
                WMI_COMMANDS
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(t))
                    .then(|| t.to_owned())
            }
            "type_literal" => {
                let t = text(n, src).trim_matches(['[', ']']).to_ascii_lowercase();
                let wmi_namespace = t.starts_with("system.management.")
                    && !t.starts_with("system.management.automation");
                (WMI_TYPES.contains(&t.as_str()) || wmi_namespace).then(|| format!("[{t}]"))
            }
            "generic_token" => {
                let t = text(n, src).to_ascii_lowercase();
                (t.starts_with("system.management.")
                    && !t.starts_with("system.management.automation"))
                .then(|| t.clone())
            }
            _ => None,
        };
        if let Some(w) = what
            && enclosing_function(n, src) != Some("Invoke-Wmi")
        {
            out.push(format!("line {}: {w}", line(n)));
        }
    });
    out
}

/// Commands that hide errors (`-ErrorAction SilentlyContinue` or `Ignore`) without keeping
/// them (`-ErrorVariable`). Waiting for a process that may outlive the wait is the one
/// expected error.
pub fn swallowed_errors(src: &str) -> Vec<String> {
    let tree = parse(src);
    commands(tree.root_node(), src)
        .into_iter()
        .filter(|c| {
            let hides = ["-ErrorAction", "-ea"].iter().any(|p| {
                c.value_of(p).is_some_and(|v| {
                    matches!(
                        v.to_ascii_lowercase().as_str(),
                        "silentlycontinue" | "ignore" | "0"
                    )
                })
            });
            hides && !c.has("-ErrorVariable") && !c.has("-ev")
        })
        .map(|c| format!("line {}: {}", line(c.node), c.name))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Data written as PowerShell literals (the fix script's plan)

/// A literal as written: a string (quotes removed, doubled quotes undone), anything else
/// as its text (`2560`, `$null`, `$true`), an array, or a hashtable by key.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Raw(String),
    List(Vec<Literal>),
    Map(BTreeMap<String, Literal>),
}

impl Literal {
    pub fn text(&self) -> Option<&str> {
        match self {
            Literal::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn raw(&self) -> Option<&str> {
        match self {
            Literal::Raw(t) => Some(t),
            _ => None,
        }
    }

    pub fn map(&self) -> Option<&BTreeMap<String, Literal>> {
        match self {
            Literal::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn list(&self) -> Option<&[Literal]> {
        match self {
            Literal::List(l) => Some(l),
            _ => None,
        }
    }
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'') {
        let inner = &t[1..t.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
                && chars.peek() == Some(&c)
            {
                chars.next();
            }
        }
        out
    } else {
        t.to_owned()
    }
}

/// The first node of these kinds at or under `node`, in document order.
fn first_of<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut found = None;
    each_node(node, &mut |n| {
        if found.is_none() && kinds.contains(&n.kind()) {
            found = Some(n)
        }
    });
    found
}

/// Whether `node` is directly inside `container` (no hashtable or array in between).
fn directly_in(node: Node<'_>, container: Node<'_>) -> bool {
    let mut at = node.parent();
    while let Some(n) = at {
        if n == container {
            return true;
        }
        if matches!(n.kind(), "hash_literal_expression" | "array_expression") {
            return false;
        }
        at = n.parent();
    }
    false
}

/// The literal a value node holds.
pub fn literal(node: Node<'_>, src: &str) -> Literal {
    let Some(n) = first_of(
        node,
        &[
            "hash_literal_expression",
            "array_expression",
            "string_literal",
            "integer_literal",
            "variable",
        ],
    ) else {
        return Literal::Raw(text(node, src).trim().to_owned());
    };
    match n.kind() {
        "hash_literal_expression" => {
            let mut map = BTreeMap::new();
            for entry in nodes_of(n, "hash_entry") {
                if !directly_in(entry, n) {
                    continue;
                }
                let mut c = entry.walk();
                let named: Vec<Node<'_>> = entry.named_children(&mut c).collect();
                if let (Some(k), Some(v)) = (named.first(), named.last()) {
                    map.insert(unquote(text(*k, src)), literal(*v, src));
                }
            }
            Literal::Map(map)
        }
        "array_expression" => {
            let mut items = Vec::new();
            each_node(n, &mut |x| {
                if x != n
                    && matches!(
                        x.kind(),
                        "hash_literal_expression"
                            | "array_expression"
                            | "string_literal"
                            | "integer_literal"
                    )
                    && directly_in(x, n)
                {
                    items.push(literal(x, src));
                }
            });
            Literal::List(items)
        }
        "string_literal" => Literal::Text(unquote(text(n, src))),
        _ => Literal::Raw(text(n, src).trim().to_owned()),
    }
}

/// The value assigned to `$name` at the top of the script (`$name = ...`).
pub fn assigned(src: &str, name: &str) -> Option<Literal> {
    let tree = parse(src);
    let found = nodes_of(tree.root_node(), "assignment_expression")
        .into_iter()
        .find(|a| {
            enclosing_function(*a, src).is_none()
                && a.child(0)
                    .is_some_and(|l| text(l, src).trim().eq_ignore_ascii_case(name))
        })?;
    let value = found.child(2)?;
    Some(literal(value, src))
}

/// The labels of the clauses of the first `switch` in `src` (a function's text).
pub fn switch_labels(src: &str) -> Vec<String> {
    let tree = parse(src);
    let Some(switch) = nodes_of(tree.root_node(), "switch_statement")
        .into_iter()
        .next()
    else {
        return Vec::new();
    };
    nodes_of(switch, "switch_clause")
        .into_iter()
        .filter(|c| {
            // Clauses of this switch, not of one nested in a clause.
            let mut at = c.parent();
            while let Some(n) = at {
                if n.kind() == "switch_statement" {
                    return n == switch;
                }
                at = n.parent();
            }
            false
        })
        .filter_map(|c| {
            let mut w = c.walk();
            c.children(&mut w).next().map(|k| unquote(text(k, src)))
        })
        .collect()
}
