//! Start-up settings, through the real binary: API.md §8's settings are accepted, and
//! a value out of range stops the node with one line naming it, before any time
//! arithmetic could overflow.

use std::process::{Command, Output};

fn start(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chatapi"));
    command
        .env_clear()
        .env("CHATAPI_PORT", "0")
        .env("CHATAPI_LOG", "warn");
    for (name, value) in vars {
        command.env(name, value);
    }
    // A valid configuration would run forever; each case here must stop by itself.
    command.output().unwrap()
}

#[test]
fn out_of_range_ttls_stop_start_up_naming_the_setting() {
    for (name, value) in [
        ("CHATAPI_SCOPED_KEY_TTL", "99999999999999999"),
        ("CHATAPI_SCOPED_KEY_TTL", "0"),
        ("CHATAPI_PRESENCE_TTL", "99999999999999999"),
        ("CHATAPI_PRESENCE_TTL", "1"),
        ("CHATAPI_RATE_MESSAGES_PER_SEC", "-1"),
        ("CHATAPI_RATE_LOGINS_PER_MIN", "many"),
    ] {
        let output = start(&[(name, value)]);
        assert!(!output.status.success(), "{name}={value} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name), "{name}={value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}={value}: {stderr}");
    }
}

/// API.md §8's rate settings, each `0` as benchmarks set them, and §6's presence
/// size start a node that answers.
#[test]
fn every_documented_rate_and_presence_setting_is_accepted() {
    let port = crate::helpers::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatapi"))
        .env_clear()
        .env("CHATAPI_PORT", port.to_string())
        .env("CHATAPI_LOG", "warn")
        .env("CHATAPI_RATE_MESSAGES_PER_SEC", "0")
        .env("CHATAPI_RATE_MESSAGES_BURST", "0")
        .env("CHATAPI_RATE_LOGINS_PER_MIN", "0")
        .env("CHATAPI_RATE_WS_CONNECTS_PER_MIN", "0")
        .env("CHATAPI_RATE_AUTH_FAILURES_PER_MIN", "0")
        .env("CHATAPI_PRESENCE_EVENTS_MAX_MEMBERS", "100")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let answered = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the node stopped: {status}");
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream
                .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            break reply;
        }
        assert!(started.elapsed() < crate::helpers::DEADLINE, "no answer");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

/// The README's settings table is the catalog the binary reads, word for word.
#[test]
fn the_readme_lists_every_setting_as_the_binary_knows_it() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let table = chatapi::config::catalog::table();
    assert!(
        readme.contains(&table),
        "README's settings table differs from the catalog; it should read:\n{table}"
    );
}

/// `chatapi --help` prints every setting with its default, and starts nothing.
#[test]
fn help_prints_every_setting_with_its_default() {
    let output = Command::new(env!("CARGO_BIN_EXE_chatapi"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for setting in chatapi::config::catalog::SETTINGS {
        let line = format!(
            "  {} (default: {})",
            setting.name,
            setting.default.replace('`', "")
        );
        assert!(text.contains(&line), "{line} missing from:\n{text}");
    }
}

/// Every catalogued name is one start-up accepts (a bad value is malformed, never
/// unknown), and a name outside it is refused as unknown.
#[test]
fn start_up_accepts_exactly_the_catalogued_names() {
    use chatapi::config::{catalog::SETTINGS, Settings, SettingsError};
    for setting in SETTINGS {
        let read = Settings::from_vars([(setting.name.to_owned(), "\u{1}".to_owned())]);
        assert!(
            !matches!(read, Err(SettingsError::Unknown { .. })),
            "{} is catalogued but refused",
            setting.name
        );
    }
    let read = Settings::from_vars([("CHATAPI_NOPE".to_owned(), "1".to_owned())]);
    assert!(matches!(read, Err(SettingsError::Unknown { .. })));
}
