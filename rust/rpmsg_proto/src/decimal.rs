//! Decimal digits of a `u64` with 32-bit arithmetic only. A 32-bit ARM
//! kernel's Rust has no 64-bit division (its `__aeabi_uldivmod` traps), so
//! its `{}` of a `u64` is an Oops; the kernel modules show 64-bit values
//! through [`decimal`] instead.

/// `v / 10` and `v % 10`, by long division over 16-bit limbs: each step
/// divides a number below 10 * 2^16 by 10.
pub fn div_rem_10(v: u64) -> (u64, u32) {
    let mut quotient = 0u64;
    let mut rem = 0u32;
    for shift in [48u32, 32, 16, 0] {
        let part = (rem << 16) | ((v >> shift) as u32 & 0xffff);
        quotient |= u64::from(part / 10) << shift;
        rem = part % 10;
    }
    (quotient, rem)
}

/// The decimal digits of `v` (ASCII, no sign, "0" for zero), written to the
/// end of `buf`.
pub fn decimal(v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut v = v;
    loop {
        let (q, r) = div_rem_10(v);
        at -= 1;
        buf[at] = b'0' + r as u8;
        v = q;
        if v == 0 {
            return &buf[at..];
        }
    }
}
