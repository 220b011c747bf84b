//! The engine's projection step allocates nothing: a counting global allocator (in this test
//! binary only) sees no allocation while `project_into` runs on buffers allocated beforehand.

use jinko::engine::{project_into, Components};
use jinko::grid::MAX_AGES;
use jinko::scenario::Scenario;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn projecting_allocates_nothing() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The target scenario has every feature the step uses on Kama data: rates, TFR-scaled CWR.
    for name in ["target.toml", "sim2-tfr21-zero-migration.toml"] {
        let s = Scenario::load(&root.join("scenarios/kama").join(name)).unwrap();
        let steps = s.model.periods.len();
        let mut pops = vec![[[0.0; MAX_AGES]; 2]; steps + 1];
        let mut comps = vec![Components::default(); steps];
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..100 {
            project_into(&s.model, &s.base, &mut pops, &mut comps);
        }
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        assert_eq!(after - before, 0, "{name}: the projection allocated");
        assert!(pops[steps][0][5] > 0.0);
    }
}
