//! Order-keeping parallel map for the native tools (training, the evaluation, the audit).
//!
//! The encoder runs one message at a time on one core; the CLI's long jobs encode thousands
//! of independent messages, so they spread them over the machine's cores with scoped
//! threads. The results come back in input order and each one is computed exactly as it
//! would be alone, so the output does not depend on the number of threads.

use std::num::NonZeroUsize;

/// `f` applied to every item, in input order, on up to one thread per core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    // Thread `t` takes items t, t + threads, t + 2 * threads...: neighbouring lines in a
    // data file are often of similar length, so striding keeps the threads evenly loaded.
    let parts: Vec<Vec<R>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || items.iter().skip(t).step_by(threads).map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut parts: Vec<_> = parts.into_iter().map(Vec::into_iter).collect();
    (0..items.len())
        .filter_map(|i| parts[i % threads].next())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..1001).collect();
        assert_eq!(
            map(&items, |x| x * x),
            items.iter().map(|x| x * x).collect::<Vec<_>>()
        );
        assert!(map(&[] as &[u8], |x| *x).is_empty());
        assert_eq!(map(&[7u8], |x| *x + 1), vec![8]);
    }
}
