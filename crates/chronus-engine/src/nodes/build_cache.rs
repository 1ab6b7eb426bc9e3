//! What nodes derive from large array options (wavetable mip-maps, decimated recordings),
//! built once and shared while some node uses it. Recompiling a graph, which every live
//! edit does (twice with a crossfade), then finds it instead of redoing the work. Nodes are
//! built on the control thread only; the audio thread never touches a cache.

use std::sync::{Arc, Mutex, Weak};

use crate::spec::ArrayData;

/// One derived value and what it was derived from. Holding a `Weak` to each array keeps
/// its address from being reused while the entry lives.
struct Entry<T> {
    arrays: Vec<Weak<[f32]>>,
    setting: u64,
    value: Weak<T>,
}

/// Derived values by the identity of the arrays (and a setting) they came from.
pub(crate) struct BuildCache<T>(Mutex<Vec<Entry<T>>>);

impl<T> BuildCache<T> {
    /// An empty cache (for a `static`).
    pub(crate) const fn new() -> Self {
        BuildCache(Mutex::new(Vec::new()))
    }

    /// The value some node already uses for exactly these arrays and `setting`, or a new
    /// one from `build`. Entries whose value no node holds any more are dropped here.
    pub(crate) fn get(&self, arrays: &[&ArrayData], setting: u64, build: impl FnOnce() -> T) -> Arc<T> {
        let keys: Vec<Weak<[f32]>> = arrays.iter().map(|a| Arc::downgrade(&a.share())).collect();
        let mut entries = self.0.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.value.strong_count() > 0);
        let same = |e: &&Entry<T>| {
            e.setting == setting && e.arrays.len() == keys.len() && e.arrays.iter().zip(&keys).all(|(a, b)| a.ptr_eq(b))
        };
        if let Some(value) = entries.iter().find(same).and_then(|e| e.value.upgrade()) {
            return value;
        }
        let value = Arc::new(build());
        entries.push(Entry { arrays: keys, setting, value: Arc::downgrade(&value) });
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array() -> ArrayData {
        ArrayData::new(vec![1.0f32, 2.0, 3.0, 4.0], 2).unwrap()
    }

    #[test]
    fn a_value_is_built_once_while_something_uses_it() {
        static CACHE: BuildCache<Vec<f32>> = BuildCache::new();
        let (a, b) = (array(), array());
        let first = CACHE.get(&[&a], 1, || vec![1.0]);
        assert!(Arc::ptr_eq(&first, &CACHE.get(&[&a.clone()], 1, || unreachable!())), "same array");
        assert!(!Arc::ptr_eq(&first, &CACHE.get(&[&a], 2, || vec![2.0])), "other setting");
        assert!(!Arc::ptr_eq(&first, &CACHE.get(&[&b], 1, || vec![3.0])), "equal values elsewhere");
        assert!(!Arc::ptr_eq(&first, &CACHE.get(&[&a, &b], 1, || vec![4.0])), "more arrays");
        let weak = Arc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_none(), "the cache keeps nothing alive");
        assert_eq!(*CACHE.get(&[&a], 1, || vec![5.0]), vec![5.0]);
    }
}
