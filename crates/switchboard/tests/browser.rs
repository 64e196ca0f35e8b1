//! Headless Chromium (Debian's, driven by playwright-core) signs in to the
//! admin portal in French and saves screenshots of every page.
//!
//! Needs `node`, `/usr/bin/chromium` and `npm ci` in `tests/browser/`
//! (`make test-deps` does all three). Screenshots go to a temporary folder,
//! or to `SWITCHBOARD_SCREENSHOTS` when set (to look at them).

mod support;

use std::path::Path;
use std::process::Command;

use support::{Server, seed_account};

#[test]
fn an_admin_signs_in_with_chromium_in_french() {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        scripts.join("node_modules/playwright-core").exists(),
        "run `make test-deps` (npm ci in {}) first",
        scripts.display()
    );
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let server = Server::start(dir.path());
    let shots = match std::env::var_os("SWITCHBOARD_SCREENSHOTS") {
        Some(d) => std::path::PathBuf::from(d),
        None => dir.path().join("screenshots"),
    };
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(scripts.join("admin.mjs"))
        .arg(format!("http://{}", server.http))
        .arg(&shots)
        .args(["01 99 00 02 00", "longenough", "201", "password201"])
        .current_dir(&scripts)
        .output()
        .expect("node runs");
    server.terminate();
    assert!(
        out.status.success(),
        "browser scenario failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["01-admin-signin-fr", "03-admin-dashboard", "10-user-calls"] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    }
}
