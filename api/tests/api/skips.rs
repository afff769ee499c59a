//! A PostgreSQL-only test without a PostgreSQL server skips itself with a
//! message a plain `cargo test` shows, and fails where the test command says
//! nothing may be skipped (`REQUIRE_TEST_DATABASE=1`, its PostgreSQL pass):
//! before, such tests passed silently wherever they could not run.

use crate::support::REQUIRE_TEST_DATABASE;

/// Runs one test of this binary in a child process, without a PostgreSQL
/// server, with `require` as `REQUIRE_TEST_DATABASE`: its success and output.
fn run_without_postgres(test: &str, require: Option<&str>) -> (bool, String) {
    let mut child = std::process::Command::new(std::env::current_exe().expect("this test binary"));
    child
        .args(["--exact", test, "--test-threads=1"])
        .env_remove("TEST_DATABASE_URL")
        .env_remove(REQUIRE_TEST_DATABASE);
    if let Some(require) = require {
        child.env(REQUIRE_TEST_DATABASE, require);
    }
    let output = child.output().expect("run the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn a_postgres_only_test_skips_visibly_and_fails_when_it_must_run() {
    let test = "auth_cache::a_one_off_commands_state_never_listens";
    let (passed, output) = run_without_postgres(test, None);
    assert!(passed, "{output}");
    assert!(
        output.contains("SKIPPED a_one_off_commands_state_never_listens: it needs PostgreSQL"),
        "{output}"
    );
    assert!(output.contains("1 passed"), "{output}");

    let (passed, output) = run_without_postgres(test, Some("1"));
    assert!(!passed, "{output}");
    assert!(
        output.contains("would be skipped") && output.contains("REQUIRE_TEST_DATABASE=1"),
        "{output}"
    );
}
