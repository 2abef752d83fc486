//! Load scenarios for ChatAPI. The real scenarios (fan-out, cross-node) arrive with the
//! real-time issue; until then this binary only says so, so `cargo run -p loadtest` is honest.
fn main() {
    eprintln!("loadtest: no scenario yet; the fan-out scenario lands with rooms and WebSockets");
    std::process::exit(2);
}
