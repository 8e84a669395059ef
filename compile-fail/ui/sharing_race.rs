// Two threads bump one plain integer: the data race the tutorials' shared counter has.
// Rust refuses it at compile time; tests/ui/sharing_race.stderr keeps the error.
fn main() {
    let mut count = 0u64;
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..1000 {
                count += 1;
            }
        });
        s.spawn(|| {
            for _ in 0..1000 {
                count += 1;
            }
        });
    });
    println!("{count}");
}
