//! Round-robin: take the job at the front of the queue, give it one round of work, and
//! put it back at the end while it needs more. The answer is the jobs in the order they
//! finish.

use super::super::Idioms;
use std::collections::VecDeque;

/// The queue as a Vec, popped with `remove(0)`.
pub fn remove0(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut left = p.work.clone();
        let mut queue: Vec<u32> = (0..p.work.len() as u32).collect();
        let mut done = Vec::with_capacity(p.work.len());
        while !queue.is_empty() {
            let job = queue.remove(0);
            left[job as usize] -= 1;
            if left[job as usize] > 0 {
                queue.push(job);
            } else {
                done.push(job as f64);
            }
        }
        *out = done;
    }
}

/// The queue as a VecDeque, popped with `pop_front`.
pub fn deque(p: &Idioms, out: &mut Vec<f64>, steps: usize) {
    for _ in 0..steps {
        let mut left = p.work.clone();
        let mut queue: VecDeque<u32> = (0..p.work.len() as u32).collect();
        let mut done = Vec::with_capacity(p.work.len());
        while let Some(job) = queue.pop_front() {
            left[job as usize] -= 1;
            if left[job as usize] > 0 {
                queue.push_back(job);
            } else {
                done.push(job as f64);
            }
        }
        *out = done;
    }
}
