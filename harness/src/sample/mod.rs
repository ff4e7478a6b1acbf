//! The sampler: sends GET requests to the target with bounded concurrency and an
//! optional rate cap, attributes each response by `x-variant`/`x-release`, and
//! aggregates in constant memory (HDR histograms, counters).
