//! Binary entry point of the poem service.
fn main() {}
