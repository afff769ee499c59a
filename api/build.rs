//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//! embeds `migrations/` at compile time and does not tell cargo to watch it
//! (the build script `sqlx migrate build-script` generates).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
