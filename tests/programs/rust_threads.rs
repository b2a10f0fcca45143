// SPDX-License-Identifier: LGPL-2.1-or-later

// A Rust program with threads (tests/e2e/names.sh), built with Rust's
// legacy mangling and with v0: each of four threads grows a vector of
// 4 MiB, which malloc maps, from rust_threads::grow_vec.  Its frames must
// read as Rust names, the legacy ones without their hash.  Exits 0.

use std::thread;

#[inline(never)]
fn grow_vec(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    v.resize(n, 1);
    v
}

fn main() {
    let handles: Vec<_> = (0..4)
        .map(|i| thread::spawn(move || grow_vec((4 << 20) + i).len()))
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    std::process::exit(if total >= 4 << 22 { 0 } else { 1 });
}
