//! Statistics: pure functions, no I/O. Intervals, sequential decisions, sample-ratio
//! mismatch, error-rate and latency comparisons.
