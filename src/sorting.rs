//! One stable sort for the whole interface.
//!
//! The standard library's sort is generic: every element type and comparison the app
//! sorts by got its own copy of the sorting code, about 3 KB of WebAssembly each, a dozen
//! times over. [`sort_by`] sorts positions instead, through one comparison passed by
//! reference, so the sorting code exists once and each caller adds only a small reorder.

use std::cmp::Ordering;

/// Sorts `items` by `cmp`, keeping equal items in their current order (like
/// [`slice::sort_by`]).
pub fn sort_by<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_positions(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// The positions `0..n` in the order `cmp` gives them, stable.
fn sorted_positions(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let mut ours: Vec<(u8, &str)> = vec![(3, "a"), (1, "b"), (3, "c"), (0, "d"), (1, "e")];
        let mut std = ours.clone();
        sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
        std.sort_by_key(|a| a.0);
        assert_eq!(ours, std);
        assert_eq!(ours, vec![(0, "d"), (1, "b"), (1, "e"), (3, "a"), (3, "c")]);
        let mut empty: Vec<u8> = Vec::new();
        sort_by(&mut empty, u8::cmp);
        assert!(empty.is_empty());
    }
}
