//! Looking inside: what a kernel compiles to ([`asm`]), what the machine is
//! ([`machine`]), and what it can do at best ([`roofline`]).

pub mod asm;
pub mod machine;
pub mod roofline;
